"""Dates on forms: checked against the form's month; ranges and two-digit years never guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhidao.ingest.forms import page_to_items
from zhidao.ingest.layout import Line, Page
from zhidao.model import Location, SourceFile

SOURCE = SourceFile(Path("x.docx"), "x.docx", "0" * 64, 1)


def _form(date: str, month: str | None = "2026年7月") -> Page:
    lines = [f"月份：{month}"] if month else []
    lines += ["指导员：李嘉禾　派出单位：县审计局", "驻企单位：青川县金穗粮油有限公司", f"驻企时间：{date}",
              "工作内容：帮助企业党支部规范“三会一课”记录。", "履行职责：■建好党的组织 □配强组织班子",
              "企业负责人签字：王刚", "报送日期：2026年8月3日"]
    return Page(1, tuple(Line(t, Location(1, line=f"paragraph {i}")) for i, t in enumerate(lines)))


@pytest.mark.parametrize(("written", "iso"), [("2026年7月3日", "2026-07-03"), ("7月3日", "2026-07-03"),
                                              ("26年7月3日", "2026-07-03")])
def test_a_date_in_the_forms_month_is_read_and_sure(written: str, iso: str) -> None:
    (item,) = page_to_items(_form(written), SOURCE, "docx/1")
    assert item.get("visit_date") == iso
    assert "visit_date" not in item.review


def test_a_day_range_on_a_single_visit_form_is_not_its_first_day() -> None:
    (item,) = page_to_items(_form("2026年7月12-19日"), SOURCE, "docx/1")
    assert item.get("visit_date") is None
    assert item.values["visit_date"].raw == "2026年7月12-19日"
    assert "visit_date" in item.review


def test_a_two_digit_year_is_read_in_the_forms_century() -> None:
    (item,) = page_to_items(_form("15年3月2日", month=None), SOURCE, "docx/1")
    # the form's year (from its report date, 2026) gives the century, not the year
    assert item.get("visit_date") == "2015-03-02"


def test_a_visit_outside_the_forms_month_goes_to_review() -> None:
    (item,) = page_to_items(_form("2026年8月3日"), SOURCE, "docx/1")
    assert item.get("visit_date") == "2026-08-03"
    assert "visit_date" in item.review


@pytest.mark.parametrize("written", ["上周三", "农历六月初八", "2026年7月", "1999.08-2002.02"])
def test_what_is_not_a_day_is_not_returned(written: str) -> None:
    (item,) = page_to_items(_form(written), SOURCE, "docx/1")
    assert item.get("visit_date") is None
    assert "visit_date" in item.review
