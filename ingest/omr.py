"""Optical mark reading: tick boxes by the ink inside each box, and ink in a signature cell.

A box is a small square outline about the height of the printed text; it is ticked when its
interior holds ink (a tick, a cross or a filled square), whatever glyph an OCR engine would
have read there. Confidence grows with the distance of the fill from the decision threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .duties import DUTY_NAMES
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


def read_paren_marks(ink: np.ndarray, lines: list[tuple[str, BBox]], names: list[str]) -> list[Mark] | None:
    """Ticks written between parentheses after each duty name ('建好党的组织（√）'), read by the
    ink between the end of the name and the next name (or the end of the line). The name's
    place on the line comes from its share of the line's characters. Returns one mark per name
    in ``names`` order, or None unless every name was found."""
    shares: dict[str, tuple[float, BBox]] = {}
    for text, box in lines:
        if not text:
            continue
        width = (box[2] - box[0]) / len(text)
        found = sorted((text.find(name), name) for name in names if name in text)
        for k, (start, name) in enumerate(found):
            # '（ √ ）' takes about three characters after the name, whatever OCR made of it
            left = box[0] + (start + len(name)) * width
            right = left + 3 * width
            if k + 1 < len(found):
                right = min(right, box[0] + found[k + 1][0] * width)
            region = (left, box[1], right, box[3])
            if region[2] - region[0] > width * 0.8:
                shares[name] = (ink_share(ink, region, shrink=0.1), region)
    if len(shares) != len(names):
        return None
    values = sorted(share for share, _ in shares.values())
    baseline = values[0]
    threshold = baseline + max(0.03, baseline * 0.6)
    marks = []
    for name in names:
        share, region = shares[name]
        margin = abs(share - threshold) / max(threshold, 1e-6)
        marks.append(Mark(region, share > threshold, round(min(1.0, 0.5 + margin), 3)))
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


def read_box_marks(ink: np.ndarray, lines: list[tuple[str, BBox]], names: list[str], squares: list[BBox]
                   ) -> list[Mark] | None:
    """Tick boxes printed before each duty name ('■建好党的组织 □配强组织班子'): the box is the
    square found where the character before the name stands (its place from the name's share of
    the line), read by the ink inside it. One mark per name, or None unless all were placed."""
    found: dict[str, Mark] = {}
    for text, box in lines:
        if not text:
            continue
        width = (box[2] - box[0]) / len(text)
        for name in names:
            start = text.find(name)
            if start < 0 or name in found:
                continue
            left = box[0] + (start - 1) * width
            slot = (left - width * 0.5, box[1] - width * 0.3, left + width * 1.2, box[3] + width * 0.3)
            inside = [s for s in squares if slot[0] <= (s[0] + s[2]) / 2 <= slot[2]
                      and slot[1] <= (s[1] + s[3]) / 2 <= slot[3]]
            if not inside:
                continue
            square = min(inside, key=lambda s: abs((s[0] + s[2]) / 2 - (left + width / 2)))
            fill = ink_share(ink, square, shrink=0.22)
            confidence = min(1.0, 0.5 + abs(fill - TICK_FILL) / TICK_FILL)
            found[name] = Mark(square, fill >= TICK_FILL, round(confidence, 3))
    if len(found) != len(names):
        return None
    return [found[name] for name in names]


_DUTY_NAMES = list(DUTY_NAMES)  # in the order of their codes D1..D6


def cell_marks(ink: np.ndarray, cell: BBox, texts: list[tuple[str, BBox]], text_height: float) -> list[Mark]:
    """A cell's tick marks by ink. Where the cell lists the duty names, each box is placed by its
    name (the square before it, or the parentheses after it); otherwise the squares in reading
    order. ``texts`` are the cell's OCR lines (text, bbox)."""
    squares = find_boxes(ink, cell, text_height)
    joined = "".join(text for text, _ in texts)
    if sum(name in joined for name in _DUTY_NAMES) >= len(_DUTY_NAMES) - 1:
        marks = read_box_marks(ink, texts, _DUTY_NAMES, squares)
        if marks is None and ("（" in joined or "(" in joined):
            marks = read_paren_marks(ink, texts, _DUTY_NAMES)
        if marks is not None:
            return marks
    return read_marks(ink, cell, text_height)
