"""Record an engine's answers, and replay them later without the engine.

Tests that exercise the scan pipeline's own logic (cells, marks, labels) replay a recording
made once from a real engine on a fixture image; the end-to-end tests run the real engines.
Answers are replayed in the order they were asked for, so a replay needs the same calls.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import BBox, OcrEngine, TextLine

if TYPE_CHECKING:
    import numpy as np


def _lines_to_json(lines: list[TextLine]) -> list[dict[str, Any]]:
    return [{"text": t.text, "bbox": list(t.bbox), "confidence": t.confidence} for t in lines]


def _lines_from_json(data: list[dict[str, Any]]) -> list[TextLine]:
    return [TextLine(d["text"], (d["bbox"][0], d["bbox"][1], d["bbox"][2], d["bbox"][3]), d["confidence"])
            for d in data]


class RecordingEngine:
    """Wraps a real engine and keeps every answer it gives."""

    def __init__(self, inner: OcrEngine) -> None:
        self.inner = inner
        self.name, self.version = inner.name, inner.version
        self.reads_first = bool(getattr(inner, "reads_first", False))  # the order of the calls
        self.calls: list[dict[str, Any]] = []

    def read_page(self, image: np.ndarray) -> list[TextLine]:
        lines = self.inner.read_page(image)
        self.calls.append({"call": "read_page", "lines": _lines_to_json(lines)})
        return lines

    def read_lines(self, image: np.ndarray, skip: Sequence[BBox] = (),
                   regions: Sequence[BBox] | None = None) -> list[TextLine]:
        lines = self.inner.read_lines(image, skip, regions)
        self.calls.append({"call": "read_lines", "lines": _lines_to_json(lines)})
        return lines

    def upright_score(self, image: np.ndarray) -> float:
        score = self.inner.upright_score(image)
        self.calls.append({"call": "upright_score", "score": score})
        return score

    def save(self, path: Path) -> None:
        data = {"engine": self.name, "version": self.version, "reads_first": self.reads_first,
                "calls": self.calls}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


class ReplayEngine:
    """Answers from a recording, in order; a call the recording does not hold is an error."""

    def __init__(self, path: Path) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        self.name, self.version = f"replay:{data['engine']}", data["version"]
        self.reads_first = bool(data.get("reads_first", False))
        self._calls: list[dict[str, Any]] = list(data["calls"])

    def _next(self, call: str) -> dict[str, Any]:
        if not self._calls or self._calls[0]["call"] != call:
            raise LookupError(f"the recording holds no {call} call here")
        return self._calls.pop(0)

    def read_page(self, image: np.ndarray) -> list[TextLine]:
        return _lines_from_json(self._next("read_page")["lines"])

    def read_lines(self, image: np.ndarray, skip: Sequence[BBox] = (),
                   regions: Sequence[BBox] | None = None) -> list[TextLine]:
        return _lines_from_json(self._next("read_lines")["lines"])

    def upright_score(self, image: np.ndarray) -> float:
        return float(self._next("upright_score")["score"])
