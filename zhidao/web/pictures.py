"""The whole page a value was read from, with the value's box drawn on it (scans and PDFs; Word
and Excel files have no page picture: their location names the cell)."""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

MAX_WIDTH = 1600  # px: the page is shrunk to this width (the browser zooms)
RENDER_DPI = 150
BOX_COLOUR = (220, 30, 30)


@dataclass(frozen=True)
class Picture:
    png: bytes
    box: tuple[float, float, float, float] | None  # the value's box as fractions of the picture (to zoom to)


def page_picture(path: Path, page: int, bbox: tuple[float, float, float, float] | None,
                 steps: dict[str, str]) -> Picture | None:
    """The page with the box drawn, or None when the file has no page picture."""
    if not path.is_file():
        return None
    stat = path.stat()
    return _cached(str(path), stat.st_mtime_ns, stat.st_size, page, bbox, tuple(sorted(steps.items())))


@functools.lru_cache(maxsize=32)
def _cached(path: str, _mtime: int, _size: int, page: int, bbox: tuple[float, float, float, float] | None,
            steps: tuple[tuple[str, str], ...]) -> Picture | None:
    from zhidao.ingest import sniff

    medium = sniff(Path(path))
    if medium == "image":
        from zhidao.ingest.imaging import load_images, replay_steps, to_gray

        frames = load_images(Path(path))
        if not 1 <= page <= len(frames):
            return None
        return _draw(replay_steps(to_gray(frames[page - 1]), dict(steps)), bbox, 1.0)
    if medium == "pdf":
        from zhidao.ingest.imaging import replay_steps
        from zhidao.ingest.pdf import render_pages

        if steps:  # a scanned page: boxes are on the prepared page, at the reader's resolution
            from zhidao.ingest.crops import RENDER_DPI as SCAN_DPI

            [image] = render_pages(Path(path), [page], SCAN_DPI)
            return _draw(replay_steps(image, dict(steps)), bbox, 1.0)
        [image] = render_pages(Path(path), [page], RENDER_DPI)
        return _draw(image, bbox, RENDER_DPI / 72)  # a text-layer page: boxes in PDF points
    return None


def _draw(image: np.ndarray, bbox: tuple[float, float, float, float] | None, scale: float) -> Picture:
    from PIL import Image, ImageDraw

    picture = Image.fromarray(image).convert("RGB")
    box = None
    if bbox is not None:
        x0, y0, x1, y1 = (v * scale for v in bbox)
        width = max(3, picture.width // 400)
        ImageDraw.Draw(picture).rectangle((x0 - 6, y0 - 6, x1 + 6, y1 + 6), outline=BOX_COLOUR, width=width)
        w, h = picture.size
        box = (max(0.0, x0 / w), max(0.0, y0 / h), min(1.0, x1 / w), min(1.0, y1 / h))
    if picture.width > MAX_WIDTH:
        picture = picture.resize((MAX_WIDTH, round(picture.height * MAX_WIDTH / picture.width)))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return Picture(buffer.getvalue(), box)

