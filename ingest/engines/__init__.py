"""The OCR seam: every engine reads text lines from a page image the same way.

Engines are registered by module path (their import is heavy) and the registry's keys feed
the CLI's ``--ocr-engine`` choices. Tests can put a :class:`~.replay.ReplayEngine` behind the
same seam to replay recorded engine output without running an engine.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # numpy stays out of `zhidao --help`, which lists the engines
    import numpy as np

BBox = tuple[float, float, float, float]  # x0, y0, x1, y1 in page pixels

ENGINES: dict[str, str] = {
    "rapidocr": "zhidao.ingest.engines.rapid:RapidEngine",
    "tesseract": "zhidao.ingest.engines.tess:TesseractEngine",
}
DEFAULT_ENGINE = "rapidocr"


@dataclass(frozen=True)
class TextLine:
    text: str
    bbox: BBox
    confidence: float


class OcrEngine(Protocol):
    name: str
    version: str

    def read_page(self, image: np.ndarray) -> list[TextLine]:
        """The engine's own whole-page run (the benchmark baseline)."""

    def read_lines(self, image: np.ndarray, skip: Sequence[BBox] = (),
                   regions: Sequence[BBox] | None = None) -> list[TextLine]:
        """Every text line of an upright grayscale page, skipping lines whose centre lies in one
        of the ``skip`` regions. ``regions`` (table cells, free-text bands) tells an engine
        where the text is; an engine with its own detector may ignore it."""

    def upright_score(self, image: np.ndarray) -> float:
        """How plausible it is that the page is upright (higher is better), cheaply."""


@functools.cache
def load_engine(name: str) -> OcrEngine:
    """Load an engine once per process (models are large)."""
    module_name, _, cls = ENGINES[name].partition(":")
    engine: OcrEngine = getattr(importlib.import_module(module_name), cls)()
    return engine


def centre_in(box: BBox, regions: Sequence[BBox]) -> bool:
    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return any(r[0] <= x <= r[2] and r[1] <= y <= r[3] for r in regions)
