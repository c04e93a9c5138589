"""Optical mark reading: tick boxes by the ink inside each box, and ink in a signature cell.

A box is a small square outline about the height of the printed text; it is ticked when its
interior holds ink (a tick, a cross or a filled square), whatever glyph an OCR engine would
have read there. Confidence grows with the distance of the fill from the decision threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .duties import DUTY_NAMES, find_names, ink_marks
from .ruling import BBox

TICK_FILL = 0.10  # share of a box's interior that is ink when it is ticked
SIGNED_INK = 0.006  # share of a cell's interior that is ink when something is written in it


@dataclass(frozen=True)
class Mark:
    bbox: BBox
    ticked: bool
    confidence: float


def _interior(bbox: BBox, shrink: float) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = bbox
    dx, dy = (x1 - x0) * shrink, (y1 - y0) * shrink
    return round(x0 + dx), round(y0 + dy), round(x1 - dx), round(y1 - dy)


def ink_share(ink: np.ndarray, bbox: BBox, shrink: float = 0.08) -> float:
    x0, y0, x1, y1 = _interior(bbox, shrink)
    region = ink[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)]
    return float(region.mean() / 255.0) if region.size else 0.0


def find_boxes(ink: np.ndarray, cell: BBox, text_height: float) -> list[BBox]:
    """Square outlines inside a cell, about one character high, in reading order."""
    x0, y0, x1, y1 = (round(v) for v in _interior(cell, 0.0))
    region = ink[y0:y1, x0:x1]
    if region.size == 0:
        return []
    contours, _ = cv2.findContours(region, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    boxes: list[BBox] = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        side = (w + h) / 2
        if not (0.45 * text_height <= side <= 1.4 * text_height and 0.75 <= w / max(h, 1) <= 1.33):
            continue
        approx = cv2.approxPolyDP(contour, 0.08 * cv2.arcLength(contour, True), True)
        if len(approx) != 4 or cv2.contourArea(contour) < 0.6 * w * h:
            continue
        box = (float(x + x0), float(y + y0), float(x + x0 + w), float(y + y0 + h))
        if not any(_overlaps(box, b) for b in boxes):
            boxes.append(box)
    return _reading_order(_aligned(boxes, text_height), text_height)


def _aligned(boxes: list[BBox], text_height: float) -> list[BBox]:
    """Boxes printed in rows line up in columns; over several rows, a square that lines up with
    no other is a character (口, 日 …), not a box."""
    tops = {round(b[1] / (text_height * 0.6)) for b in boxes}
    if len(tops) < 2:
        return boxes
    tolerance = text_height * 0.3
    return [b for b in boxes if any(o is not b and abs(o[0] - b[0]) <= tolerance and abs(o[1] - b[1]) > tolerance
                                    for o in boxes)]


def _overlaps(a: BBox, b: BBox) -> bool:
    return not (a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1])


def _reading_order(boxes: list[BBox], text_height: float) -> list[BBox]:
    rows: list[list[BBox]] = []
    for box in sorted(boxes, key=lambda b: b[1]):
        if rows and abs(rows[-1][0][1] - box[1]) < text_height * 0.6:
            rows[-1].append(box)
        else:
            rows.append([box])
    return [b for row in rows for b in sorted(row, key=lambda b: b[0])]


def read_marks(ink: np.ndarray, cell: BBox, text_height: float) -> list[Mark]:
    marks = []
    for box in find_boxes(ink, cell, text_height):
        fill = ink_share(ink, box, shrink=0.22)
        confidence = min(1.0, 0.5 + abs(fill - TICK_FILL) / TICK_FILL)
        marks.append(Mark(box, fill >= TICK_FILL, round(confidence, 3)))
    return marks


def unread_ink(ink: np.ndarray, cell: BBox, text_boxes: list[BBox], text_height: float) -> bool:
    """Whether the cell holds ink that no text line covers — a line or a mark the OCR engine
    did not see — bigger than a speck of dust."""
    x0, y0, x1, y1 = _interior(cell, 0.0)
    x0, y0 = x0 + 4, y0 + 4
    region = ink[max(0, y0) : max(0, y1 - 4), max(0, x0) : max(0, x1 - 4)].copy()
    if region.size == 0:
        return False
    pad = text_height * 0.25
    for bx0, by0, bx1, by1 in text_boxes:
        region[max(0, round(by0 - pad - y0)) : max(0, round(by1 + pad - y0)),
               max(0, round(bx0 - pad - x0)) : max(0, round(bx1 + pad - x0))] = 0
    n, _, stats, _ = cv2.connectedComponentsWithStats(region, connectivity=8)
    least = max(12.0, (text_height * 0.18) ** 2)
    return any(stats[i, cv2.CC_STAT_AREA] >= least and min(stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT])
               >= text_height * 0.15 for i in range(1, n))


_DUTY_NAMES = list(DUTY_NAMES)  # in the order of their codes D1..D6


def cell_marks(ink: np.ndarray, cell: BBox, texts: list[tuple[str, BBox]], text_height: float) -> list[Mark]:
    """A cell's tick marks by ink. Where the cell lists the duty names, each box is placed by its
    name (the square before it, or the parentheses after it); otherwise the squares in reading
    order. ``texts`` are the cell's OCR lines (text, bbox)."""
    squares = find_boxes(ink, cell, text_height)
    joined = "".join(text for text, _ in texts)
    if len({code for text, _ in texts for _, _, code in find_names(text)}) >= len(_DUTY_NAMES) - 1:
        paren = sum(joined.count(c) for c in "（()）") >= 3
        boxed = len(squares) >= 3 or sum(joined.count(c) for c in "口□") >= 2
        marks = read_name_marks(ink, cell, texts, squares, paren) if paren or boxed else \
            read_rings(ink, cell, texts, text_height)
        if marks is not None:
            return marks
    return read_marks(ink, cell, text_height)


# --- marks placed by the duty names (any OCR misreading of one character allowed) ---------------

MARK_TICKED = 0.06  # share of a mark area's ink above the empty ones' when ticked
MARK_EMPTY = 0.025  # and at most this above it when empty; in between the mark is doubtful
DOUBTFUL = 0.4  # the confidence of a doubtful mark (below REVIEW_BELOW: the value goes to review)


def _name_spots(texts: list[tuple[str, BBox]]) -> dict[str, tuple[BBox, float, float]]:
    """Each duty code → (its OCR line's box, estimated left and right x of the name), the name's
    place from its share of the line's characters."""
    spots: dict[str, tuple[BBox, float, float]] = {}
    for text, box in texts:
        if not text:
            continue
        width = (box[2] - box[0]) / len(text)
        for start, end, code in find_names(text):
            spots.setdefault(code, (box, box[0] + start * width, box[0] + end * width))
    return spots


def _runs(ink: np.ndarray, cell: BBox, band: tuple[float, float], gap: float) -> list[tuple[float, float]]:
    """Horizontal runs of ink in a band of the cell (items of a line), split by gaps wider than
    ``gap``."""
    x0, x1 = max(0, round(cell[0]) + 3), max(0, round(cell[2]) - 3)
    y0, y1 = max(0, round(band[0])), max(0, round(band[1]))
    profile = (ink[y0:y1, x0:x1] > 0).sum(axis=0) if y1 > y0 and x1 > x0 else np.zeros(0)
    runs: list[tuple[float, float]] = []
    for x in np.flatnonzero(profile >= 1):
        if runs and x + x0 - runs[-1][1] <= gap:
            runs[-1] = (runs[-1][0], float(x + x0 + 1))
        else:
            runs.append((float(x + x0), float(x + x0 + 1)))
    return runs


def classify(fills: list[float], ticked_at: float = MARK_TICKED, empty_below: float = MARK_EMPTY,
             most_empty: float = 0.33) -> list[tuple[bool, float]]:
    """(ticked, confidence) of each fill against the baseline of the empty ones (the least
    fill): doubtful between clearly empty and clearly marked. When even the least fill is more
    than an empty area ever holds (``most_empty``), there is no empty one to compare with (all
    marked, or misplaced): every mark is doubtful."""
    base = min(fills)
    if base > most_empty:
        return [(True, DOUBTFUL) for _ in fills]
    return list(ink_marks(fills, base, ticked_at, empty_below))


def _char_width(spots: dict[str, tuple[BBox, float, float]]) -> float:
    widths = sorted((nx1 - nx0) / 6 for _, nx0, nx1 in spots.values())
    return widths[len(widths) // 2]


def _name_run(ink: np.ndarray, cell: BBox, spot: tuple[BBox, float, float], ch: float
              ) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The band of a name's line and the run of ink (its item) its estimated centre falls in."""
    box, nx0, nx1 = spot
    cy = (box[1] + box[3]) / 2
    band = (cy - ch * 0.55, cy + ch * 0.55)
    runs = _runs(ink, cell, band, ch * 0.3)
    if not runs:
        return None
    centre = (nx0 + nx1) / 2
    run = min(runs, key=lambda r: 0 if r[0] <= centre <= r[1] else min(abs(r[0] - centre), abs(r[1] - centre)))
    return band, run


def _glyph_rows(ink: np.ndarray, span: tuple[float, float], cy: float, ch: float) -> tuple[float, float]:
    """The top and bottom of a line's glyphs over ``span`` (x), from the ink: the block of rows
    holding ink round the line's centre ``cy`` (a ring drawn round the name stands apart)."""
    x0, x1 = max(0, round(span[0])), max(0, round(span[1]))
    y0 = max(0, round(cy - ch * 1.6))
    rows = (ink[y0 : max(0, round(cy + ch * 1.6)), x0:x1] > 0).sum(axis=1) if x1 > x0 else np.zeros(0)
    filled = rows > max(2, (x1 - x0) * 0.02)
    at = round(cy) - y0
    if not 0 <= at < len(filled) or not filled[max(0, at - 3) : at + 4].any():
        return cy - ch * 0.5, cy + ch * 0.5
    top = bottom = at
    gap = 0
    while top > 0 and gap <= 2:
        top -= 1
        gap = 0 if filled[top] else gap + 1
    while bottom < len(filled) - 1 and (filled[bottom + 1] or filled[bottom + 2 : bottom + 4].any()):
        bottom += 1
    top += gap
    return float(y0 + top), float(y0 + bottom + 1)


def _line_runs(ink: np.ndarray, cell: BBox, spots: dict[str, tuple[BBox, float, float]], ch: float
               ) -> dict[str, tuple[tuple[float, float], tuple[float, float]]] | None:
    runs = {}
    for code in sorted(spots):
        placed = _name_run(ink, cell, spots[code], ch)
        if placed is None:
            return None
        runs[code] = placed
    return runs


def _placed_names(ink: np.ndarray, cell: BBox, texts: list[tuple[str, BBox]]
                  ) -> tuple[dict[str, tuple[BBox, float, float]], float,
                             dict[str, tuple[tuple[float, float], tuple[float, float]]]] | None:
    """Every duty name of the cell placed on its line's run of ink, with the character width;
    None unless all six were found and placed."""
    spots = _name_spots(texts)
    if len(spots) != len(_DUTY_NAMES):
        return None
    ch = _char_width(spots)
    placed = _line_runs(ink, cell, spots, ch)
    return None if placed is None else (spots, ch, placed)


def read_name_marks(ink: np.ndarray, cell: BBox, texts: list[tuple[str, BBox]], squares: list[BBox],
                    paren: bool) -> list[Mark] | None:
    """A box before each name (or parentheses after it), read by ink: the line's items are found
    as runs of ink, the name's item is the run its estimated place falls in, and the mark is the
    run's first character (with ``paren``, the parentheses after the name's last character, up
    to the next name), against the empty ones of the cell. One mark per duty in code order, or
    None unless every name was placed."""
    found = _placed_names(ink, cell, texts)
    if found is None:
        return None
    spots, ch, placed = found
    regions: list[BBox] = []
    for code in sorted(spots):
        band, run = placed[code]
        if paren:
            regions.append(_paren_area(ink, cell, code, placed, ch))
            continue
        slot = (run[0], band[0], run[0] + ch * 1.05, band[1])
        square = [q for q in squares
                  if slot[0] <= (q[0] + q[2]) / 2 <= slot[2] and slot[1] <= (q[1] + q[3]) / 2 <= slot[3]]
        regions.append(square[0] if square else slot)  # the printed box where it was found
    fills = [ink_share(ink, r, shrink=0.1 if paren else 0.22) for r in regions]
    return [Mark(r, ticked, conf) for r, (ticked, conf) in zip(regions, classify(fills), strict=True)]


def _paren_area(ink: np.ndarray, cell: BBox, code: str,
                placed: dict[str, tuple[tuple[float, float], tuple[float, float]]], ch: float) -> BBox:
    """The parentheses after a name: from the end of its last character (the end of its run of
    ink; when a tick joined the run, six characters from its start) about two characters and a
    half on, short of the next name on the line and of the cell's right edge."""
    band, (r0, r1) = placed[code]
    top, bottom = _glyph_rows(ink, (r0, min(r1, r0 + ch * 5)), (band[0] + band[1]) / 2, ch)
    pitch = min(ch, max(ch * 0.75, bottom - top))  # a CJK character is about as wide as it is high
    end = r1 if r1 - r0 <= pitch * 6.6 else r0 + pitch * 6
    right = min(end + pitch * 2.4, cell[2] - 3)
    for other, (b, (o0, _)) in placed.items():
        if other != code and abs((b[0] + b[1]) - (band[0] + band[1])) < ch and o0 > end:
            right = min(right, o0 - pitch * 0.1)
    return (end + pitch * 0.1, band[0], max(end + pitch * 0.5, right), band[1])


def read_rings(ink: np.ndarray, cell: BBox, texts: list[tuple[str, BBox]], text_height: float) -> list[Mark] | None:
    """Rings drawn round duty names, no boxes: a ring's arcs run above and below the name, in
    the white between the lines, so the ink in a strip just over and just under the name's
    middle four characters (the glyphs' own top and bottom found from the ink) against that of
    the names not ringed. One mark per duty in code order, or None unless every name was
    placed."""
    found = _placed_names(ink, cell, texts)
    if found is None:
        return None
    spots, ch, placed = found
    fills, regions = [], []
    for code in sorted(spots):
        band, (r0, r1) = placed[code]
        if r1 - r0 > ch * 6.6:  # the run joined a neighbour: keep the name's width round its place
            centre = (spots[code][1] + spots[code][2]) / 2
            r0, r1 = max(r0, centre - ch * 3.1), min(r1, centre + ch * 3.1)
        centre = (r0 + r1) / 2
        span = (centre - ch * 1.9, centre + ch * 1.9)
        top, bottom = _glyph_rows(ink, span, (band[0] + band[1]) / 2, ch)
        strips = [(span[0], top - ch * 0.75, span[1], top - ch * 0.08),
                  (span[0], bottom + ch * 0.08, span[1], bottom + ch * 0.75)]
        fills.append(sum(ink_share(ink, strip, shrink=0.0) for strip in strips) / 2)
        regions.append((r0, top, r1, bottom))
    return [Mark(r, ticked, conf) for r, (ticked, conf) in zip(regions, classify(fills, 0.05, 0.02, 0.05), strict=True)]
