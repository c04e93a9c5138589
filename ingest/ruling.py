"""Ruling lines → tables of cells (OpenCV morphology), for scanned pages.

Horizontal and vertical strokes longer than a character are kept as ruling lines; the areas
they enclose are the cells. Cells are grouped into rows by their top edge; a cell that spans
several row bands gets that rowspan.

Faxes and photos break their rules (dropped scan lines, toner gaps, dashes, holes). `repairs`
finds each table's lattice from thin strokes with breaks closed along them, keeps the rules
that meet each other and run over most of the table, and draws a rule through between two
rules of the other direction where at least a quarter of it is left, or where only stubs are
left and the rule runs on beside it (a grid is regular). Strokes of text that line up (a
title, the bottom of a line of text, tick boxes) and fax streaks are told apart by having text
beside them, lying over each other, or running past the table's border.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import cv2
import numpy as np

from .imaging import Components, components, kept

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


def _scale(w: int) -> float:
    """Pixels per pixel of an A4 page at the working resolution (1654 px wide at 200 dpi)."""
    return max(0.5, w / 1654)


def close_along(mask: np.ndarray, gap: int, horizontal: bool) -> np.ndarray:
    """Bridge breaks of up to ``gap`` px along one direction only (a dashed rule, a fax's dropped
    scan lines, toner gaps): a break across the line is closed, nothing beside it is joined."""
    size = (max(1, gap), 1) if horizontal else (1, max(1, gap))
    return np.asarray(cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, size)),
                      dtype=np.uint8)


def long_runs(mask: np.ndarray, length: int, horizontal: bool) -> np.ndarray:
    """Strokes at least ``length`` px long in one direction."""
    size = (max(1, length), 1) if horizontal else (1, max(1, length))
    return np.asarray(cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, size)),
                      dtype=np.uint8)


def thin_only(mask: np.ndarray, max_thick: float, horizontal: bool) -> np.ndarray:
    """Keep the components whose typical cross-section is thin: a rule is a few px thick along
    its length; strokes of a line of text joined along a row make a band as tall as the text."""
    found = components(mask)
    return kept(mask, found, thin(found, max_thick, horizontal))


def thin(found: Components, max_thick: float, horizontal: bool) -> np.ndarray:
    """Which components (see `thin_only`) are thin."""
    n, labels, stats, _ = found
    keep = np.zeros(n, bool)
    for i in range(1, n):
        x, y, w, h, _ = (int(v) for v in stats[i])
        own = labels[y : y + h, x : x + w] == i
        across = own.sum(axis=0 if horizontal else 1)
        keep[i] = float(np.median(across[across > 0])) <= max_thick
    return keep


def crowded(ink: np.ndarray, box: tuple[int, int, int, int], horizontal: bool, near: int, far: int,
            either: bool = False) -> float:
    """Share of a stroke's length with ink just beside it (between ``near`` and ``far`` px off),
    on both sides (or, with ``either``, on one side or the other). A rule has its cells' padding
    beside it; a fax streak runs through text, strokes of a line of text joined into a line have
    the text on one side."""
    x, y, w, h = box
    if not horizontal:
        return crowded(ink.T, (y, x, h, w), True, near, far, either)
    above = ink[max(0, y - far) : max(0, y - near), x : x + w]
    below = ink[y + h + near : y + h + far, x : x + w]
    if above.size == 0 or below.size == 0:
        return 0.0
    side_a, side_b = above.any(axis=0), below.any(axis=0)
    return float(((side_a | side_b) if either else (side_a & side_b)).mean())


def drop_crowded(mask: np.ndarray, ink: np.ndarray, horizontal: bool, near: int, far: int,
                 limit: float = 0.3) -> np.ndarray:
    """`mask` without its strokes that have text beside them (see `crowded`, either side)."""
    found = components(mask)
    return kept(mask, found, uncrowded(found, np.ones(found[0], bool), ink, horizontal, near, far, limit))


def uncrowded(found: Components, among: np.ndarray, ink: np.ndarray, horizontal: bool, near: int, far: int,
              limit: float = 0.3) -> np.ndarray:
    """Which of the components ``among`` have no text beside them (see `drop_crowded`)."""
    n, _, stats, _ = found
    keep = np.zeros(n, bool)
    for i in np.flatnonzero(among[1:]) + 1:
        x, y, w, h, _ = (int(v) for v in stats[i])
        keep[i] = crowded(ink, (x, y, w, h), horizontal, near, far, either=True) <= limit
    return keep


Segment = tuple[float, float, float]  # (position across the line, start, end along it)


def segments(mask: np.ndarray, horizontal: bool) -> list[tuple[Segment, int]]:
    """Each component of a one-direction rule mask as (its segment, its component label)."""
    found = components(mask)
    return segments_of(found, np.ones(found[0], bool), horizontal)


def segments_of(found: Components, among: np.ndarray, horizontal: bool) -> list[tuple[Segment, int]]:
    """`segments` of the components ``among`` (the background, label 0, is never one)."""
    _, _, stats, centroids = found
    out: list[tuple[Segment, int]] = []
    for i in np.flatnonzero(among[1:]) + 1:
        x, y, w, h, _ = (int(v) for v in stats[i])
        if horizontal:
            out.append(((float(centroids[i][1]), float(x), float(x + w)), int(i)))
        else:
            out.append(((float(centroids[i][0]), float(y), float(y + h)), int(i)))
    return out


def cluster(segs: list[Segment], tolerance: float) -> list[list[Segment]]:
    """Segments of one rule: positions within ``tolerance`` of the cluster's first one (no
    chaining down a column of text strokes)."""
    out: list[list[Segment]] = []
    for seg in sorted(segs):
        if out and seg[0] - out[-1][0][0] <= tolerance:
            out[-1].append(seg)
        else:
            out.append([seg])
    return out


def touches(rule: list[Segment], other: list[Segment], tolerance: float) -> bool:
    """Whether a rule meets (ends on or crosses) a rule of the other direction, or would but
    for a break of up to 8 × ``tolerance`` at the end of either."""
    reach = 8 * tolerance
    return any(a - reach <= q <= b + reach and c - reach <= p <= d + reach
               for p, a, b in rule for q, c, d in other)


def connected_rules(h_rules: list[list[Segment]], v_rules: list[list[Segment]], tolerance: float
                    ) -> tuple[list[list[Segment]], list[list[Segment]]]:
    """The rules of a lattice: each meets at least two rules of the other direction (strokes of
    text joined into lines, a title's strokes, meet none)."""
    while True:
        hs = [r for r in h_rules if sum(touches(r, v, tolerance) for v in v_rules) >= 2]
        vs = [r for r in v_rules if sum(touches(r, h, tolerance) for h in hs) >= 2]
        if len(hs) == len(h_rules) and len(vs) == len(v_rules):
            return hs, vs
        h_rules, v_rules = hs, vs


def covered(segs: list[Segment], start: float, end: float) -> float:
    """Share of [start, end] that the segments cover (their union)."""
    if end <= start:
        return 0.0
    spans = sorted((max(a, start), min(b, end)) for _, a, b in segs if b > start and a < end)
    total, reach = 0.0, start
    for a, b in spans:
        if b > reach:
            total += b - max(a, reach)
            reach = b
    return total / (end - start)


def _position(segs: list[Segment]) -> float:
    return sum(p * (b - a) for p, a, b in segs) / max(1e-6, sum(b - a for _, a, b in segs))


def long_rule(rule: list[Segment], extent: tuple[float, float]) -> bool:
    """A rule that runs over most of the table's extent, however broken: strokes of text that
    happen to line up are many, short and lie over each other; a broken rule keeps long pieces
    end to end."""
    lo, hi = min(a for _, a, _ in rule), max(b for _, _, b in rule)
    if sum(b - a for _, a, b in rule) > 1.25 * covered(rule, lo, hi) * (hi - lo):
        return False
    cover = covered(rule, *extent)
    longest = max(b - a for _, a, b in rule) / max(1e-6, extent[1] - extent[0])
    return cover >= 0.5 or (cover >= 0.3 and longest >= 0.2)


def crossed(text: np.ndarray, p: tuple[int, int], q: tuple[int, int], band: int) -> float:
    """Share of the axis-parallel segment p–q that text stands across: ink on both sides of it
    (1–3 × ``band`` px off), as where a merged cell's text runs over it; stubs of the rule
    itself are not text."""
    (x0, y0), (x1, y1) = p, q
    if y0 == y1:
        return crowded(text, (min(x0, x1), y0 - 1, abs(x1 - x0) + 1, 3), True, band, 3 * band)
    return crowded(text, (x0 - 1, min(y0, y1), 3, abs(y1 - y0) + 1), False, band, 3 * band)


def traced(ink: np.ndarray, p: tuple[int, int], q: tuple[int, int], band: int = 2) -> float:
    """Share of the axis-parallel segment p–q with ink on it: what a dropped or worn rule leaves
    (a merged cell leaves nothing, and is not split)."""
    (x0, y0), (x1, y1) = p, q
    if y0 == y1:
        strip = ink[max(0, y0 - band) : y0 + band + 1, min(x0, x1) : max(x0, x1) + 1]
        return float(strip.any(axis=0).mean()) if strip.size else 0.0
    strip = ink[min(y0, y1) : max(y0, y1) + 1, max(0, x0 - band) : x0 + band + 1]
    return float(strip.any(axis=1).mean()) if strip.size else 0.0


def repair_lattice(h_rules: list[list[Segment]], v_rules: list[list[Segment]], text: np.ndarray | None = None,
                   min_cover: float = 0.25) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Line segments to draw so that the grid is whole. Between two neighbouring rules of the
    other direction, a rule covered at least ``min_cover`` (dashed, broken, partly dropped) is
    drawn through at its own local position. A grid is regular: a stretch with only stubs left
    (`traced`) is inferred when the rule runs on both sides of it (columns align across rows)
    and no text stands across it; a stretch with nothing left is a merged cell."""
    xs = [_position(r) for r in v_rules]
    ys = [_position(r) for r in h_rules]
    out: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for rules, stops, horizontal in ((h_rules, xs, True), (v_rules, ys, False)):
        for rule in rules:
            spans = list(itertools.pairwise(stops))
            cover = [covered(rule, a, b) for a, b in spans]
            whole = _position(rule)
            for k, (a, b) in enumerate(spans):
                near = [s for s in rule if s[2] > a and s[1] < b]
                pos = round(_position(near)) if near else round(whole)
                p, q = (round(a), pos), (round(b), pos)
                seg = (p, q) if horizontal else ((p[1], p[0]), (q[1], q[0]))
                before = k > 0 and cover[k - 1] >= min_cover
                after = k < len(spans) - 1 and cover[k + 1] >= min_cover
                # columns run through every row; a row's rule may stop at a cell that spans rows,
                # except the table's top and bottom border
                one_side = not horizontal or rule is rules[0] or rule is rules[-1]
                inferred = ((before and after) or (one_side and (before or after))) and text is not None \
                    and traced(text, *seg) >= 0.1 and crossed(text, *seg, band=3) < 0.1
                through = cover[k] >= 0.6 or (text is not None and crossed(text, *seg, band=3) < 0.1)
                if (cover[k] >= min_cover and through) or inferred:
                    out.append(seg)
    return out


def lattice(hs: list[Segment], vs: list[Segment], tolerance: float, min_size: tuple[float, float] = (0.0, 0.0)
            ) -> tuple[list[list[Segment]], list[list[Segment]], BBox] | None:
    """The rules of one table from its candidate strokes, and the table's box: rules that meet
    each other (`connected_rules`), long (`long_rule`), inside the box the long
    rules make (a title's strokes above a table may align with its columns)."""
    for _ in range(2):
        x_extent = (min(s[1] for s in hs), max(s[2] for s in hs))
        y_extent = (min(s[1] for s in vs), max(s[2] for s in vs))
        h_rules, v_rules = connected_rules(cluster(hs, tolerance), cluster(vs, tolerance), tolerance)
        h_ok = [r for r in h_rules if long_rule(r, x_extent)]
        v_ok = [r for r in v_rules if long_rule(r, y_extent)]
        if len(h_ok) < 2 or len(v_ok) < 2:
            return None
        long_h = [_position(r) for r in h_ok if covered(r, *x_extent) >= 0.5] or [_position(r) for r in h_ok]
        long_v = [_position(r) for r in v_ok if covered(r, *y_extent) >= 0.5] or [_position(r) for r in v_ok]
        box = (min(long_v), min(long_h), max(long_v), max(long_h))
        # a rule ends at the table's border; a fax streak or a scratch runs on past it
        h_ok = [r for r in h_ok if not overruns(r, box[0], box[2], 3 * tolerance)]
        v_ok = [r for r in v_ok if not overruns(r, box[1], box[3], 3 * tolerance)]
        if len(h_ok) < 2 or len(v_ok) < 2:
            return None
        inner_h = [s for s in hs if box[1] - tolerance <= s[0] <= box[3] + tolerance]
        inner_v = [(p, max(a, box[1] - tolerance), min(b, box[3] + tolerance)) for p, a, b in vs
                   if box[0] - tolerance <= p <= box[2] + tolerance and b > box[1] and a < box[3]]
        if len(inner_h) == len(hs) and len(inner_v) == len(vs) and inner_v == vs:
            return (h_ok, v_ok, box) if framed(h_ok, v_ok, box, min_size) else None
        if len(inner_h) < 2 or len(inner_v) < 2:
            return None
        hs, vs = inner_h, inner_v
    return (h_ok, v_ok, box) if framed(h_ok, v_ok, box, min_size) else None


def overruns(rule: list[Segment], start: float, end: float, margin: float) -> bool:
    """Whether the longest stroke of a rule runs more than ``margin`` past [start, end]."""
    _, a, b = max(rule, key=lambda s: s[2] - s[1])
    return a < start - margin or b > end + margin


def framed(h_rules: list[list[Segment]], v_rules: list[list[Segment]], box: BBox, min_size: tuple[float, float]
           ) -> bool:
    """A table, not the strokes of a title: at least ``min_size`` (width, height), with two rules
    each way that run over most of it (its borders, however broken)."""
    x0, y0, x1, y1 = box
    if x1 - x0 < min_size[0] or y1 - y0 < min_size[1]:
        return False
    return sum(covered(r, x0, x1) >= 0.6 for r in h_rules) >= 2 and sum(covered(r, y0, y1) >= 0.6 for r in v_rules) >= 2


def classic_mask(ink: np.ndarray, bilevel: bool = False) -> np.ndarray:
    """Unbroken ruling: strokes longer than a character, streaks dropped, each line lengthened a
    little along itself (it closes the gap where a line stops short of the border it meets)."""
    h, w = ink.shape
    reach = max(9, w // 120) | 1
    # on a fax, bridge the short breaks its dropped scan lines leave in vertical rules (on a
    # grey scan this would join text strokes above each other into false rules)
    along_y = close_along(ink, 9, False) if bilevel else ink
    horizontal = long_runs(ink, max(40, w // 25), True)
    vertical = long_runs(along_y, max(40, h // 40), False)
    horizontal = _drop_streaks(horizontal, vertical, reach)
    horizontal = cv2.dilate(horizontal, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * reach + 1, 3)))
    vertical = cv2.dilate(vertical, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 2 * reach + 1)))
    return np.asarray(cv2.bitwise_or(horizontal, vertical), dtype=np.uint8)


def repairs(ink: np.ndarray) -> np.ndarray:
    """The stretches of broken, dashed or partly dropped rules that a table's lattice says are
    there (see `lattice` and `repair_lattice`), drawn as lines; nothing where the rules are whole."""
    h, w = ink.shape
    unit = _scale(w)
    gap = round(11 * unit)
    # each direction's strokes labelled once: thinness, crowding and segments are told per
    # component (dropping whole components leaves the others as they were)
    h_runs = long_runs(close_along(ink, gap, True), max(40, w // 40), True)
    v_runs = long_runs(close_along(ink, gap, False), max(30, h // 60), False)
    h_found, v_found = components(h_runs), components(v_runs)
    h_thin, v_thin = thin(h_found, 7 * unit, True), thin(v_found, 7 * unit, False)
    text = cv2.bitwise_and(ink, cv2.bitwise_not(cv2.bitwise_or(kept(h_runs, h_found, h_thin),
                                                               kept(v_runs, v_found, v_thin))))
    near, far = round(3 * unit), round(9 * unit)
    h_keep = uncrowded(h_found, h_thin, text, True, near, far)
    v_keep = uncrowded(v_found, v_thin, text, False, near, far)
    horizontal, vertical = kept(h_runs, h_found, h_keep), kept(v_runs, v_found, v_keep)
    drawn = np.zeros_like(ink)
    join = cv2.getStructuringElement(cv2.MORPH_RECT, (round(61 * unit) | 1, round(61 * unit) | 1))
    n, groups = cv2.connectedComponents(cv2.dilate(cv2.bitwise_or(horizontal, vertical), join), ltype=cv2.CV_16U)
    h_segs, v_segs = segments_of(h_found, h_keep, True), segments_of(v_found, v_keep, False)
    tolerance = 8 * unit
    for g in range(1, n):
        hs = [s for s, _ in h_segs if groups[round(s[0]), round((s[1] + s[2]) / 2)] == g]
        vs = [s for s, _ in v_segs if groups[round((s[1] + s[2]) / 2), round(s[0])] == g]
        if len(hs) < 2 or len(vs) < 2:
            continue
        found = lattice(hs, vs, tolerance, (w / 5, h / 30))
        if found is None:
            continue
        h_ok, v_ok, _ = found
        for p, q in repair_lattice(h_ok, v_ok, text):
            cv2.line(drawn, p, q, 255, max(2, round(2 * unit)))
    return drawn


def ruling_mask(ink: np.ndarray, bilevel: bool = False) -> np.ndarray:
    """The page's ruling lines: the unbroken strokes (`classic_mask`) and the repaired stretches
    of broken ones (`repairs`)."""
    return np.asarray(cv2.bitwise_or(classic_mask(ink, bilevel), repairs(ink)), dtype=np.uint8)


def _drop_streaks(horizontal: np.ndarray, vertical: np.ndarray, reach: int) -> np.ndarray:
    """A ruling line ends where it meets a vertical rule; a horizontal stroke whose two ends
    meet none is a streak (a fax line, a scanner scratch), not part of a table."""
    found = components(horizontal)
    n, _, stats, _ = found
    keep = np.zeros(n, bool)

    def near(y0: int, y1: int, x0: int, x1: int) -> bool:
        """A vertical rule within ``reach`` rows and 2 × ``reach`` columns of [y0, y1) × [x0, x1)."""
        return bool(vertical[max(0, y0 - reach) : y1 + reach, max(0, x0 - 2 * reach) : x1 + 2 * reach].any())

    for i in range(1, n):
        x, y, w, h, _ = (int(v) for v in stats[i])
        keep[i] = near(y, y + h, x, x + reach) or near(y, y + h, max(x, x + w - reach), x + w)
    return kept(horizontal, found, keep)


def is_bilevel(gray: np.ndarray) -> bool:
    """A fax or a thresholded scan: (nearly) every pixel black or white."""
    sample = gray[::4, ::4]
    return float(((sample < 30) | (sample > 225)).mean()) > 0.985


def _cells(lines: np.ndarray, min_side: int) -> list[BBox]:
    inverse = cv2.bitwise_not(lines)
    n, _, stats, _ = components(inverse, connectivity=4)
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


def page_grids(gray: np.ndarray, bilevel: bool = False, ink: np.ndarray | None = None
               ) -> tuple[list[Grid], np.ndarray]:
    """The tables on a page (top to bottom) and the ruling-line mask (to remove from ink).
    ``bilevel``: the page came as black and white only (a fax), whose rules have breaks;
    ``ink``: the page's `ink_mask`, when the caller has it already."""
    lines = ruling_mask(ink_mask(gray) if ink is None else ink, bilevel=bilevel)
    n, labels, stats, _ = components(lines)
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
