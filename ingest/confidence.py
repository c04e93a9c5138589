"""How sure a read value is: the reader's raw confidence turned into the probability that the
value is right, per medium and field kind, and the rule that names a value in ``review``.

Seam for the calibration work of issue 13: ``field_confidence`` maps a raw confidence to a
calibrated one; ``ink_script`` tells handwriting from print in a scanned cell.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from .ruling import BBox

REVIEW_BELOW = 0.80  # a value less sure than this is named in `review`


def ink_script(ink: np.ndarray, cell: BBox, text_boxes: list[BBox], text_height: float) -> str | None:
    """'hand', 'print', or None when the cell holds no text to judge."""
    return None


def field_confidence(key: str, raw: float, extractor: str, script: str | None) -> float:
    """The calibrated confidence of field ``key`` read with ``raw`` confidence by ``extractor``."""
    return raw
