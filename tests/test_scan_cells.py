"""The cell path (ingest/cells_ocr.py) with the real RapidOCR engine on a rendered office scan:
the same fields as the detector over the whole page, blank cells not read, labels read once
per layout (counted through a small counting wrapper around the engine's own recogniser)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from zhidao.fixtures.record_ocr import replay_page
from zhidao.fonts import register_cjk_font
from zhidao.ingest.forms import page_to_items
from zhidao.ingest.scan import image_to_page
from zhidao.model import SourceFile

SOURCE = SourceFile(Path("scan.png"), "scan.png", "0" * 64, 1)


class Counting:
    """The engine's recogniser, counting the crops it is given."""

    def __init__(self, recognise):  # type: ignore[no-untyped-def]
        self.recognise, self.crops, self.calls = recognise, 0, 0

    def __call__(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        self.crops += len(crops)
        self.calls += 1
        result: list[tuple[str, float]] = self.recognise(crops)
        return result


@pytest.fixture(scope="module")
def engine():  # type: ignore[no-untyped-def]
    pytest.importorskip("rapidocr_onnxruntime")
    from zhidao.ingest.engines.rapid import RapidEngine

    return RapidEngine()


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return np.asarray(replay_page(register_cjk_font()))


def _fields(page, engine, cells: bool):  # type: ignore[no-untyped-def]
    engine.cells = cells
    try:
        layout, steps = image_to_page(page, 1, engine)
    finally:
        engine.cells = True
    [item] = page_to_items(layout, SOURCE, f"scan/1+{engine.name}")
    return {k: v.value for k, v in item.values.items()}, layout, steps


def test_cells_give_the_fields_of_the_whole_page_read(page, engine) -> None:  # type: ignore[no-untyped-def]
    whole, _, _ = _fields(page, engine, cells=False)
    cells, _, steps = _fields(page, engine, cells=True)
    assert cells == whole
    assert steps["orientation"] == "0"


def test_blank_cells_are_not_read_and_labels_are_read_once(page, engine) -> None:  # type: ignore[no-untyped-def]
    from zhidao.ingest.cells_ocr import CellReader
    from zhidao.ingest.engines.rapid import _is_label

    counting = Counting(engine.recognise)
    engine.reader = CellReader(counting, engine._detect_lines, _is_label)
    _, layout, _ = _fields(page, engine, cells=True)
    first = counting.crops
    cells = [c for t in layout.tables for row in t.rows for c in row]
    blank = [c for c in cells if not c.text.strip()]
    assert blank, "the fixture form has empty cells"
    # one crop per line read: fewer than one per cell, none for a blank cell
    assert counting.calls == 1, "every crop of a page is recognised in one call"
    assert first < sum(max(1, c.text.count("\n") + 1) for c in cells if c.text.strip()) + 20
    counting.crops = 0
    _fields(page, engine, cells=True)
    assert engine.reader.labels.hits > 0
    assert counting.crops <= first - engine.reader.labels.hits
