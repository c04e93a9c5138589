"""Reading only what a ruled form needs: the cells (and the bands of text outside the tables)
that the scan path hands to an engine as regions, instead of detecting text over the page.

- a region with no ink (a blank cell) is not read at all;
- the text lines of a region are found by its ink (row profile, then gaps along each row),
  not by the detector; a band taller than two lines (lines that touch) goes to the detector;
- label cells are read once per layout: the layout is keyed by the regions' geometry
  (normalised to the regions' extent), and a cell that read as a label on an earlier page of
  that layout is taken from :class:`LabelCache` when its ink looks the same (a fingerprint
  of the ink, compared by correlation) — else it is read again;
- every crop is recognised in one call to the engine's recogniser.

Boxes are page pixels, as padded as a detector's (so the text height the scan path derives
from them, and the marks read by ink beside the text, are the same as on the detector's).
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from .engines import BBox, TextLine
from .imaging import components

Recognise = Callable[[list[np.ndarray]], list[tuple[str, float]]]
Detect = Callable[[np.ndarray], list[TextLine]]
IsLabel = Callable[[str], bool]

MIN_BLOB = 5  # px: ink components smaller than this are specks, not strokes (a colon's dot is ~9)
EDGE = 4  # px: kept off a region's border (its ruling line)
PAD = 0.35  # of the line height, around a line's ink (a detector's box is that much larger)
PAD_SIDE = 0.2  # line heights more at either end (a detector's box is wider than tall)
GAP_SPLIT = 1.1  # line heights: a wider gap along a line starts a new piece (as a detector's)
TALL = 1.8  # line heights: a band taller than this holds lines that touch: the detector reads it
LONE_GAP = 0.15  # line heights between a lone leading dot and the text (an opening quote is closer)
SPECK = 0.4  # line heights: ink smaller than this both ways, on its own, is dirt
PRINT_PX = 30.0  # a line's height when a page has too few lines to tell
SAME_INK = 0.8  # correlation of ink fingerprints for a label taken from the cache
STRAY = "“”‘’\"'·.,，、 "  # what a speck beside a word is read as
LAYOUTS = 16  # layouts kept per engine
# line heights: a line longer than LONG is recognised in parts of about PART each, cut at gaps of
# at least CUT_GAP between its characters, and read back as one line (the recogniser attends
# over the whole line: one 550 px input costs 1.5 times two of 275 px)
LONG, PART, CUT_GAP = 14.0, 9.0, 0.25
CUT_NEAR = 0.3  # of a part's length: how far from the even cut a gap may lie


@dataclass(frozen=True)
class Piece:
    box: BBox  # padded, page pixels
    region: int
    cuts: tuple[float, ...] = ()  # page x where the line is cut for the recogniser


def cuts(ink: np.ndarray, parts: int, min_gap: float) -> list[int]:
    """Columns of a line's ink where it is cut into ``parts`` about equal parts: the middle of
    the widest gap between strokes (``min_gap`` px at least) within CUT_NEAR of each even cut; no
    cut where no such gap is that near."""
    width = ink.shape[1]
    gaps = [(s, e) for s, e in _runs(np.asarray(~ink.any(axis=0)), 1) if s > 0 and e < width and e - s >= min_gap]
    step = width / parts
    out: list[int] = []
    for k in range(1, parts):
        near = [(e - s, -abs((s + e) / 2 - k * step), (s + e) // 2) for s, e in gaps
                if abs((s + e) / 2 - k * step) <= CUT_NEAR * step]
        if near:
            out.append(max(near)[2])
    return out


def joined(results: Sequence[tuple[str, float]]) -> tuple[str, float]:
    """The parts of a cut line read back as one: texts joined (a space read at a cut is not
    text: the cut lies in a gap), the score their mean weighted by characters (a recogniser's
    line score is the mean over its characters)."""
    if len(results) == 1:
        return results[0]
    last = len(results) - 1
    texts = [t.lstrip() if k == last else t.rstrip() if k == 0 else t.strip() for k, (t, _) in enumerate(results)]
    chars = [max(1, len(t)) for t in texts]
    return "".join(texts), sum(n * float(s) for n, (_, s) in zip(chars, results, strict=True)) / sum(chars)


def _ink(gray: np.ndarray) -> np.ndarray:
    """Strokes as 1, specks removed (a crop's own threshold, so paper shading does not count)."""
    if gray.size == 0:
        return np.zeros(gray.shape, np.uint8)
    mask = cv2.adaptiveThreshold(gray, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 35, 15)
    n, labels, stats, _ = components(mask)
    if n <= 1:
        return np.zeros(gray.shape, np.uint8)
    keep = stats[:, cv2.CC_STAT_AREA] >= MIN_BLOB
    keep[0] = False
    h, w = gray.shape
    # remnants of a ruling line along the crop's edge are not text
    long_h = stats[:, cv2.CC_STAT_WIDTH] >= 0.9 * w
    long_v = stats[:, cv2.CC_STAT_HEIGHT] >= 0.9 * h
    thin = np.minimum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]) <= 6
    keep &= ~((long_h | long_v) & thin)
    strokes: np.ndarray = keep[labels].astype(np.uint8)
    return strokes


def _runs(profile: np.ndarray, min_gap: int) -> list[tuple[int, int]]:
    """Runs of non-zero entries, joined over gaps shorter than ``min_gap``."""
    on = np.flatnonzero(profile)
    if on.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(on) > min_gap)
    starts = np.concatenate(([on[0]], on[breaks + 1]))
    ends = np.concatenate((on[breaks], [on[-1]]))
    return [(int(s), int(e) + 1) for s, e in zip(starts, ends, strict=True)]


def _bands(mask: np.ndarray) -> list[tuple[int, int]]:
    """Text lines as row bands; a sliver (a dot, the tail of a stroke) joins its neighbour."""
    bands = _runs(mask.sum(axis=1), 2)
    if len(bands) < 2:
        return bands
    tallest = max(b - a for a, b in bands)
    out: list[tuple[int, int]] = []
    for a, b in bands:
        sliver = b - a < 0.35 * tallest or out[-1][1] - out[-1][0] < 0.35 * tallest if out else False
        if sliver and a - out[-1][1] < 0.3 * tallest:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _lone_dot(band: np.ndarray, c0: int, c1: int) -> int:
    """Where a piece starts, past a speck of dirt standing alone before its first character (a
    dot a third of a line high at most, then a gap of LONE_GAP; an opening quote stands
    close to the character it opens)."""
    h = band.shape[0]
    parts = _runs(band[:, c0:c1].sum(axis=0), 1)
    if len(parts) < 2:
        return c0
    (s0, e0), (s1, _) = parts[0], parts[1]
    rows = np.flatnonzero(band[:, c0 + s0 : c0 + e0].any(axis=1))
    if e0 - s0 < 0.3 * h and rows[-1] - rows[0] < 0.3 * h and s1 - e0 > LONE_GAP * h:
        return c0 + s1
    return c0


def layout_key(regions: Sequence[BBox]) -> tuple[tuple[int, int, int, int], ...]:
    """The regions' geometry, normalised to their extent (a shifted or rescanned copy of the same
    form has the same key), to a hundredth."""
    x0, y0 = min(r[0] for r in regions), min(r[1] for r in regions)
    w = max(1.0, max(r[2] for r in regions) - x0)
    h = max(1.0, max(r[3] for r in regions) - y0)
    return tuple((round(100 * (r[0] - x0) / w), round(100 * (r[1] - y0) / h),
                  round(100 * (r[2] - x0) / w), round(100 * (r[3] - y0) / h)) for r in regions)


def fingerprint(mask: np.ndarray) -> np.ndarray:
    """The ink of a region, cut to its extent and shrunk to 12 × 48, zero-mean unit-norm."""
    ys, xs = np.nonzero(mask)
    if ys.size == 0:
        return np.zeros(12 * 48, np.float32)
    cut = mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32)
    small = cv2.resize(cut, (48, 12), interpolation=cv2.INTER_AREA).ravel()
    small -= small.mean()
    norm = float(np.linalg.norm(small))
    return small / norm if norm else small


@dataclass(frozen=True)
class _Label:
    lines: tuple[TextLine, ...]  # relative to the region's top left
    print_: np.ndarray  # fingerprint


class LabelCache:
    """Label cells per layout (least recently used layouts dropped), owned by one engine."""

    def __init__(self, size: int = LAYOUTS) -> None:
        self.size = size
        self._layouts: OrderedDict[tuple[tuple[int, int, int, int], ...], dict[int, _Label]] = OrderedDict()
        self.hits = 0

    def get(self, key: tuple[tuple[int, int, int, int], ...]) -> dict[int, _Label]:
        labels = self._layouts.setdefault(key, {})
        self._layouts.move_to_end(key)
        while len(self._layouts) > self.size:
            self._layouts.popitem(last=False)
        return labels


def _interior(region: BBox, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = region
    return (max(0, round(x0) + EDGE), max(0, round(y0) + EDGE),
            min(shape[1], round(x1) - EDGE), min(shape[0], round(y1) - EDGE))


class CellReader:
    """Reads regions of a page with an engine's recogniser (and its detector for lines that
    touch), labels from the cache."""

    def __init__(self, recognise: Recognise, detect: Detect, is_label: IsLabel) -> None:
        self.recognise, self.detect, self.is_label = recognise, detect, is_label
        self.labels = LabelCache()
        self.recognised = 0  # crops sent to the recogniser (for tests and the benchmark)
        self.detected = 0  # bands sent to the detector

    def read(self, gray: np.ndarray, regions: Sequence[BBox]) -> list[TextLine]:
        cached = self.labels.get(layout_key(regions))
        found: list[tuple[int, list[tuple[int, int, int, int]]]] = []  # region, line boxes (crop px)
        heights: list[int] = []
        out: list[TextLine] = []
        tall: list[tuple[int, BBox]] = []
        masks: dict[int, np.ndarray] = {}
        for i, region in enumerate(regions):
            x0, y0, x1, y1 = _interior(region, gray.shape)
            if x1 - x0 < 4 or y1 - y0 < 4:
                continue
            mask = _ink(gray[y0:y1, x0:x1])
            if not mask.any():
                continue  # blank: nothing to read
            label = cached.get(i)
            bands = _bands(mask)
            if label is not None and float(fingerprint(mask) @ label.print_) >= SAME_INK:
                self.labels.hits += 1
                # its lines count towards the page's line height as when read (else a page whose
                # labels come from the cache measures its lines by its values alone)
                heights += [b - a for a, b in bands]
                out += [TextLine(t.text, (t.bbox[0] + x0, t.bbox[1] + y0, t.bbox[2] + x0, t.bbox[3] + y0),
                                 t.confidence) for t in label.lines]
                continue
            masks[i] = mask
            boxes = []
            for a, b in bands:
                cols = mask[a:b].sum(axis=0)
                for c0, c1 in _runs(cols, max(3, round(GAP_SPLIT * (b - a)))):
                    c0 = _lone_dot(mask[a:b], c0, c1)
                    rows = np.flatnonzero(mask[a:b, c0:c1].any(axis=1))
                    boxes.append((c0, a + int(rows[0]), c1, a + int(rows[-1]) + 1))
                heights.append(b - a)
            found.append((i, boxes))
        line_h = float(np.median(heights)) if len(heights) >= 3 else PRINT_PX
        pieces: list[Piece] = []
        for i, boxes in found:
            x0, y0, x1, y1 = _interior(regions[i], gray.shape)
            for c0, a, c1, b in boxes:
                if max(c1 - c0, b - a) < SPECK * line_h or (b - a > TALL * line_h and b - a > 4 * (c1 - c0)):
                    continue  # a speck of dirt, or a stroke down the margin: not text
                if b - a > TALL * line_h:
                    tall.append((i, (float(x0 + c0), float(y0 + a), float(x0 + c1), float(y0 + b))))
                    continue
                pad = PAD * max(b - a, 0.6 * line_h)
                # text cut by the region's edge (a row printed over its rule) runs on past it
                top = y0 + a - pad - (0.5 * line_h if a <= 1 else 0.0)
                bottom = y0 + b + pad + (0.5 * line_h if b >= y1 - y0 - 1 else 0.0)
                side = pad + PAD_SIDE * line_h
                parts = round((c1 - c0) / (PART * line_h)) if c1 - c0 > LONG * line_h else 1
                at = cuts(masks[i][a:b, c0:c1], parts, CUT_GAP * line_h) if parts > 1 else []
                pieces.append(Piece((max(x0, x0 + c0 - side), max(0.0, top),
                                     min(x1, x0 + c1 + side), min(float(gray.shape[0]), bottom)), i,
                                    tuple(float(x0 + c0 + c) for c in at)))
        owners: list[int] = []
        crops: list[np.ndarray] = []
        for k, p in enumerate(pieces):
            edges = [p.box[0], *p.cuts, p.box[2]]
            for left, right in itertools.pairwise(edges):
                crops.append(cv2.cvtColor(gray[round(p.box[1]) : round(p.box[3]), round(left) : round(right)],
                                          cv2.COLOR_GRAY2BGR))
                owners.append(k)
        results = self.recognise(crops) if crops else []
        self.recognised += len(crops)
        per_piece: list[list[tuple[str, float]]] = [[] for _ in pieces]
        for k, result in zip(owners, results, strict=True):
            per_piece[k].append(result)
        read = [(p.region, TextLine(self._label_or(text), p.box, float(score)))
                for p, (text, score) in zip(pieces, map(joined, per_piece), strict=True)]
        for i, box in tall:
            read += [(i, line) for line in self._detect_band(gray, box, line_h)]
        out += [line for _, line in read]
        self._remember(cached, regions, masks, read)
        return out

    def _label_or(self, text: str) -> str:
        """A label read with a speck of dirt beside it as a quote or a dot ('“履行职责') is the label."""
        bare = text.strip(STRAY)
        return bare if bare != text and not self.is_label(text) and self.is_label(bare) else text

    def _detect_band(self, gray: np.ndarray, box: BBox, line_h: float) -> list[TextLine]:
        pad = round(PAD * line_h)
        x0, y0 = max(0, round(box[0]) - pad), max(0, round(box[1]) - pad)
        x1, y1 = min(gray.shape[1], round(box[2]) + pad), min(gray.shape[0], round(box[3]) + pad)
        self.detected += 1
        return [TextLine(t.text, (t.bbox[0] + x0, t.bbox[1] + y0, t.bbox[2] + x0, t.bbox[3] + y0), t.confidence)
                for t in self.detect(gray[y0:y1, x0:x1])]

    def _remember(self, cached: dict[int, _Label], regions: Sequence[BBox], masks: dict[int, np.ndarray],
                  read: list[tuple[int, TextLine]]) -> None:
        """A region read as one label (and nothing else) is kept for the next page of the layout."""
        by_region: dict[int, list[TextLine]] = {}
        for i, line in read:
            by_region.setdefault(i, []).append(line)
        for i, lines in by_region.items():
            text = "".join(t.text for t in sorted(lines, key=lambda t: (t.bbox[1], t.bbox[0])))
            if not self.is_label(text) or min(t.confidence for t in lines) < 0.9:
                cached.pop(i, None)
                continue
            x0, y0, _, _ = _interior(regions[i], (1 << 30, 1 << 30))
            cached[i] = _Label(tuple(TextLine(t.text, (t.bbox[0] - x0, t.bbox[1] - y0, t.bbox[2] - x0, t.bbox[3] - y0),
                                              t.confidence) for t in lines), fingerprint(masks[i]))
