"""Tesseract 5 (chi_sim + eng) through pytesseract: lines from `image_to_data` over the page
at 300 dpi-equivalent, page segmentation for a sparse form layout."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import BBox, TextLine, centre_in

LANG = "chi_sim+eng"
CONFIG = "--oem 1 --psm 11 -c preserve_interword_spaces=1"


class TesseractEngine:
    name = "tesseract"

    def __init__(self) -> None:
        import pytesseract

        self._tess = pytesseract
        self.version = str(pytesseract.get_tesseract_version())

    def read_page(self, image: np.ndarray) -> list[TextLine]:
        return self.read_lines(image)

    def read_lines(self, image: np.ndarray, skip: Sequence[BBox] = ()) -> list[TextLine]:
        data = self._tess.image_to_data(image, lang=LANG, config=CONFIG, output_type=self._tess.Output.DICT)
        groups: dict[tuple[int, int, int], list[int]] = {}
        for i, text in enumerate(data["text"]):
            if text.strip() and float(data["conf"][i]) >= 0:
                groups.setdefault((data["block_num"][i], data["par_num"][i], data["line_num"][i]), []).append(i)
        lines = []
        for idx in groups.values():
            x0 = min(data["left"][i] for i in idx)
            y0 = min(data["top"][i] for i in idx)
            x1 = max(data["left"][i] + data["width"][i] for i in idx)
            y1 = max(data["top"][i] + data["height"][i] for i in idx)
            box: BBox = (float(x0), float(y0), float(x1), float(y1))
            if centre_in(box, skip):
                continue
            text = "".join(data["text"][i] for i in idx)
            conf = min(float(data["conf"][i]) for i in idx) / 100.0
            lines.append(TextLine(text, box, conf))
        return lines

    def upright_score(self, image: np.ndarray) -> float:
        """Tesseract's own orientation detection: 1 when it finds the page upright."""
        try:
            osd = self._tess.image_to_osd(image, config="--psm 0", output_type=self._tess.Output.DICT)
        except self._tess.TesseractError:
            return 0.5
        return 1.0 if int(osd.get("rotate", 0)) == 0 else 0.0
