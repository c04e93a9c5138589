"""The label matcher and form interpreter on medium-neutral pages (no files needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhidao.ingest.duties import text_to_duties
from zhidao.ingest.forms import page_to_items
from zhidao.ingest.labels import RECORD_MATCHER
from zhidao.ingest.layout import Cell, Line, Page, Table
from zhidao.model import Location, SourceFile

SRC = SourceFile(Path("x.docx"), "x.docx", "ab" * 32, 1)


def _table(rows: list[list[str]]) -> Table:
    return Table(tuple(tuple(Cell(t, Location(1, cell=f"r{r}c{c}")) for c, t in enumerate(row))
                       for r, row in enumerate(rows)))


def _line(text: str) -> Line:
    return Line(text, Location(1, line="p"))


@pytest.mark.parametrize(("label", "key"), [
    ("指导员姓名", "instructor"), ("姓 名：", "instructor"), ("驻企单位", "enterprise"),
    ("存在问题及建议", "problems"), ("企业负责人签字（盖章）", "signed"), ("填表日期", "report_date"),
    ("工作情况", "content"), ("职责类别", "duties"), ("出生日期", None), ("石岭县某某有限公司", None),
])
def test_label_matcher(label: str, key: str | None) -> None:
    assert RECORD_MATCHER.match(label) == key


def test_inline_labels_split_a_header_line() -> None:
    got = RECORD_MATCHER.split_inline("单位：县审计局\u3000\u3000驻企时间：2026年3月26日")
    assert [(k, v) for k, _, v in got] == [("unit", "县审计局"), ("visit_date", "2026年3月26日")]


@pytest.mark.parametrize(("text", "codes", "sure"), [
    ("■建好党的组织  □配强组织班子\n□建设党员队伍  ☑建设职工队伍", ("D1", "D4"), True),
    ("建好党的组织（  ）  配强组织班子（√）\n建设活动阵地（√）", ("D2", "D5"), True),
    ("配强组织班子、建设职工队伍", ("D2", "D4"), True),
    ("□建好党的组织 □配强组织班子", (), True),
    ("看不清", (), False),
])
def test_duties(text: str, codes: tuple[str, ...], sure: bool) -> None:
    assert text_to_duties(text) == (codes, sure)


def test_single_visit_form_from_lines_and_key_value_table() -> None:
    page = Page(1, (
        _line("单位：县审计局\u3000\u3000驻企时间：2026年3月26日"),
        _table([["姓名", "蒋晓"], ["驻企单位", "某某公司"], ["工作内容", "走访职工。"],
                ["履行职责", "■建设职工队伍 □积极探索创新"], ["企业负责人签字", "丁春志"], ["备注", ""]]),
    ))
    [item] = page_to_items(page, SRC, "test")
    assert item.get("instructor") == "蒋晓"
    assert item.get("visit_date") == "2026-03-26"
    assert item.get("duties") == ("D4",)
    assert item.get("signed") is True
    assert item.get("remarks") is None
    assert item.get("problems") is None  # no such row on the form
    assert item.review == ()
    assert item.values["instructor"].location == Location(1, cell="r0c1")


def test_monthly_sheet_rows_become_records_and_blank_rows_do_not() -> None:
    page = Page(1, (
        _line("单位：县司法局\u3000\u3000指导员：白佳春"),
        _line("驻企单位：某某公司\u3000\u3000月份：2026.03"),
        _table([["序号", "驻企日期", "主要工作", "履行职责", "企业签字"],
                ["1", "3月2日", "座谈。", "配强组织班子", "汪倩"],
                ["2", "3.6", "走访。", "建设职工队伍、建设活动阵地", ""],
                ["3", "", "", "", ""]]),
    ))
    items = page_to_items(page, SRC, "test")
    assert [it.get("visit_date") for it in items] == ["2026-03-02", "2026-03-06"]
    assert [it.get("signed") for it in items] == [True, False]
    assert items[1].get("duties") == ("D4", "D5")
    assert all(it.get("instructor") == "白佳春" and it.get("enterprise") == "某某公司" for it in items)
    assert items[0].item_id != items[1].item_id


def test_value_below_its_label() -> None:
    page = Page(1, (_line("驻企时间：2026-07-01"),
                    _table([["指导员", "派驻企业"], ["李明", "某某公司"], ["工作内容", "座谈"]])))
    [item] = page_to_items(page, SRC, "test")
    assert (item.get("instructor"), item.get("enterprise")) == ("李明", "某某公司")
    assert item.get("content") == "座谈"


def test_header_row_makes_a_row_table() -> None:
    page = Page(1, (_table([["指导员", "驻企日期", "工作内容"], ["李明", "2026-07-01", "座谈"]]),))
    [item] = page_to_items(page, SRC, "test")
    got = (item.get("instructor"), item.get("visit_date"), item.get("content"))
    assert got == ("李明", "2026-07-01", "座谈")


def test_missing_required_fields_are_null_and_in_review() -> None:
    page = Page(1, (_table([["指导员", "崔然"], ["企业名称", ""], ["驻企日期", "2026.5.1"],
                            ["工作情况", ""]]),))
    [item] = page_to_items(page, SRC, "test")
    assert item.get("enterprise") is None and item.get("content") is None
    assert set(item.review) == {"enterprise", "content"}


def test_impossible_date_goes_to_review_not_guessed() -> None:
    page = Page(1, (_table([["指导员", "崔然"], ["驻企日期", "2026年2月30日"], ["工作内容", "座谈"]]),))
    [item] = page_to_items(page, SRC, "test")
    assert item.get("visit_date") is None
    assert "visit_date" in item.review


def test_page_without_form_labels_gives_nothing() -> None:
    assert page_to_items(Page(1, (_line("会议通知"), _table([["甲", "乙"]]))), SRC, "test") == []
