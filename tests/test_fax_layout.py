"""Faxes and phone photos with broken or dashed ruling, an unfamiliar layout, values that wrap.

The grid repair, the tolerant label test and the joining of wrapped free text are checked as
pure functions first (no engine); then four pages the fixture code makes are read with the
real default engine (rapidocr): every value right, the long 工作内容 with all its lines, the
dates from the date cell, the content not from the duties cell, signed, and nothing wrong
outside review.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from tests.scan_support import PLAN, SINGLE, write
from zhidao.fixtures import fax_layouts
from zhidao.fixtures.form_pdf import enterprise_on_form
from zhidao.fonts import register_cjk_font
from zhidao.ingest import read_path
from zhidao.ingest.engines import TextLine
from zhidao.ingest.label_fuzzy import is_label_boundary, near_label
from zhidao.ingest.ruling import page_grids, repair_lattice
from zhidao.ingest.scan import _run_on
from zhidao.model import Item, ReadOptions

# --- pure functions ------------------------------------------------------------------------


def _broken_grid() -> np.ndarray:
    """A 4 × 3 table on white: holes in its rules, one rule dashed, one stretch worn to stubs."""
    page = np.full((1200, 1654), 255, np.uint8)
    xs, ys = (200, 500, 900, 1400), (200, 350, 500, 650, 800)
    for y in ys:
        cv2.line(page, (xs[0], y), (xs[-1], y), 0, 2)
    for x in xs:
        cv2.line(page, (x, ys[0]), (x, ys[-1]), 0, 2)
    page[349:352, 300:330] = 255  # holes too wide for a fax's dropped scan line
    page[499:502, 1000:1040] = 255
    page[250:290, 499:502] = 255
    page[520:560, 1399:1402] = 255
    for x in range(xs[0], xs[-1], 14):  # the rule under row 3 printed dashed
        page[649:652, x + 8 : x + 14] = 255
    for y in range(ys[3], ys[4], 20):  # the column border in the last row worn to stubs
        page[y + 4 : y + 20, 899:902] = 255
    return page


def test_a_broken_dashed_and_worn_grid_still_has_all_its_cells() -> None:
    grids, _ = page_grids(_broken_grid())
    assert len(grids) == 1
    assert [len(row) for row in grids[0].rows] == [3, 3, 3, 3]


def test_repair_draws_a_broken_rule_through_but_leaves_a_merged_cell_open() -> None:
    text = np.zeros((400, 400), np.uint8)
    left, middle, right = [(10.0, 10.0, 210.0)], [(150.0, 115.0, 210.0)], [(390.0, 10.0, 210.0)]
    top, mid, bottom = [(10.0, 10.0, 390.0)], [(110.0, 10.0, 100.0), (110.0, 130.0, 390.0)], [(210.0, 10.0, 390.0)]
    drawn = repair_lattice([top, mid, bottom], [left, middle, right], text)
    assert ((10, 110), (150, 110)) in drawn, "the broken rule is drawn from one column to the next"
    assert ((150, 110), (150, 210)) in drawn
    assert ((150, 10), (150, 110)) not in drawn, "a column border with nothing left is a merged cell"


@pytest.mark.parametrize("text", ["工作内客", "履行职 责", "作内容", "驻企目期", "企业负责人等字", "企业负责\n人签名"])
def test_garbled_labels_end_a_value(text: str) -> None:
    assert is_label_boundary(text)


@pytest.mark.parametrize("text", ["许静", "蒋丽萍", "2026年7月6日", "青川县华美服饰有限公司", "建好党的组织", "无",
                                  "职工技能", "县总工会", "工作内容：协助企业"])
def test_values_are_not_label_boundaries(text: str) -> None:
    assert not is_label_boundary(text)
    assert near_label(text) is None or "：" in text


def _line(text: str, x0: float, y0: float, x1: float) -> TextLine:
    return TextLine(text, (x0, y0, x1, y0 + 30), 0.95)


def test_a_wrapped_free_text_value_keeps_its_second_line() -> None:
    rows = [[_line("单位：县总工会", 150, 100, 700)],
            [_line("问题及建议：入党积极分子数量偏少，后备力量不足，建议", 150, 200, 1500)],
            [_line("从技术骨干中加强培养。", 150, 240, 700)],
            [_line("填表日期：2026年10月3日", 1100, 300, 1500)]]
    out = _run_on(rows, 30.0)
    assert [t.text for row in out for t in row] == [
        "单位：县总工会", "问题及建议：入党积极分子数量偏少，后备力量不足，建议从技术骨干中加强培养。",
        "填表日期：2026年10月3日"]


def test_a_line_under_a_short_value_or_a_date_is_not_run_on() -> None:
    rows = [[_line("驻企时间：2026年7月6日", 150, 100, 700)], [_line("协助企业", 150, 140, 400)]]
    assert len(_run_on(rows, 30.0)) == 2


# --- pages read with the real engine ----------------------------------------------------------

VISIT = fax_layouts.long_problems(
    next(v for f in PLAN.forms for v in f.visits if v.problems and v.signed and len(v.duties) > 1))
REPORT = "2026年10月3日"
LONG = fax_layouts.long_content_form(SINGLE)
_PUNCT = re.compile(r"[\s，。：、；,.:;．·!！]")


def _text(v: Any) -> Any:
    """Free text compared without punctuation (OCR reads ， as ： or ． on a fax)."""
    return _PUNCT.sub("", v) if isinstance(v, str) else v


@pytest.fixture(scope="session")
def font() -> str:
    return register_cjk_font()


@pytest.fixture(scope="session")
def long_page(font: str) -> np.ndarray:
    from zhidao.fixtures.scans import render_form

    return render_form(LONG, font)


@pytest.fixture(scope="session")
def labels_above_page(font: str) -> np.ndarray:
    return fax_layouts.render_labels_above(VISIT, REPORT, font)


def _read(tmp: Path, name: str, img: np.ndarray) -> Item:
    path = write(tmp, name, img)
    outcome = read_path(path, str(path), ReadOptions(ocr_engine="rapidocr"))
    assert not outcome.errors, outcome.errors
    [item] = outcome.items
    return item


def _no_silent(item: Item, want: dict[str, Any]) -> list[str]:
    return [f"{k}: {item.get(k)!r} != {v!r}" for k, v in want.items()
            if _text(item.get(k)) != _text(v) and k not in item.review]


def _single_wanted() -> dict[str, Any]:
    (v,) = LONG.visits
    assert LONG.report_date is not None
    return {"instructor": v.instructor, "enterprise": enterprise_on_form(LONG), "visit_date": v.date.isoformat(),
            "content": v.content, "duties": v.duties, "signed": True, "report_date": LONG.report_date.isoformat()}


@pytest.mark.parametrize(("medium", "seed"), [("fax", 9), ("photo", 11)])
def test_dashed_ruling_and_a_content_that_wraps_over_three_lines(tmp_path: Path, long_page: np.ndarray,
                                                                  medium: str, seed: int) -> None:
    img = fax_layouts.fax_page(long_page, seed, "dashed") if medium == "fax" \
        else fax_layouts.photo_page(long_page, seed, "dashed")
    item = _read(tmp_path, f"{medium}.png", img)
    want = _single_wanted()
    assert _text(item.get("content")) == _text(want["content"]), "every line of the wrapped content is kept"
    assert item.get("visit_date") == want["visit_date"] and item.get("report_date") == want["report_date"]
    assert item.get("signed") is True
    assert _no_silent(item, want) == []


def test_unfamiliar_layout_faxed_with_broken_ruling(tmp_path: Path, labels_above_page: np.ndarray) -> None:
    item = _read(tmp_path, "fax.png", fax_layouts.fax_page(labels_above_page, 7, "broken"))
    want = {"instructor": VISIT.instructor, "enterprise": VISIT.enterprise, "visit_date": VISIT.date.isoformat(),
            "content": VISIT.content, "duties": VISIT.duties, "signed": True, "problems": VISIT.problems,
            "report_date": "2026-10-03"}
    assert item.get("visit_date") == want["visit_date"], "the date from the date column"
    assert _text(item.get("content")) == _text(VISIT.content), "the content from its own column, not the duties"
    assert _text(item.get("problems")) == _text(VISIT.problems), "the free text under the table keeps both lines"
    assert item.get("signed") is True
    assert _no_silent(item, want) == []


def test_a_hand_signed_fax_reads_as_signed(tmp_path: Path, font: str) -> None:
    item = _read(tmp_path, "hand_fax.png", fax_layouts.hand_fax_page(SINGLE, font, 22))
    assert item.get("signed") is True
    assert item.values["signed"].confidence >= 0.9
