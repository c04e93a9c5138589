"""The picture of one value on its page, for the review sheet: cut from the source file at
the box recorded with the value (scans: re-applying the recorded preprocessing first)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from . import sniff

MARGIN = 12  # px around the value's box
CONTEXT, CONTEXT_MAX = 0.35, 280  # the page shown beside the box: a share of its width, at most px
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
    """The value's box with some of the page around it (a label beside it, the next cell), the
    box itself outlined in red: the reviewer sees which part of the page the value was read from."""
    from PIL import Image, ImageDraw

    h, w = image.shape[:2]
    bx0, by0, bx1, by1 = (int(v) for v in bbox)
    if bx1 <= bx0 or by1 <= by0:
        return None
    side = min(CONTEXT_MAX, int((bx1 - bx0) * CONTEXT))  # context left and right of the box
    x0, y0 = max(0, bx0 - MARGIN - side), max(0, by0 - MARGIN)
    x1, y1 = min(w, bx1 + MARGIN + side), min(h, by1 + MARGIN)
    if x1 <= x0 or y1 <= y0:
        return None
    crop = Image.fromarray(image[y0:y1, x0:x1]).convert("RGB")
    ImageDraw.Draw(crop).rectangle((bx0 - x0 - 3, by0 - y0 - 3, bx1 - x0 + 3, by1 - y0 + 3), outline=(220, 0, 0),
                                   width=3)
    buffer = io.BytesIO()
    crop.save(buffer, format="PNG")
    return buffer.getvalue()


def cell_texts(path: Path, cells: list[str]) -> dict[str, str]:
    """The text of each Excel cell ("Sheet!B4") of a workbook as it stands in the file, for the
    review sheet (the value read may be part of it: "单位：县总工会"); {} when the file is not a
    readable .xlsx or is gone."""
    import re

    if not path.is_file() or sniff(path) != "xlsx":
        return {}
    import openpyxl

    from zhidao.model import Limits

    from .limits import check_office_zip

    wanted: dict[str, list[tuple[str, str]]] = {}
    for ref in cells:
        m = re.fullmatch(r"(.+)!\$?([A-Z]{1,3})\$?(\d+)", ref)
        if m:
            wanted.setdefault(m.group(1).strip("'"), []).append((ref, f"{m.group(2)}{m.group(3)}"))
    out: dict[str, str] = {}
    try:
        check_office_zip(path, Limits())
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # a file that cannot be opened again: the location alone is shown
        return {}
    try:
        for sheet, refs in wanted.items():
            if sheet not in wb.sheetnames:
                continue
            ws = wb[sheet]
            for ref, coordinate in refs:
                value = ws[coordinate].value
                if value is not None:
                    out[ref] = value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else str(value)
    except Exception:
        return out
    finally:
        wb.close()
    return out
