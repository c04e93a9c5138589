"""The scan pipeline's own logic (deskew, cells, marks, labels) without an OCR engine: a real
engine's recorded answers replayed through the seam on the same fixture page."""

from __future__ import annotations

from pathlib import Path

from zhidao.fixtures.form_pdf import enterprise_on_form
from zhidao.fixtures.record_ocr import RECORDED, replay_form, replay_page
from zhidao.fonts import register_cjk_font
from zhidao.ingest.confidence import REVIEW_BELOW
from zhidao.ingest.engines.replay import ReplayEngine
from zhidao.ingest.forms import page_to_items
from zhidao.ingest.scan import image_to_page
from zhidao.model import SourceFile

SOURCE = SourceFile(Path("scan.png"), "scan.png", "0" * 64, 1)


def test_replayed_engine_output_gives_the_planned_record() -> None:
    engine = ReplayEngine(RECORDED / "office_scan_single_rapidocr.json")
    page, steps = image_to_page(replay_page(register_cjk_font()), 1, engine)
    [item] = page_to_items(page, SOURCE, f"scan/1+{engine.name}")
    visit = replay_form().visits[0]
    assert item.get("instructor") == visit.instructor
    assert item.get("enterprise") == enterprise_on_form(replay_form())
    assert item.get("visit_date") == visit.date.isoformat()
    assert item.get("duties") == visit.duties, "the ticks are read by ink, not from the engine"
    assert item.get("signed") is visit.signed
    assert steps["engine"] == "replay:rapidocr" and float(steps["deskew_degrees"]) != 0.0
    # the review rule: a value is in review exactly when it is less than 99% sure (calibrated)
    assert {k for k, v in item.values.items() if v.confidence < REVIEW_BELOW} == set(item.review)


def test_replay_refuses_calls_it_did_not_record() -> None:
    engine = ReplayEngine(RECORDED / "office_scan_single_rapidocr.json")
    import numpy as np
    import pytest

    with pytest.raises(LookupError):
        engine.read_page(np.zeros((10, 10), np.uint8))
