"""The picture of one value on its page, for the review sheet: cut from the source file at
the box recorded with the value (scans: re-applying the recorded preprocessing first)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from . import sniff

MARGIN = 12  # px around the value's box
RENDER_DPI = 200


def value_picture(path: Path, page: int, bbox: tuple[float, float, float, float], steps: dict[str, str]
                  ) -> bytes | None:
    """PNG bytes of the value's region, or None when the file has no picture of it (Word,
    Excel) or is gone."""
    if not path.is_file():
        return None
    medium = sniff(path)
    if medium == "image":
        from .imaging import load_images, replay_steps, to_gray

        frames = load_images(path)
        if page > len(frames):
            return None
        image = replay_steps(to_gray(frames[page - 1]), steps)
        return _png(image, bbox)
    if medium == "pdf":
        from .imaging import replay_steps
        from .pdf import render_pages

        [image] = render_pages(path, [page], RENDER_DPI)
        if steps:
            return _png(replay_steps(image, steps), bbox)
        scale = RENDER_DPI / 72  # a text-layer page: its boxes are in PDF points
        return _png(image, (bbox[0] * scale, bbox[1] * scale, bbox[2] * scale, bbox[3] * scale))
    return None


def _png(image: np.ndarray, bbox: tuple[float, float, float, float]) -> bytes | None:
    from PIL import Image

    h, w = image.shape[:2]
    x0, y0 = max(0, int(bbox[0]) - MARGIN), max(0, int(bbox[1]) - MARGIN)
    x1, y1 = min(w, int(bbox[2]) + MARGIN), min(h, int(bbox[3]) + MARGIN)
    if x1 <= x0 or y1 <= y0:
        return None
    buffer = io.BytesIO()
    Image.fromarray(image[y0:y1, x0:x1]).save(buffer, format="PNG")
    return buffer.getvalue()
