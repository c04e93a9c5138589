"""How sure a read value is: the reader's raw confidence turned into the probability that the
value is right, per medium and field kind, and the rule that names a value in ``review``.

``field_confidence`` maps a raw confidence to a calibrated one. Values read from a file's text
(docx, xlsx, a text PDF) keep the reader's own confidence (1.0 unless the reader said
otherwise). Values read by OCR go through the table ``calibration.json`` beside this module,
fitted by ``benchmarks/calibrate.py`` on the project's own generated scans: per engine, script
of the cell ('print', 'hand', 'none' for a cell with no text read) and field kind, a monotone
step map raw → a conservative lower bound of P(right). An engine or class the table does not
know is never sure (at most UNCALIBRATED).

``ink_script`` tells handwriting from print in a scanned cell by its ink: print stands on one
baseline with characters of one height and one stroke width; a hand's characters wander up and
down, change size, and its pen's strokes vary.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from .ruling import BBox

REVIEW_BELOW = 0.99  # a value less sure than this is named in `review`
UNCALIBRATED = 0.9  # the most an OCR value of an engine or class the table lacks can claim
TABLE = Path(__file__).with_name("calibration.json")

KINDS = {"instructor": "name", "unit": "name", "enterprise": "name", "visit_date": "date",
         "report_date": "date", "content": "text", "problems": "text", "remarks": "text",
         "duties": "duties", "signed": "signed"}


def field_kind(key: str) -> str:
    return KINDS.get(key, "text")


@functools.cache
def _table() -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(TABLE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    maps: dict[str, Any] = data.get("maps", {})
    return maps


def _engine(extractor: str) -> str | None:
    """The OCR engine of an extractor ("scan/1+rapidocr", "pdf-text/1+scan/rapidocr"), None
    for a digital one."""
    if "scan" not in extractor:
        return None
    return extractor.rsplit("+", 1)[-1].removeprefix("scan/").removeprefix("replay:")


def lookup(blocks: list[list[float]], raw: float) -> float:
    """The calibrated value of ``raw`` in a step map of [from, p, …] blocks (ascending)."""
    p = blocks[0][1]
    for start, value, *_ in blocks:
        if raw >= start:
            p = value
        else:
            break
    return p


DOUBT_BELOW = 0.65  # readers state their own doubts below this (0.3 lost value … 0.6 unread ink): kept


def field_confidence(key: str, raw: float, extractor: str, script: str | None) -> float:
    """The calibrated confidence of field ``key`` read with ``raw`` confidence by ``extractor``."""
    engine = _engine(extractor)
    if engine is None or raw < DOUBT_BELOW:
        return raw  # a digital read, or a doubt the reader stated itself (a lost value, a shifted row …)
    if script is None and extractor.startswith("pdf-text"):
        return raw  # a page of a mixed PDF read from its text layer
    by_script = _table().get(engine, {}).get(script or "none", {})
    blocks = by_script.get(field_kind(key)) or by_script.get("*")
    if not blocks:
        return min(raw, UNCALIBRATED)
    return lookup(blocks, raw)


# --- handwriting or print ------------------------------------------------------------------

# ink_script: a logistic score fitted on the fixture's hand-filled and printed scans (office,
# fax, photo); the measures are centred and scaled, and 'hand' is said at P(hand) >= 0.3 (a hand
# taken for print is judged by print's calibration, the costlier mistake)
_MEAN = {"base": 0.0298, "height": 0.0603, "stroke": 0.3011, "size": 0.973, "density": 0.2435}
_SCALE = {"base": 0.0424, "height": 0.0682, "stroke": 0.1052, "size": 0.1722, "density": 0.0593}
_WEIGHT = {"base": 0.831, "height": 0.246, "stroke": 0.227, "size": 0.53, "density": -0.368}
_BIAS = -1.832
HAND_SCORE = -0.847  # log(0.3 / 0.7)


def script_features(ink: np.ndarray, cell: BBox, text_boxes: list[BBox]) -> dict[str, float] | None:
    """Ink measures of the text in a cell, None when there is too little ink to judge.

    The text boxes (clipped to the cell, less a 2 px margin that may hold a rule's remains) are
    cut into character columns at empty ink columns. ``base``: spread of the columns' lower ink
    edges, ``top``: of their upper edges, ``height``: of their heights, each a share of the box
    height; ``stroke``: the coefficient of variation of the stroke width (twice the distance
    transform on the ink's ridge)."""
    import cv2
    import numpy as np

    x0, y0, x1, y1 = cell
    h_img, w_img = ink.shape[:2]
    bottoms: list[float] = []
    tops: list[float] = []
    heights: list[float] = []
    widths: list[np.ndarray] = []
    density: list[float] = []
    for bx0, by0, bx1, by1 in text_boxes:
        left, top = max(int(bx0), int(x0) + 2, 0), max(int(by0), int(y0) + 2, 0)
        right, bottom = min(int(bx1 + 0.5), int(x1) - 2, w_img), min(int(by1 + 0.5), int(y1) - 2, h_img)
        if right - left < 4 or bottom - top < 4:
            continue
        mask = (ink[top:bottom, left:right] > 0).astype(np.uint8)
        dist = cv2.distanceTransform(mask, cv2.DIST_L2, 3)
        ridge = (dist >= cv2.dilate(dist, np.ones((3, 3), np.uint8))) & (dist > 0.5)
        widths.append(2 * dist[ridge])
        density.append(float(mask.mean()))
        box_h = float(bottom - top)
        cols = np.flatnonzero(mask.any(axis=0))
        if cols.size == 0:
            continue
        for run in np.split(cols, np.flatnonzero(np.diff(cols) > 1) + 1):
            if run.size < 2:
                continue
            rows = np.flatnonzero(mask[:, run[0]:run[-1] + 1].any(axis=1))
            tops.append(rows[0] / box_h)
            bottoms.append(rows[-1] / box_h)
            heights.append((rows[-1] - rows[0] + 1) / box_h)
    stroke = np.concatenate(widths) if widths else np.zeros(0)
    if stroke.size < 10 or not heights:
        return None
    return {"base": float(np.std(bottoms)), "top": float(np.std(tops)), "height": float(np.std(heights)),
            "stroke": float(stroke.std() / max(stroke.mean(), 1e-6)), "columns": float(len(heights)),
            "density": float(np.mean(density))}


def script_score(features: dict[str, float], size: float) -> float:
    """Evidence of a hand (>= HAND_SCORE says 'hand'); ``size`` is the text's height over the
    page's usual text height (a hand writes larger than the form's print)."""
    several = features["columns"] >= 2  # one column has no baseline to wander from
    x = {"base": features["base"] if several else 0.0, "height": features["height"] if several else 0.0,
         "stroke": features["stroke"], "size": min(size, 1.5), "density": features["density"]}
    return _BIAS + sum(_WEIGHT[k] * (x[k] - _MEAN[k]) / _SCALE[k] for k in _WEIGHT)


def ink_script(ink: np.ndarray, cell: BBox, text_boxes: list[BBox], text_height: float) -> str | None:
    """'hand', 'print', or None when the cell holds no text to judge."""
    import statistics

    if not text_boxes:
        return None
    features = script_features(ink, cell, text_boxes)
    if features is None:
        return "print"
    size = statistics.median(b[3] - b[1] for b in text_boxes) / max(text_height, 1.0)
    return "hand" if script_score(features, size) >= HAND_SCORE else "print"
