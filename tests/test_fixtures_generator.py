"""The fixture generator is deterministic and writes exactly what it plans."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import docx
import openpyxl
import pytest

from zhidao.fixtures.forms import blank_rows
from zhidao.fixtures.generate import generate
from zhidao.fixtures.model import DUTIES, FormFile, QuarterPlan
from zhidao.fixtures.quarter import plan_quarter
from zhidao.fixtures.roster import HEADER

PLANTED = {"DAYS_MIN", "REPORT_LATE", "REPORT_MISSING", "UNKNOWN_INSTRUCTOR", "DUPLICATE", "UNSIGNED"}
DATE_RE = re.compile(r"(?:(\d{4})[年.\-])?(\d{1,2})[月.\-](\d{1,2})日?$")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, QuarterPlan]:
    out = tmp_path_factory.mktemp("fixtures")
    return out, generate(out)


def _parse_day(text: str, year: int) -> dt.date:
    match = DATE_RE.search(text.strip())
    assert match, text
    return dt.date(int(match.group(1) or year), int(match.group(2)), int(match.group(3)))


def _docx_text(path: Path) -> list[str]:
    document = docx.Document(str(path))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return [p.text for p in document.paragraphs] + cells


def _form_docx(out: Path, form: FormFile) -> docx.document.Document:
    return docx.Document(str(out / "inbox" / form.filename))


def test_two_runs_write_identical_files(written: tuple[Path, QuarterPlan], tmp_path: Path) -> None:
    out, _ = written
    again = tmp_path / "again"
    generate(again)
    assert (again / "expected.json").read_text("utf-8") == (out / "expected.json").read_text("utf-8")
    names = sorted(p.name for p in (out / "inbox").iterdir())
    assert names == sorted(p.name for p in (again / "inbox").iterdir())
    for name in names:
        if name.endswith(".docx"):
            assert _docx_text(out / "inbox" / name) == _docx_text(again / "inbox" / name), name
        assert (out / "inbox" / name).read_bytes() == (again / "inbox" / name).read_bytes(), name
    assert (out / "roster.xlsx").read_bytes() == (again / "roster.xlsx").read_bytes()


def test_expected_json_lists_every_inbox_file(written: tuple[Path, QuarterPlan]) -> None:
    out, plan = written
    expected = json.loads((out / "expected.json").read_text("utf-8"))
    assert expected["files"] == sorted(p.name for p in (out / "inbox").iterdir())
    assert (expected["quarter"], expected["county"]) == ("2026Q3", "青川县")
    assert (expected["as_of"], expected["received"]) == ("2026-10-10", "2026-10-06")
    assert expected["findings"] == plan.expected_findings()
    assert len(expected["attendance"]) == len(plan.roster) * 3
    assert (out / "inbox" / "驻企照片说明.rtf").read_bytes().startswith(b"{\\rtf1")


def test_single_visit_forms_hold_the_planned_visit(written: tuple[Path, QuarterPlan]) -> None:
    out, plan = written
    for form in (f for f in plan.forms if f.family == "A"):
        (visit,) = form.visits
        document = _form_docx(out, form)
        header = next(p.text for p in document.paragraphs if "驻企时间：" in p.text)
        assert _parse_day(header.split("驻企时间：")[1], 2026) == visit.date, form.filename
        assert header.startswith(f"单位：{visit.unit}\u3000")
        values = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
        assert all(row.cells[1].text == row.cells[3].text for row in document.tables[0].rows)
        assert visit.instructor in values.values() and visit.content in values.values()
        assert visit.enterprise in values.values()
        assert values["企业负责人签字"] == (visit.signer if visit.signed else "")
        ticks = values["履行职责"]
        assert "\n" in ticks
        ticked = {name for name in DUTIES.values()
                  if f"■{name}" in ticks or f"☑{name}" in ticks or f"{name}（√）" in ticks}
        assert ticked == {DUTIES[code] for code in visit.duties}, form.filename


def test_monthly_sheets_hold_the_planned_rows(written: tuple[Path, QuarterPlan]) -> None:
    out, plan = written
    for form in (f for f in plan.forms if f.family == "B"):
        document = _form_docx(out, form)
        text = "\n".join(p.text for p in document.paragraphs)
        assert "（上月驻企工作情况记录表）" in text
        rows = document.tables[-1].rows
        assert rows[0].cells[0].text == "序号"
        assert len(rows) == 1 + len(form.visits) + blank_rows(form)
        for row, visit in zip(rows[1:], form.visits, strict=False):
            assert _parse_day(row.cells[1].text, 2026) == visit.date, form.filename
            assert row.cells[2].text == visit.content
            assert row.cells[4].text == (visit.signer if visit.signed else "")
            assert row.cells[3].text == "、".join(DUTIES[code] for code in visit.duties)


def test_monthly_sheets_end_with_numbered_blank_rows(written: tuple[Path, QuarterPlan]) -> None:
    out, plan = written
    monthly = [f for f in plan.forms if f.family == "B"]
    assert {blank_rows(f) for f in monthly} == {1, 2, 3}
    for form in monthly:
        rows = _form_docx(out, form).tables[-1].rows
        for number, row in enumerate(rows[1:], start=1):
            assert row.cells[0].text == str(number)
            blank = all(cell.text == "" for cell in row.cells[1:])
            assert blank == (number > len(form.visits)), (form.filename, number)


def test_forms_cover_every_layout(written: tuple[Path, QuarterPlan]) -> None:
    _, plan = written
    assert {f.layout for f in plan.forms if f.family == "A"} == {0, 1, 2}
    assert {f.layout for f in plan.forms if f.family == "B"} == {0, 1, 2, 3}
    assert len({f.filename for f in plan.forms}) == len(plan.forms)


def test_roster_matches_the_real_layout(written: tuple[Path, QuarterPlan]) -> None:
    out, plan = written
    workbook = openpyxl.load_workbook(out / "roster.xlsx")
    pairs, kinds, names = [], set(), []
    for ws in workbook.worksheets:
        assert ws["A1"].value == "附件1"
        assert ws["A2"].value == f"青川县{ws.title}非公企业党建工作指导员名单"
        assert str(ws["A3"].value).startswith("填报单位（盖章）：")
        assert tuple(c.value for c in ws[4]) == HEADER
        data = [row for row in ws.iter_rows(min_row=5, values_only=True) if isinstance(row[0], int)]
        note_row = 5 + len(data) + 1
        assert all(v is None for v in next(ws.iter_rows(min_row=note_row - 1, values_only=True)))
        assert str(ws.cell(row=note_row, column=1).value).startswith("注：1.每名指导员原则上联系1-2家非公企业；")
        assert f"A{note_row}:K{note_row + 1}" in {str(r) for r in ws.merged_cells.ranges}
        names += [row[1] for row in data]
        pairs += [(re.sub(r"\s", "", row[1]), row[8]) for row in data]
        kinds |= {type(row[3]) for row in data} | {type(row[4]) for row in data}
    assert len(workbook.worksheets) == 2
    assert pairs == [(row.name, row.enterprise) for row in plan.roster]
    assert kinds == {dt.datetime, str}
    assert any("\u3000" in name for name in names)


def test_planted_violations_are_expected(written: tuple[Path, QuarterPlan]) -> None:
    _, plan = written
    findings = plan.expected_findings()
    assert sorted(f["rule"] for f in findings) == sorted(PLANTED)
    by_rule = {f["rule"]: f for f in findings}
    assert (by_rule["DAYS_MIN"]["instructor"], by_rule["DAYS_MIN"]["month"]) == ("郑海燕", "2026-08")
    assert (by_rule["REPORT_MISSING"]["instructor"], by_rule["REPORT_MISSING"]["month"]) == ("孙丽娟", "2026-09")
    assert by_rule["UNKNOWN_INSTRUCTOR"]["instructor"] not in {row.name for row in plan.roster}
    assert len(by_rule["DUPLICATE"]["sources"]) == 2


def test_attendance_counts_distinct_days_per_roster_pair(written: tuple[Path, QuarterPlan]) -> None:
    _, plan = written
    table = {(name, ent, month): days for name, ent, month, days in plan.expected_attendance()}
    assert len(table) == len(plan.roster) * 3
    assert table[("郑海燕", "青川县金穗粮油有限公司", "2026-08")] == 3
    assert table[("孙丽娟", "青川县康源医药有限公司", "2026-09")] == 0
    duplicate = next(f for f in plan.expected_findings() if f["rule"] == "DUPLICATE")
    sent = [v for f in plan.forms for v in f.visits
            if (v.instructor, v.enterprise, v.month) == (duplicate["instructor"], duplicate["enterprise"], "2026-07")]
    assert table[(duplicate["instructor"], duplicate["enterprise"], "2026-07")] == len(sent) - 1
    planted = {("郑海燕", "2026-08"), ("孙丽娟", "2026-09")}
    assert all(4 <= days <= 7 for (name, _, month), days in table.items() if (name, month) not in planted)


@pytest.mark.parametrize("seed", [1, 7, 99])
def test_other_seeds_plant_the_same_rules(seed: int) -> None:
    plan = plan_quarter(seed)
    assert plan == plan_quarter(seed)
    assert sorted(f["rule"] for f in plan.expected_findings()) == sorted(PLANTED)
    assert plan.forms != plan_quarter(2026).forms
