"""Ruling lines → tables of cells (OpenCV morphology), for scanned pages.

Horizontal and vertical strokes longer than a character are kept as ruling lines; the areas
they enclose are the cells. Cells are grouped into rows by their top edge; a cell that spans
several row bands gets that rowspan.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class GridCell:
    bbox: BBox
    row: int
    rowspan: int


@dataclass(frozen=True)
class Grid:
    bbox: BBox
    rows: tuple[tuple[GridCell, ...], ...]


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """Dark strokes as 255 on 0, robust to uneven paper."""
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 35, 15)


def ruling_mask(ink: np.ndarray, bilevel: bool = False) -> np.ndarray:
    h, w = ink.shape
    reach = max(9, w // 120) | 1
    # on a fax, bridge the short breaks its dropped scan lines leave in vertical rules (on a
    # grey scan this would join text strokes above each other into false rules)
    along_y = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 9))) \
        if bilevel else ink
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN,
                                  cv2.getStructuringElement(cv2.MORPH_RECT, (max(40, w // 25), 1)))
    vertical = cv2.morphologyEx(along_y, cv2.MORPH_OPEN,
                                cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(40, h // 40))))
    horizontal = _drop_streaks(horizontal, vertical, reach)
    # lengthen each line a little along itself: it closes the gap where a line stops short of
    # the border it should meet
    horizontal = cv2.dilate(horizontal, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * reach + 1, 3)))
    vertical = cv2.dilate(vertical, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 2 * reach + 1)))
    return cv2.bitwise_or(horizontal, vertical)


def _drop_streaks(horizontal: np.ndarray, vertical: np.ndarray, reach: int) -> np.ndarray:
    """A ruling line ends where it meets a vertical rule; a horizontal stroke whose two ends
    meet none is a streak (a fax line, a scanner scratch), not part of a table."""
    near_vertical = cv2.dilate(vertical, cv2.getStructuringElement(cv2.MORPH_RECT, (4 * reach + 1, 2 * reach + 1)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(horizontal, connectivity=8)
    keep = np.zeros(n, bool)
    for i in range(1, n):
        x, y, w, h, _ = (int(v) for v in stats[i])
        ys = slice(y, y + h)
        left = near_vertical[ys, x : x + reach].any()
        right = near_vertical[ys, max(x, x + w - reach) : x + w].any()
        keep[i] = left or right
    return np.where(keep[labels], 255, 0).astype(np.uint8)


def is_bilevel(gray: np.ndarray) -> bool:
    """A fax or a thresholded scan: (nearly) every pixel black or white."""
    sample = gray[::4, ::4]
    return float(((sample < 30) | (sample > 225)).mean()) > 0.985


def _cells(lines: np.ndarray, min_side: int) -> list[BBox]:
    inverse = cv2.bitwise_not(lines)
    n, _, stats, _ = cv2.connectedComponentsWithStats(inverse, connectivity=4)
    h, w = lines.shape
    out: list[BBox] = []
    for i in range(1, n):
        x, y, cw, ch, area = (int(v) for v in stats[i])
        touches = x == 0 or y == 0 or x + cw >= w or y + ch >= h
        if touches or cw < min_side or ch < min_side or area < 0.6 * cw * ch or cw * ch > 0.5 * w * h:
            continue
        out.append((float(x), float(y), float(x + cw), float(y + ch)))
    return out


def _rows(cells: list[BBox], tolerance: float) -> tuple[tuple[GridCell, ...], ...]:
    tops: list[float] = []
    for top in sorted(c[1] for c in cells):
        if not tops or top - tops[-1] > tolerance:
            tops.append(top)
    bands = [(t, min((c[3] for c in cells if abs(c[1] - t) <= tolerance), default=t)) for t in tops]
    rows: list[list[GridCell]] = [[] for _ in tops]
    for cell in cells:
        r = min(range(len(tops)), key=lambda i: abs(tops[i] - cell[1]))
        span = sum(1 for t, _ in bands if cell[1] - tolerance <= t < cell[3] - tolerance)
        rows[r].append(GridCell(cell, r, max(1, span)))
    return tuple(tuple(sorted(row, key=lambda c: c.bbox[0])) for row in rows if row)


def page_grids(gray: np.ndarray, bilevel: bool = False) -> tuple[list[Grid], np.ndarray]:
    """The tables on a page (top to bottom) and the ruling-line mask (to remove from ink).
    ``bilevel``: the page came as black and white only (a fax), whose rules have breaks."""
    lines = ruling_mask(ink_mask(gray), bilevel=bilevel)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    grids: list[Grid] = []
    min_side = max(12, gray.shape[0] // 150)
    for i in range(1, n):
        x, y, cw, ch, _ = (int(v) for v in stats[i])
        if cw < gray.shape[1] // 5 or ch < gray.shape[0] // 30:
            continue  # an underline or a stray stroke, not a table
        table_lines = np.where(labels[y : y + ch, x : x + cw] == i, 255, 0).astype(np.uint8)
        padded = cv2.copyMakeBorder(table_lines, 2, 2, 2, 2, cv2.BORDER_CONSTANT, value=0)
        cells = [(c[0] + x - 2, c[1] + y - 2, c[2] + x - 2, c[3] + y - 2) for c in _cells(padded, min_side)]
        if len(cells) >= 2:
            grids.append(Grid((float(x), float(y), float(x + cw), float(y + ch)), _rows(cells, min_side * 0.8)))
    grids.sort(key=lambda g: g.bbox[1])
    return grids, lines
