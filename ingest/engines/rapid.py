"""RapidOCR (PaddleOCR PP-OCRv4 models shipped inside the rapidocr-onnxruntime wheel; nothing
is downloaded), one ONNX thread per process.

A ruled page (the scan path hands over its table cells and free-text bands as regions) is read
region by region (:mod:`zhidao.ingest.cells_ocr`): blank cells skipped, lines found by their
ink, labels read once per layout, the detector only on lines that touch. A page without a grid
(one region, or none) is read as before: detection once on a reduced copy of the page,
recognition on the line crops of the full-resolution page."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from importlib.metadata import version

import cv2
import numpy as np

from ..cells_ocr import CellReader
from ..labels import RECORD_MATCHER
from . import BBox, TextLine, centre_in

DETECT_SIDE = 1280  # px: the long side of the copy the detector sees
ORIENT_SIDE = 720  # px: the smaller copy used only to tell which way up the page is
REC_HEIGHT = 48  # px: the recogniser's input height
REC_BUCKET = 16  # px: crops padded to a multiple of this wide are recognised together
# px of width per recogniser call (a batch of n crops of width w: n·w at most, one crop at least).
# Its cost per px is least while a call's input stays this small (on one thread, ≈ 45 µs per px
# up to ≈ 300 px; 2 × 256 px cost 67 µs per px, 8 × 128 px 82, one 576 px crop 68; see
# benchmarks/results/scan.md): bigger batches are slower, not faster
REC_PIXELS = 256


def _is_label(text: str) -> bool:
    core = text.strip().rstrip(":：").strip()
    return bool(core) and RECORD_MATCHER.match(core) is not None


class RapidEngine:
    name = "rapidocr"
    # read a ruled page by its regions (False, or ZHIDAO_OCR_CELLS=0: the detector over the page)
    cells = os.environ.get("ZHIDAO_OCR_CELLS", "1") != "0"

    def __init__(self) -> None:
        from rapidocr_onnxruntime import RapidOCR

        self._ocr = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)
        self.version = version("rapidocr-onnxruntime")
        self.reader = CellReader(self.recognise, self._detect_lines, _is_label)

    @property
    def reads_first(self) -> bool:
        """Cheap to read a page as it stands: the scan path asks for orientation only when the
        reading is not confident (see ``scan._upright_read``)."""
        return self.cells

    def read_page(self, image: np.ndarray) -> list[TextLine]:
        result, _ = self._ocr(image)
        return [TextLine(text, _bbox(np.array(points)), float(score)) for points, text, score in result or []]

    def recognise(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """Text and confidence of each BGR line crop. Crops are scaled to the recogniser's height
        and grouped by width (padded to a multiple of REC_BUCKET, not to the widest of a batch),
        at most REC_PIXELS of width to a call."""
        rec = self._ocr.text_rec
        widths = [max(REC_BUCKET, math.ceil(REC_HEIGHT * c.shape[1] / max(1, c.shape[0]))) for c in crops]
        buckets: dict[int, list[int]] = {}
        for i, w in enumerate(widths):
            buckets.setdefault(-(-w // REC_BUCKET) * REC_BUCKET, []).append(i)
        out: list[tuple[str, float]] = [("", 0.0)] * len(crops)
        for padded, members in buckets.items():
            size = max(1, REC_PIXELS // padded)
            for start in range(0, len(members), size):
                chunk = members[start : start + size]
                batch = np.zeros((len(chunk), 3, REC_HEIGHT, padded), np.float32)
                for k, i in enumerate(chunk):
                    resized = cv2.resize(crops[i], (min(widths[i], padded), REC_HEIGHT)).astype(np.float32)
                    batch[k, :, :, : resized.shape[1]] = resized.transpose(2, 0, 1) / 127.5 - 1.0
                preds = rec.session(batch)[0]
                for i, result in zip(chunk, rec.postprocess_op(preds), strict=True):
                    out[i] = (str(result[0]), float(result[1]))
        return out

    def _detect(self, image: np.ndarray, side: int = DETECT_SIDE) -> np.ndarray:
        h, w = image.shape[:2]
        scale = min(1.0, side / max(h, w))
        small = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        boxes, _ = self._ocr.text_det(_bgr(small))
        if boxes is None or len(boxes) == 0:
            return np.zeros((0, 4, 2), np.float32)
        scaled: np.ndarray = (np.asarray(boxes, np.float32) / scale).astype(np.float32)
        return scaled

    def _detect_lines(self, image: np.ndarray) -> list[TextLine]:
        """Lines of a crop (a band of lines that touch), detected at the crop's own size."""
        from rapidocr_onnxruntime.ch_ppocr_det.utils import DetPreProcess

        det = self._ocr.text_det
        h, w = image.shape[:2]
        bgr = _bgr(image)
        found, _ = det.postprocess_op(det.infer(DetPreProcess(max(h, w), "max", det.mean, det.std)(bgr))[0], (h, w))
        boxes = list(det.filter_tag_det_res(found, (h, w))) if found is not None and len(found) else []
        if not boxes:
            return []
        results = self.recognise(self._ocr.get_crop_img_list(bgr, boxes))
        return [TextLine(text, _bbox(box), score) for box, (text, score) in zip(boxes, results, strict=True)]

    def read_lines(self, image: np.ndarray, skip: Sequence[BBox] = (),
                   regions: Sequence[BBox] | None = None) -> list[TextLine]:
        if self.cells and regions is not None and len(regions) >= 2:
            return [t for t in self.reader.read(image, regions) if not centre_in(t.bbox, skip)]
        boxes = [b for b in self._detect(image) if not centre_in(_bbox(b), skip)]
        if not boxes:
            return []
        crops = self._ocr.get_crop_img_list(_bgr(image), boxes)
        results, _ = self._ocr.text_rec(crops)
        return [TextLine(text, _bbox(box), float(score)) for box, (text, score) in zip(boxes, results, strict=True)]

    def upright_score(self, image: np.ndarray) -> float:
        """Mean recognition confidence of the widest detected lines, read as they stand."""
        boxes = sorted(self._detect(image, ORIENT_SIDE), key=lambda b: -(_bbox(b)[2] - _bbox(b)[0]))[:6]
        if not boxes:
            return 0.0
        crops = self._ocr.get_crop_img_list(_bgr(image), boxes)
        results, _ = self._ocr.text_rec(crops)
        widths = [(_bbox(b)[2] - _bbox(b)[0]) / max(1.0, _bbox(b)[3] - _bbox(b)[1]) for b in boxes]
        horizontal = sum(1 for r in widths if r > 1.5) / len(widths)
        return float(np.mean([score for _, score in results])) * horizontal


def _bgr(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image


def _bbox(points: np.ndarray) -> BBox:
    xs, ys = points[:, 0], points[:, 1]
    return float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())
