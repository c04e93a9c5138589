"""Scans, faxes and phone photos (PNG/JPEG/TIFF, and image-only PDF pages) → pages of the
layout model, through the OCR seam:

1. orientation (0/90/180/270, by the engine) and deskew (by the row profile);
2. a phone photo: the sheet found, perspective flattened, lighting evened;
3. ruling lines → table cells; text lines detected once, read, and placed in their cells;
4. tick boxes and signatures by ink (optical mark reading), not by OCR of the glyph.

The form interpreter then finds the fields by label, exactly as for Word or PDF text.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from zhidao.errors import file_damaged
from zhidao.model import ErrorInfo, Item, Location, ReadOptions, SourceFile

from . import imaging, omr
from .confidence import ink_script
from .engines import OcrEngine, TextLine, load_engine
from .labels import RECORD_LABELS, RECORD_MATCHER
from .layout import Cell, Line, Page, Table
from .ruling import Grid, ink_mask, is_bilevel, page_grids
from .stack import stack_to_items

EXTRACTOR = "scan/1"
UPRIGHT_ENOUGH = 0.85
NOISE_BELOW = 0.5
UNREAD_INK_CONFIDENCE = 0.6  # a cell with ink that no text line covers: something was not read


def orient(gray: np.ndarray, engine: OcrEngine) -> tuple[np.ndarray, int]:
    """Turn the page upright: keep it when the engine reads it confidently as it stands,
    else take the quarter turn it reads best."""
    if engine.upright_score(gray) >= UPRIGHT_ENOUGH:
        return gray, 0
    scores = {k: engine.upright_score(imaging.rotate_quarter(gray, k)) for k in (0, 90, 180, 270)}
    best = max(scores, key=lambda k: scores[k])
    return imaging.rotate_quarter(gray, best), best


def _base(gray: np.ndarray, steps: dict[str, str]) -> np.ndarray:
    """Photo flattening, resolution and despeckling (before the page is turned upright)."""
    flat = imaging.flatten_photo(gray)
    if flat.quad is not None:
        steps["photo_corners"] = ";".join(f"{x:.0f},{y:.0f}" for x, y in flat.quad)
    page, scale = imaging.normalise_resolution(flat.image)
    if scale != 1.0:
        steps["scale"] = f"{scale:.3f}"
    page, speckled = imaging.despeckle(page)
    if speckled:
        steps["despeckle"] = f"median3 ({speckled:.1f} dots per 1000 px)"
    return page


def _deskew(page: np.ndarray, steps: dict[str, str]) -> np.ndarray:
    angle = imaging.skew_angle(page)
    steps["deskew_degrees"] = f"{angle:.2f}"
    return imaging.rotate_small(page, angle)


def prepare(gray: np.ndarray, engine: OcrEngine) -> tuple[np.ndarray, dict[str, str]]:
    """Photo flattening, resolution, orientation and deskew, with what was done."""
    steps: dict[str, str] = {}
    page, turned = orient(_base(gray, steps), engine)
    steps["orientation"] = str(turned)
    return _deskew(page, steps), steps


def _join(lines: list[TextLine], text_height: float) -> str:
    """Lines inside one cell in reading order: same visual line joined by a space."""
    rows = _visual_rows(lines, text_height)
    return _tidy("\n".join("".join(_spaced(sorted(row, key=lambda t: t.bbox[0]), text_height)) for row in rows))


def _spaced(row: list[TextLine], text_height: float) -> list[str]:
    """Pieces of one visual line: a space only where the gap is wider than a character."""
    out = [row[0].text]
    for prev, line in itertools.pairwise(row):
        out.append((" " if line.bbox[0] - prev.bbox[2] > text_height * 0.8 else "") + line.text)
    return out


def _inside(line: TextLine, box: tuple[float, float, float, float]) -> bool:
    x, y = (line.bbox[0] + line.bbox[2]) / 2, (line.bbox[1] + line.bbox[3]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


_RULE_GLYPHS = "丨|｜·"


def _split_across(lines: list[TextLine], grid: Grid) -> list[TextLine]:
    """A detected line that runs across a cell border (text close to a vertical rule) is cut
    at the border, its characters shared out by position; the rule read as 丨 is dropped."""
    out: list[TextLine] = []
    for line in lines:
        y = (line.bbox[1] + line.bbox[3]) / 2
        row = next((r for r in grid.rows if any(c.bbox[1] <= y <= c.bbox[3] for c in r)), None)
        text = line.text
        width = (line.bbox[2] - line.bbox[0]) / max(1, len(text))
        cuts = [c.bbox[0] for c in (row or ()) if line.bbox[0] + width < c.bbox[0] < line.bbox[2] - width]
        if not cuts:
            out.append(line)
            continue
        edges = [line.bbox[0], *cuts, line.bbox[2]]
        for left, right in itertools.pairwise(edges):
            i0, i1 = round((left - line.bbox[0]) / width), round((right - line.bbox[0]) / width)
            part = text[i0:i1].strip(_RULE_GLYPHS + " ")
            if part:
                out.append(TextLine(part, (left, line.bbox[1], right, line.bbox[3]), line.confidence))
    return out


def _table(grid: Grid, lines: list[TextLine], ink: np.ndarray, number: int, index: int,
           text_height: float) -> tuple[Table, list[TextLine]]:
    """A grid's cells filled with their text lines and ink; returns the lines left over."""
    lines = _split_across(lines, grid)
    rows = []
    used: set[int] = set()
    for r, row in enumerate(grid.rows):
        cells = []
        for c, gc in enumerate(row):
            mine = [i for i, line in enumerate(lines) if i not in used and _inside(line, gc.bbox)]
            used.update(mine)
            texts = [lines[i] for i in mine]
            marks = omr.cell_marks(ink, gc.bbox, [(t.text, t.bbox) for t in texts], text_height)
            confidence = min((t.confidence for t in texts), default=1.0)
            if omr.unread_ink(ink, gc.bbox, [t.bbox for t in texts] + [m.bbox for m in marks], text_height):
                confidence = min(confidence, UNREAD_INK_CONFIDENCE)
            cells.append(Cell(
                _join(texts, text_height),
                Location(number, bbox=gc.bbox, cell=f"table {index} row {r + 1} col {c + 1}"),
                confidence,
                gc.rowspan,
                round(omr.ink_share(ink, gc.bbox), 4),
                tuple((m.ticked, m.confidence) for m in marks) if marks else None,
                ink_script(ink, gc.bbox, [t.bbox for t in texts], text_height),
            ))
        rows.append(tuple(cells))
    return Table(tuple(rows)), [line for i, line in enumerate(lines) if i not in used]


_END_STOP = re.compile(r"(?<=[\u4e00-\u9fff”）])[°·](?=\s|$)")
_SENTENCE = re.compile(r"[\u4e00-\u9fff]{6}")


def _tidy(text: str) -> str:
    """Punctuation OCR engines misread on Chinese sentences: a full stop read as ° or ·, 、 as 丶."""
    if not _SENTENCE.search(text):
        return text
    return _END_STOP.sub("。", text.replace("丶", "、"))


def _noise(line: TextLine) -> bool:
    """A speck read as one improbable character."""
    return len(line.text.strip()) <= 1 and line.confidence < NOISE_BELOW


def _visual_rows(lines: list[TextLine], text_height: float) -> list[list[TextLine]]:
    rows: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda t: (t.bbox[1] + t.bbox[3]) / 2):
        centre = (line.bbox[1] + line.bbox[3]) / 2
        if rows and abs((rows[-1][0].bbox[1] + rows[-1][0].bbox[3]) / 2 - centre) < text_height * 0.5:
            rows[-1].append(line)
        else:
            rows.append([line])
    return rows


_TAIL_MAX = 3  # characters: a fragment this short under a line is that line's wrapped end
_SYNONYMS = sorted({s for syns in RECORD_LABELS.values() for s in syns}, key=len, reverse=True)


def _attach(target: TextLine, fragment: TextLine) -> TextLine:
    """Put a wrapped fragment back: a label's tail after its head ('派出单' + '位：' →
    '派出单位：'), anything else at the end of the text above it ('有限公' + '司')."""
    tail = fragment.text.strip().rstrip(":：")
    for label in _SYNONYMS:
        head = label[: len(label) - len(tail)]
        if tail and label.endswith(tail) and len(label) > len(tail) and head in target.text \
                and label not in target.text:
            return replace(target, text=target.text.replace(head, label + "：", 1))
    return replace(target, text=target.text + fragment.text.strip())


def _is_tail(text: str) -> bool:
    """Short, and neither a label of its own ('月份：') nor the head of one ('驻企单')."""
    core = text.strip().rstrip(":：")
    if not core or len(core) > _TAIL_MAX or RECORD_MATCHER.match(core) is not None:
        return False
    return not any(label.startswith(core) for label in _SYNONYMS)


def _unwrap(rows: list[list[TextLine]], text_height: float) -> list[list[TextLine]]:
    """Borderless header tables wrap long labels and values onto a second line: a row made only
    of such short tails is put back into the row above it."""
    out: list[list[TextLine]] = []
    for row in rows:
        above = out[-1] if out else []
        gap = min(t.bbox[1] for t in row) - max((t.bbox[3] for t in above), default=-1e9)
        targets = [_under(fragment, above) for fragment in row]
        if gap < text_height and all(_is_tail(f.text) for f in row) and all(t >= 0 for t in targets):
            for fragment, target in zip(row, targets, strict=True):
                above[target] = _attach(above[target], fragment)
        else:
            out.append(row)
    return out


def _under(fragment: TextLine, above: list[TextLine]) -> int:
    """Index of the line above that a fragment stands under, or -1."""
    overlaps = [(min(t.bbox[2], fragment.bbox[2]) - max(t.bbox[0], fragment.bbox[0]), i) for i, t in enumerate(above)]
    best = max(overlaps, default=(0.0, -1))
    return best[1] if best[0] > 0 else -1


_WRAPPING_KEYS = ("content", "problems", "remarks")  # free text that runs on over lines


def _continues(above: list[TextLine], row: list[TextLine], right_edge: float, text_height: float) -> bool:
    """A row that carries on the 'label：value' line above it: the line above ends in a free-text
    field (工作内容, 存在问题, 备注) and runs to the right margin, this row has no label, stands
    right under it (less than a line's height of gap) and starts at its left margin."""
    if not above:
        return False
    text_above = "".join(t.text for t in sorted(above, key=lambda t: t.bbox[0]))
    fields = RECORD_MATCHER.split_inline(text_above)
    if not fields or fields[-1][0] not in _WRAPPING_KEYS:
        return False
    text = "".join(t.text for t in row)
    if RECORD_MATCHER.split_inline(text) or RECORD_MATCHER.match(text.strip()) is not None:
        return False
    gap = min(t.bbox[1] for t in row) - max(t.bbox[3] for t in above)
    left_above, left = min(t.bbox[0] for t in above), min(t.bbox[0] for t in row)
    full = max(t.bbox[2] for t in above) >= right_edge - 3 * text_height
    return gap < text_height and abs(left - left_above) < 2 * text_height and full


def _run_on(rows: list[list[TextLine]], text_height: float) -> list[list[TextLine]]:
    """Rows that carry on a wrapped free-text value (see `_continues`) joined to the row above,
    their text appended to its last line, so that the value keeps all its lines."""
    right_edge = max((t.bbox[2] for row in rows for t in row), default=0.0)
    out: list[list[TextLine]] = []
    for row in rows:
        if out and _continues(out[-1], row, right_edge, text_height):
            above = sorted(out[-1], key=lambda t: t.bbox[0])
            last = above[-1]
            pieces = sorted(row, key=lambda t: t.bbox[0])
            text = last.text + "".join(t.text.strip() for t in pieces)
            box = (last.bbox[0], last.bbox[1], max(last.bbox[2], *(t.bbox[2] for t in pieces)),
                   max(t.bbox[3] for t in pieces))
            confidence = min(last.confidence, *(t.confidence for t in pieces))
            out[-1] = [*above[:-1], TextLine(text, box, confidence)]
        else:
            out.append(row)
    return out


def _free_lines(lines: list[TextLine], number: int, text_height: float) -> list[tuple[float, Line]]:
    """Text outside the tables, one Line per visual line, wrapped fragments put back and a
    free-text value that wraps kept whole (`_run_on`)."""
    rows = _run_on(_unwrap(_visual_rows(lines, text_height), text_height), text_height)
    out: list[tuple[float, Line]] = []
    for row in rows:
        row.sort(key=lambda t: t.bbox[0])
        box = (min(t.bbox[0] for t in row), min(t.bbox[1] for t in row),
               max(t.bbox[2] for t in row), max(t.bbox[3] for t in row))
        text = "  ".join(t.text for t in row)
        out.append((box[1], Line(text, Location(number, bbox=box, line=f"line {len(out) + 1}"),
                                 min(t.confidence for t in row))))
    return out


def _free_bands(grids: list[Grid], shape: tuple[int, ...]) -> list[tuple[float, float, float, float]]:
    """The page outside its tables, as full-width bands (header lines, footers)."""
    h, w = float(shape[0]), float(shape[1])
    edges = [0.0] + [v for g in grids for v in (g.bbox[1], g.bbox[3])] + [h]
    return [(0.0, top, w, bottom) for top, bottom in zip(edges[::2], edges[1::2], strict=True) if bottom - top > 20]


def _reads_upright(lines: list[TextLine]) -> bool:
    """The page as it stands reads confidently: lines of three characters or more, lying flat,
    hold most of the text read and are read surely (weighted by length). A page on its side
    reads as stacks of single characters, an upside-down one unsurely: neither passes."""
    flat = [(len(t.text.strip()), t.confidence) for t in lines if len(t.text.strip()) >= 3
            and t.bbox[2] - t.bbox[0] >= 2 * (t.bbox[3] - t.bbox[1])]
    if len(flat) < 3 or 2 * sum(n for n, _ in flat) < sum(len(t.text.strip()) for t in lines):
        return False
    return sum(n * c for n, c in flat) / sum(n for n, _ in flat) >= UPRIGHT_ENOUGH


def _read(gray: np.ndarray, bilevel: bool, engine: OcrEngine, by_region: bool = True
          ) -> tuple[list[Grid], np.ndarray, list[TextLine]]:
    """The page's grids, its ink (ruling removed), and its text lines read region by region
    (``by_region`` False: the regions are not handed over, the engine reads the whole page)."""
    page_ink = ink_mask(gray)
    grids, ruling = page_grids(gray, bilevel, page_ink)
    ink = cv2.bitwise_and(page_ink, cv2.bitwise_not(ruling))
    regions = [c.bbox for g in grids for row in g.rows for c in row] + _free_bands(grids, gray.shape)
    read = engine.read_lines(gray, regions=regions if by_region else None)
    lines = [replace(t, text=_tidy(t.text)) for t in read if not _noise(t)]
    return grids, ink, lines


def _upright_read(original: np.ndarray, bilevel: bool, engine: OcrEngine
                  ) -> tuple[np.ndarray, dict[str, str], tuple[list[Grid], np.ndarray, list[TextLine]]]:
    """Prepared and read. An engine that reads a page cheaply (``reads_first``) reads it as it
    stands, deskewed, and the orientation search runs only when that reading is not confident;
    any other engine has the page turned upright before it is read."""
    reads_first = bool(getattr(engine, "reads_first", False))
    if not reads_first or bilevel:
        # a fax's broken rules and dropped lines: the whole page through the engine's detector
        gray, prepared = prepare(original, engine)
        return gray, prepared, _read(gray, bilevel, engine, by_region=not reads_first)
    steps: dict[str, str] = {}
    base = _base(original, steps)
    if "photo_corners" in steps:  # a photo's uneven light and residual warp: likewise
        turned_page, turned = orient(base, engine)
        steps["orientation"] = str(turned)
        gray = _deskew(turned_page, steps)
        return gray, steps, _read(gray, bilevel, engine, by_region=False)
    gray = _deskew(base, steps)
    read = _read(gray, bilevel, engine)
    if _reads_upright(read[2]):
        return gray, {**steps, "orientation": "0"}, read
    turned_page, turned = orient(base, engine)
    steps["orientation"] = str(turned)
    if turned == 0:
        return gray, steps, read
    gray = _deskew(turned_page, steps)
    return gray, steps, _read(gray, bilevel, engine)


def image_to_page(image: np.ndarray, number: int, engine: OcrEngine) -> tuple[Page, dict[str, str]]:
    """One scanned page → the layout model, and the preprocessing steps taken."""
    original = imaging.to_gray(image)
    bilevel = is_bilevel(original)
    _, steps, (grids, ink, lines) = _upright_read(original, bilevel, engine)
    steps = {k: steps[k] for k in ("photo_corners", "scale", "despeckle", "orientation", "deskew_degrees")
             if k in steps}
    if bilevel:
        steps["bilevel"] = "yes"
    text_height = statistics.median([t.bbox[3] - t.bbox[1] for t in lines]) if lines else 30.0
    blocks: list[tuple[float, Line | Table]] = []
    for i, grid in enumerate(grids, start=1):
        table, lines = _table(grid, lines, ink, number, i, text_height)
        blocks.append((grid.bbox[1], table))
    blocks += _free_lines(lines, number, text_height)
    blocks.sort(key=lambda b: b[0])
    steps.update(engine=engine.name, engine_version=engine.version, tables=str(len(grids)))
    return Page(number, tuple(b for _, b in blocks)), steps


_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError)  # PIL on a truncated or malformed image


def _decoded(path: Path, frames: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
    try:
        yield from frames
    except _DECODE_ERRORS as exc:
        raise file_damaged(path, f"图片无法解码（{type(exc).__name__}）") from exc


def read(path: Path, source: SourceFile, options: ReadOptions) -> list[Item | ErrorInfo]:
    try:
        frames = imaging.iter_images(path, options.limits)
    except _DECODE_ERRORS as exc:
        raise file_damaged(path, f"图片无法解码（{type(exc).__name__}）") from exc
    engine = load_engine(options.ocr_engine)
    pages, steps = [], {}
    for number, frame in enumerate(_decoded(path, frames), start=1):
        page, page_steps = image_to_page(frame, number, engine)
        pages.append(page)
        steps[number] = page_steps
    return stack_to_items(path, source, pages, steps, f"{EXTRACTOR}+{engine.name}")
