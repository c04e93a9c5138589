"""RapidOCR (PaddleOCR PP-OCRv4 models shipped inside the rapidocr-onnxruntime wheel; nothing
is downloaded). Detection runs once on a reduced copy of the page; recognition runs on the
line crops of the full-resolution page, one ONNX thread per process."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import version

import cv2
import numpy as np

from . import BBox, TextLine, centre_in

DETECT_SIDE = 1280  # px: the long side of the copy the detector sees
ORIENT_SIDE = 720  # px: the smaller copy used only to tell which way up the page is


class RapidEngine:
    name = "rapidocr"

    def __init__(self) -> None:
        from rapidocr_onnxruntime import RapidOCR

        self._ocr = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)
        self.version = version("rapidocr-onnxruntime")

    def read_page(self, image: np.ndarray) -> list[TextLine]:
        result, _ = self._ocr(image)
        return [TextLine(text, _bbox(np.array(points)), float(score)) for points, text, score in result or []]

    def _detect(self, image: np.ndarray, side: int = DETECT_SIDE) -> np.ndarray:
        h, w = image.shape[:2]
        scale = min(1.0, side / max(h, w))
        small = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        boxes, _ = self._ocr.text_det(_bgr(small))
        if boxes is None or len(boxes) == 0:
            return np.zeros((0, 4, 2), np.float32)
        scaled: np.ndarray = (np.asarray(boxes, np.float32) / scale).astype(np.float32)
        return scaled

    def read_lines(self, image: np.ndarray, skip: Sequence[BBox] = (),
                   regions: Sequence[BBox] | None = None) -> list[TextLine]:
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
