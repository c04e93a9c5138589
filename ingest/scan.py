"""Scans, faxes and phone photos (PNG/JPEG/TIFF, and image-only PDF pages) → pages of the
layout model, through the OCR seam:

1. orientation (0/90/180/270, by the engine) and deskew (by the row profile);
2. a phone photo: the sheet found, perspective flattened, lighting evened;
3. ruling lines → table cells; text lines detected once, read, and placed in their cells;
4. tick boxes and signatures by ink (optical mark reading), not by OCR of the glyph.

The form interpreter then finds the fields by label, exactly as for Word or PDF text.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import cv2
import numpy as np

from zhidao.errors import file_damaged
from zhidao.model import ErrorInfo, Item, Location, ReadOptions, SourceFile

from . import imaging, omr
from .engines import OcrEngine, TextLine, load_engine
from .layout import Cell, Line, Page, Table
from .ruling import Grid, ink_mask, page_grids
from .stack import stack_to_items

EXTRACTOR = "scan/1"
UPRIGHT_ENOUGH = 0.85


def orient(gray: np.ndarray, engine: OcrEngine) -> tuple[np.ndarray, int]:
    """Turn the page upright: keep it when the engine reads it confidently as it stands,
    else take the quarter turn it reads best."""
    if engine.upright_score(gray) >= UPRIGHT_ENOUGH:
        return gray, 0
    scores = {k: engine.upright_score(imaging.rotate_quarter(gray, k)) for k in (0, 90, 180, 270)}
    best = max(scores, key=lambda k: scores[k])
    return imaging.rotate_quarter(gray, best), best


def prepare(gray: np.ndarray, engine: OcrEngine) -> tuple[np.ndarray, dict[str, str]]:
    """Photo flattening, resolution, orientation and deskew, with what was done."""
    steps: dict[str, str] = {}
    flat = imaging.flatten_photo(gray)
    if flat.quad is not None:
        steps["photo_corners"] = ";".join(f"{x:.0f},{y:.0f}" for x, y in flat.quad)
    page, scale = imaging.normalise_resolution(flat.image)
    if scale != 1.0:
        steps["scale"] = f"{scale:.3f}"
    page, turned = orient(page, engine)
    steps["orientation"] = str(turned)
    angle = imaging.skew_angle(page)
    steps["deskew_degrees"] = f"{angle:.2f}"
    return imaging.rotate_small(page, angle), steps


def _join(lines: list[TextLine], text_height: float) -> str:
    """Lines inside one cell in reading order: same visual line joined by a space."""
    rows: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda t: (t.bbox[1] + t.bbox[3]) / 2):
        centre = (line.bbox[1] + line.bbox[3]) / 2
        if rows and abs((rows[-1][0].bbox[1] + rows[-1][0].bbox[3]) / 2 - centre) < text_height * 0.5:
            rows[-1].append(line)
        else:
            rows.append([line])
    return "\n".join(" ".join(t.text for t in sorted(row, key=lambda t: t.bbox[0])) for row in rows)


def _inside(line: TextLine, box: tuple[float, float, float, float]) -> bool:
    x, y = (line.bbox[0] + line.bbox[2]) / 2, (line.bbox[1] + line.bbox[3]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _table(grid: Grid, lines: list[TextLine], ink: np.ndarray, number: int, index: int,
           text_height: float) -> tuple[Table, list[TextLine]]:
    """A grid's cells filled with their text lines and ink; returns the lines left over."""
    rows = []
    used: set[int] = set()
    for r, row in enumerate(grid.rows):
        cells = []
        for c, gc in enumerate(row):
            mine = [i for i, line in enumerate(lines) if i not in used and _inside(line, gc.bbox)]
            used.update(mine)
            texts = [lines[i] for i in mine]
            marks = omr.read_marks(ink, gc.bbox, text_height)
            cells.append(Cell(
                _join(texts, text_height),
                Location(number, bbox=gc.bbox, cell=f"table {index} row {r + 1} col {c + 1}"),
                min((t.confidence for t in texts), default=1.0),
                gc.rowspan,
                round(omr.ink_share(ink, gc.bbox), 4),
                tuple((m.ticked, m.confidence) for m in marks) if marks else None,
            ))
        rows.append(tuple(cells))
    return Table(tuple(rows)), [line for i, line in enumerate(lines) if i not in used]


def _free_lines(lines: list[TextLine], number: int, text_height: float) -> list[tuple[float, Line]]:
    """Text outside the tables, one Line per visual line."""
    rows: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda t: (t.bbox[1] + t.bbox[3]) / 2):
        centre = (line.bbox[1] + line.bbox[3]) / 2
        if rows and abs((rows[-1][0].bbox[1] + rows[-1][0].bbox[3]) / 2 - centre) < text_height * 0.5:
            rows[-1].append(line)
        else:
            rows.append([line])
    out: list[tuple[float, Line]] = []
    for row in rows:
        row.sort(key=lambda t: t.bbox[0])
        box = (min(t.bbox[0] for t in row), min(t.bbox[1] for t in row),
               max(t.bbox[2] for t in row), max(t.bbox[3] for t in row))
        text = "  ".join(t.text for t in row)
        out.append((box[1], Line(text, Location(number, bbox=box, line=f"line {len(out) + 1}"),
                                 min(t.confidence for t in row))))
    return out


def image_to_page(image: np.ndarray, number: int, engine: OcrEngine) -> tuple[Page, dict[str, str]]:
    """One scanned page → the layout model, and the preprocessing steps taken."""
    gray, steps = prepare(imaging.to_gray(image), engine)
    grids, ruling = page_grids(gray)
    ink = cv2.bitwise_and(ink_mask(gray), cv2.bitwise_not(ruling))
    lines = engine.read_lines(gray)
    text_height = statistics.median([t.bbox[3] - t.bbox[1] for t in lines]) if lines else 30.0
    blocks: list[tuple[float, Line | Table]] = []
    for i, grid in enumerate(grids, start=1):
        table, lines = _table(grid, lines, ink, number, i, text_height)
        blocks.append((grid.bbox[1], table))
    blocks += _free_lines(lines, number, text_height)
    blocks.sort(key=lambda b: b[0])
    steps.update(engine=engine.name, engine_version=engine.version, tables=str(len(grids)))
    return Page(number, tuple(b for _, b in blocks)), steps


def read(path: Path, source: SourceFile, options: ReadOptions) -> list[Item | ErrorInfo]:
    try:
        frames = imaging.load_images(path)
    except (OSError, ValueError) as exc:
        raise file_damaged(path, f"图片无法解码（{type(exc).__name__}）") from exc
    engine = load_engine(options.ocr_engine)
    pages, steps = [], {}
    for number, frame in enumerate(frames, start=1):
        page, page_steps = image_to_page(frame, number, engine)
        pages.append(page)
        steps[number] = page_steps
    return stack_to_items(path, source, pages, steps, f"{EXTRACTOR}+{engine.name}")
