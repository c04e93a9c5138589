"""Scanned tables: a value is never taken from a neighbouring labelled cell or a shifted column."""

from __future__ import annotations

from pathlib import Path

from zhidao.ingest.forms import page_to_items
from zhidao.ingest.layout import Cell, Line, Page, Table
from zhidao.model import Location, SourceFile

SOURCE = SourceFile(Path("x.png"), "x.png", "0" * 64, 1)


def _table(rows: list[list[str]], ink: float | None = 0.02) -> Table:
    return Table(tuple(tuple(Cell(t, Location(1, cell=f"r{r}c{c}"), 0.99, ink=ink) for c, t in enumerate(row))
                       for r, row in enumerate(rows)))


def test_a_garbled_label_on_a_scan_bounds_the_value_before_it() -> None:
    table = _table([["姓名", "李嘉禾", "驻企时间", "2026年7月3日"],
                    ["工作内容", "座谈交流。", "履行职责内客", "■建好党的组织"]])
    (item,) = page_to_items(Page(1, (table,)), SOURCE, "scan/1+rapidocr")
    assert item.get("content") == "座谈交流。"  # the garbled 履行职责 label and its value are not content


def test_a_row_that_lost_a_column_border_is_not_sure() -> None:
    header = ["序号", "驻企日期", "工作内容", "履行职责", "企业负责人签字"]
    table = _table([header, ["1", "2026年7月3日", "座谈交流。", "建好党的组织", "王刚"],
                    ["2", "2026年7月8日 谈心谈话。", "配强组织班子", "王刚"]])
    page = Page(1, (Line("姓名：李嘉禾", Location(1, line="line 1")), table))
    first, second = page_to_items(page, SOURCE, "scan/1+rapidocr")
    assert first.get("content") == "座谈交流。" and first.values["content"].confidence > 0.4
    assert {"visit_date", "content", "duties"} <= set(second.review)
    assert second.values["content"].confidence <= 0.4


def test_a_speck_by_a_scanned_label_or_name_is_dust() -> None:
    table = _table([["姓名", "李嘉禾"], ["派出单位", "县委组织部·"], [".驻企日期", "2026年7月3日"],
                    ["工作内容", "座谈交流。"], ["履行职责", "■建好党的组织"], ["企业负责人.签字", "王刚"]])
    (item,) = page_to_items(Page(1, (table,)), SOURCE, "scan/1+rapidocr")
    assert item.get("unit") == "县委组织部"
    assert item.get("visit_date") == "2026-07-03"
    assert item.get("signed") is True


def test_a_field_a_scan_did_not_find_goes_to_review() -> None:
    table = _table([["姓名", "李嘉禾"], ["驻企日期", "2026年7月3日"], ["工作内容", "座谈交流。"]])
    (scan,) = page_to_items(Page(1, (table,)), SOURCE, "scan/1+rapidocr")
    (typed,) = page_to_items(Page(1, (_table([["姓名", "李嘉禾"], ["驻企日期", "2026年7月3日"],
                                             ["工作内容", "座谈交流。"]], ink=None),)), SOURCE, "docx/1")
    assert scan.get("signed") is None and "signed" in scan.review  # lost, or not on the form: a person says
    assert "remarks" not in scan.review  # many layouts have no 备注
    assert typed.get("signed") is None and "signed" not in typed.review  # a typed form has no such row
