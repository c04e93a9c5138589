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


def test_a_page_reads_the_same_when_its_labels_come_from_the_cache(engine) -> None:  # type: ignore[no-untyped-def]
    """Labels taken from the cache still count towards the page's line height: a single-visit
    form read a second time (its labels cached) used to measure its lines by its values alone,
    take its two-line 存在问题 for lines that touch and lose half of it, and read specks as '+'."""
    from zhidao.fixtures import scans
    from zhidao.fixtures.quarter import plan_quarter
    from zhidao.ingest.cells_ocr import CellReader
    from zhidao.ingest.engines.rapid import _is_label
    from zhidao.ingest.layout import Table

    font = register_cjk_font()
    rng = np.random.default_rng(40)  # benchmarks/bench_scan.py's pages: the fourth form is single-visit
    images = [scans.office_scan(scans.render_form(form, font), rng) for form in plan_quarter(2026).forms[:4]]
    engine.reader = CellReader(engine.recognise, engine._detect_lines, _is_label)

    def texts(image: np.ndarray) -> list[str]:
        layout, _ = image_to_page(image, 1, engine)
        return [c.text for b in layout.blocks if isinstance(b, Table) for row in b.rows for c in row] + [
            b.text for b in layout.blocks if not isinstance(b, Table)]

    first = texts(images[3])
    hits = engine.reader.labels.hits
    again = texts(images[3])
    assert engine.reader.labels.hits > hits
    assert again == first
    assert any("入党积极分子数量偏少" in t and "建议从技术骨干中加强培养" in t for t in again)
