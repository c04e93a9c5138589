"""Calibrated confidence (issue 13): the table is monotone and never lets a thin block claim 0.99,
digital values stay certain, ink tells a hand from print, and a misread hand-filled field is in
review. Images are made by the fixture code and read by the real engine."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.scan_support import SINGLE, check, write
from zhidao.fixtures import scans
from zhidao.fixtures.handwriting import KAI_FONT, hand_filled_form, value_boxes
from zhidao.fonts import register_cjk_font
from zhidao.ingest import read_path
from zhidao.ingest.confidence import REVIEW_BELOW, TABLE, field_confidence
from zhidao.ingest.engines import load_engine
from zhidao.ingest.layout import Table
from zhidao.ingest.scan import image_to_page
from zhidao.model import ReadOptions

ROOT = Path(__file__).resolve().parent.parent


def _calibrate() -> Any:
    spec = importlib.util.spec_from_file_location("calibrate", ROOT / "benchmarks" / "calibrate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["calibrate"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def font() -> str:
    return register_cjk_font()


def test_the_shipped_table_is_monotone_and_no_thin_block_reaches_099() -> None:
    maps = json.loads(TABLE.read_text(encoding="utf-8"))["maps"]
    assert maps, "the calibration table is shipped"
    for by_script in maps.values():
        for by_kind in by_script.values():
            for blocks in by_kind.values():
                starts, ps = [b[0] for b in blocks], [b[1] for b in blocks]
                assert starts == sorted(starts) and ps == sorted(ps)
                assert all(0.0 <= p <= 1.0 for p in ps)
                assert all(n >= 268 for _, p, n in blocks if p >= 0.99), blocks


def test_fit_is_monotone_and_a_sparse_block_never_claims_099() -> None:
    fit = _calibrate().fit
    rng = np.random.default_rng(0)
    raw = rng.uniform(0.5, 1.0, 3000)
    right = rng.random(3000) < raw ** 4
    blocks = fit(list(zip(raw.tolist(), right.tolist(), strict=True)))
    ps = [b["p"] for b in blocks]
    assert ps == sorted(ps) and blocks[0]["from"] == 0.0
    perfect = [(0.999, True)] * 200  # 200 right of 200 is not yet "99% sure"
    assert all(b["p"] < 0.99 for b in fit(perfect))
    assert fit([(0.999, True)] * 400)[-1]["p"] >= 0.99
    thin_top = [(0.9, i % 10 != 0) for i in range(300)] + [(1.0, True)] * 5
    assert max(b["p"] for b in fit(thin_top)) < 0.99


def test_digital_values_stay_certain_and_out_of_review(demo) -> None:  # type: ignore[no-untyped-def]
    for extractor in ("docx/1", "xlsx/1", "pdf-text/1", "doc-libreoffice/1"):
        assert field_confidence("instructor", 1.0, extractor, None) == 1.0
        assert field_confidence("content", 0.7, extractor, None) == 0.7  # what the reader said
    assert field_confidence("content", 1.0, "pdf-text/1+scan/rapidocr", None) == 1.0, "a text page of a mixed PDF"
    path = next(p for p in sorted(Path(demo.inbox).iterdir()) if p.suffix == ".docx")
    items = read_path(path, path.name).items
    assert items
    for item in items:
        for key, value in item.values.items():
            if value.value not in (None, ()):
                assert value.confidence == 1.0 and key not in item.review, (key, value)


def test_an_uncalibrated_engine_is_never_sure() -> None:
    assert field_confidence("instructor", 1.0, "scan/1+someengine", "print") < REVIEW_BELOW


def _script_at(page_img: np.ndarray, box: tuple[float, float, float, float]) -> str | None:
    page, _ = image_to_page(page_img, 1, load_engine("rapidocr"))
    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    for block in page.blocks:
        if isinstance(block, Table):
            for row in block.rows:
                for cell in row:
                    b = cell.location.bbox
                    if b and b[0] <= x <= b[2] and b[1] <= y <= b[3] and cell.text.strip():
                        return str(cell.script) if cell.script else None
    raise AssertionError("no cell with text there")


def test_ink_script_tells_a_hand_from_print(font: str) -> None:
    box = value_boxes(SINGLE, font)["problems"]  # its long sentence (the weakly told short names are not asked)
    where = (float(box.x0), float(box.top), float(box.x1), float(box.bottom))
    hand, _ = hand_filled_form(SINGLE, font, KAI_FONT, np.random.default_rng(4), degrade=False)
    assert _script_at(hand, where) == "hand"
    assert _script_at(scans.render_form(SINGLE, font), where) == "print"


def test_a_misread_hand_filled_field_is_in_review(tmp_path: Path, font: str) -> None:
    img, _ = hand_filled_form(SINGLE, font, KAI_FONT, np.random.default_rng(23))
    outcome = read_path(write(tmp_path, "hand.png", img), "hand.png", ReadOptions(ocr_engine="rapidocr"))
    right, total, silent = check(list(outcome.items), SINGLE)
    assert silent == [], "every field read wrong is named in review"
    assert right < total or outcome.items[0].review, "a hand is not read 99% surely"
