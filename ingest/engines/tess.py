"""Tesseract 5 (chi_sim + eng) through pytesseract.

Tesseract's own page layout analysis mixes up the cells of a form, so when the scan path
hands it the regions to read (the table cells and the free-text bands), their crops are
stacked into one column image and read in a single call — one process start per page, no
ruling lines in sight — and the words are mapped back to page coordinates.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import BBox, TextLine, centre_in

if TYPE_CHECKING:
    import numpy as np

LANG = "chi_sim"
PAGE_CONFIG = "--oem 1 --psm 11"
STACK_CONFIG = "--oem 1 --psm 6"
PAD, GAP = 8, 24  # px around each crop, and white space between crops in the stack


class TesseractEngine:
    name = "tesseract"

    def __init__(self) -> None:
        import pytesseract

        self._tess = pytesseract
        self.version = str(pytesseract.get_tesseract_version())

    def _data(self, image: np.ndarray, config: str) -> dict[str, list[Any]]:
        data: dict[str, list[Any]] = self._tess.image_to_data(image, lang=LANG, config=config,
                                                              output_type=self._tess.Output.DICT)
        return data

    def read_page(self, image: np.ndarray) -> list[TextLine]:
        return _lines(self._data(image, PAGE_CONFIG), lambda y: (0.0, 0.0))

    def read_lines(self, image: np.ndarray, skip: Sequence[BBox] = (),
                   regions: Sequence[BBox] | None = None) -> list[TextLine]:
        if not regions:
            return [t for t in self.read_page(image) if not centre_in(t.bbox, skip)]
        import numpy as np

        crops, offsets, y = [], [], 0
        for x0, y0, x1, y1 in regions:
            crop = image[max(0, int(y0) + 3) : int(y1) - 3, max(0, int(x0) + 3) : int(x1) - 3]
            if crop.size == 0:
                continue
            crops.append(np.pad(_binarise(crop), PAD, constant_values=255))
            offsets.append((y, y + crop.shape[0] + 2 * PAD, x0 + 3 - PAD, y0 + 3 - PAD))
            y += crop.shape[0] + 2 * PAD + GAP
        if not crops:
            return []
        width = max(c.shape[1] for c in crops)
        stack = np.full((y, width), 255, np.uint8)
        for crop, (top, _, _, _) in zip(crops, offsets, strict=True):
            stack[top : top + crop.shape[0], : crop.shape[1]] = crop

        def shift(word_y: float) -> tuple[float, float]:
            for top, bottom, dx, dy in offsets:
                if top <= word_y < bottom:
                    return dx, dy - top
            return 0.0, 0.0

        return [t for t in _lines(self._data(stack, STACK_CONFIG), shift) if not centre_in(t.bbox, skip)]

    def upright_score(self, image: np.ndarray) -> float:
        """Tesseract's own orientation detection: 1 when it finds the page upright."""
        try:
            osd = self._tess.image_to_osd(image, config="--psm 0", output_type=self._tess.Output.DICT)
        except self._tess.TesseractError:
            return 0.5
        return 1.0 if int(osd.get("rotate", 0)) == 0 else 0.0


def _binarise(crop: np.ndarray) -> np.ndarray:
    """Black text on white: shaded label cells and grey paper confuse Tesseract."""
    import cv2

    _, out = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return out if (out == 0).mean() < 0.5 else crop


def _join_words(data: dict[str, list[Any]], idx: list[int], height: float) -> str:
    """Chinese words run together; a gap wider than a character separates fields."""
    out = str(data["text"][idx[0]])
    for prev, i in itertools.pairwise(idx):
        gap = data["left"][i] - (data["left"][prev] + data["width"][prev])
        out += ("  " if gap > height * 1.2 else "") + str(data["text"][i])
    return out


def _lines(data: dict[str, list[Any]], shift: Any) -> list[TextLine]:
    """Words grouped into lines, moved by ``shift(y) -> (dx, dy)`` back onto the page."""
    groups: dict[tuple[int, int, int], list[int]] = {}
    for i, text in enumerate(data["text"]):
        if str(text).strip() and float(data["conf"][i]) >= 0:
            groups.setdefault((data["block_num"][i], data["par_num"][i], data["line_num"][i]), []).append(i)
    lines = []
    for idx in groups.values():
        x0 = min(data["left"][i] for i in idx)
        y0 = min(data["top"][i] for i in idx)
        x1 = max(data["left"][i] + data["width"][i] for i in idx)
        y1 = max(data["top"][i] + data["height"][i] for i in idx)
        dx, dy = shift((y0 + y1) / 2)
        text = _join_words(data, sorted(idx, key=lambda i: data["left"][i]), y1 - y0)
        conf = min(float(data["conf"][i]) for i in idx) / 100.0
        lines.append(TextLine(text, (x0 + dx, y0 + dy, x1 + dx, y1 + dy), conf))
    return lines
