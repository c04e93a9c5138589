"""Issue 14, item 3: the Excel review loop with full powers — 确认无误 closes an item, every field of
a record can be exported and corrected, values typed where no input belongs are reported with
their rows and nothing is recorded, a sheet applied twice records nothing new and says so.
Real review.xlsx files (openpyxl), a real ledger (SQLite and PostgreSQL: tests/conftest.py's
``backend``), real runs of a small inbox made from the demo."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest

from tests.conftest import Ledgers, read_jsonl
from zhidao.fixtures.demo import DemoPaths
from zhidao.fixtures.form_xlsx import write_forms_xlsx
from zhidao.fixtures.quarter import plan_quarter
from zhidao.reports.review_xlsx import HEADER
from zhidao.store import Ledger

COL = {h: i for i, h in enumerate(HEADER)}  # 0-based columns of 待核对
HOME = "青川县恒信机械制造有限公司"  # 周文涛's enterprise on the demo roster
ELSEWHERE = "青川县宏达建材有限公司"  # another instructor's


def write_form(path: Path, instructor: str, enterprise: str, date: str, report: str = "2026年9月2日") -> None:
    """A one-visit work record (label：value rows) with the texts as given."""
    document = docx.Document()
    document.add_paragraph("非公有制企业党建工作指导员驻企工作登记表")
    rows = [("派出单位：", "县审计局"), ("指导员：", instructor), ("驻企单位：", enterprise), ("驻企时间：", date),
            ("工作内容：", "查看党群活动室使用和台账情况。"), ("履行职责：", "✓建好党的组织"), ("存在问题：", "无"),
            ("企业负责人签字：", "张三"), ("报送日期：", report)]
    table = document.add_table(rows=len(rows), cols=2)
    for r, (label, value) in enumerate(rows):
        table.cell(r, 0).text, table.cell(r, 1).text = label, value
    document.save(str(path))


def zhidao(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zhidao.cli", *args], capture_output=True, text=True)


def run(demo: DemoPaths, inbox: Path, out: Path, db: Path | str) -> None:
    done = zhidao("run", str(inbox), "--roster", str(demo.roster), "--quarter", demo.quarter, "--out", str(out),
                  "--db", str(db), "--as-of", demo.as_of.isoformat(), "--received", demo.received.isoformat(),
                  "--jobs", "1")
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def world(demo: DemoPaths, module_ledgers: Ledgers, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two demo forms, a form whose date is only a month (its date to review), and a form of
    周文涛 at another instructor's enterprise (read with full confidence: nothing flagged), and a
    form typed in Excel."""
    tmp = tmp_path_factory.mktemp("loop")
    inbox = tmp / "inbox"
    inbox.mkdir()
    for path in sorted(demo.inbox.glob("*马俊*.docx"))[:2]:
        shutil.copy(path, inbox / path.name)
    write_form(inbox / "日期不清.docx", "周文涛", HOME, "2026年8月")
    write_forms_xlsx(inbox / "表格记录.xlsx", [next(f for f in plan_quarter(2026).forms if f.family == "A")])
    write_form(inbox / "企业写错.docx", "周文涛", ELSEWHERE, "2026-08-12")
    db = module_ledgers.new()
    run(demo, inbox, tmp / "out", db)
    return {"inbox": inbox, "out": tmp / "out", "db": db, "tmp": tmp}


@pytest.fixture
def db(world: dict[str, Any], ledgers: Ledgers) -> Path | str:
    """The world's ledger, copied: each test corrects its own."""
    return ledgers.copy(world["db"])


def export(db: Path | str, sheet: Path, *scope: str) -> list[tuple[object, ...]]:
    done = zhidao("review", "export", "--out", str(sheet), "--db", str(db), *scope)
    assert done.returncode == 0, done.stderr
    return [r for r in openpyxl.load_workbook(sheet)["待核对"].iter_rows(min_row=2, values_only=True) if r[0]]


def fill(sheet: Path, rule: dict[tuple[str, str], dict[str, str]]) -> None:
    """(file part, field code) → {column: value} typed into the sheet's rows."""
    wb = openpyxl.load_workbook(sheet)
    for row in wb["待核对"].iter_rows(min_row=2):
        for (part, code), cells in rule.items():
            if part in str(row[COL["文件"]].value) and row[COL["栏目代码"]].value == code:
                for column, value in cells.items():
                    row[COL[column]].value = value
    wb.save(sheet)


def apply(db: Path | str, sheet: Path) -> subprocess.CompletedProcess[str]:
    return zhidao("review", "apply", str(sheet), "--by", "王会计", "--db", str(db))


def corrections(db: Path | str) -> int:
    with Ledger(db, create=False) as ledger:
        return ledger.count("corrections")


def test_export_all_has_every_field_context_dropdowns_and_locks(world: dict[str, Any], tmp_path: Path) -> None:
    sheet = tmp_path / "all.xlsx"
    rows = export(world["db"], sheet, "--all")
    records = read_jsonl(world["out"] / "records.jsonl")
    assert len(rows) == 10 * len(records), "every field of every record of the latest run"
    flagged = [r for r in rows if r[COL["状态"]] == "待核对"]
    assert [(r[COL["栏目代码"]], "日期不清" in str(r[COL["文件"]])) for r in flagged] == [("visit_date", True)]
    date = flagged[0]
    assert date[COL["原文"]] == "2026年8月" and "单元格原文：2026年8月" in str(date[COL["位置"]])
    assert (date[COL["指导员"]], date[COL["驻企单位"]]) == ("周文涛", HOME)
    unit = next(r for r in rows if "表格记录" in str(r[COL["文件"]]) and r[COL["栏目代码"]] == "unit")
    assert "!" in str(unit[COL["位置"]]) and "（单元格原文：单位：" in str(unit[COL["位置"]]), "the Excel cell's text"
    wb = openpyxl.load_workbook(sheet)
    assert wb.sheetnames[:2] == ["使用说明", "待核对"] and "确认无误" in str(wb["使用说明"]["A6"].value)
    ws = wb["待核对"]
    assert ws.protection.sheet
    assert not ws.cell(2, COL["核对结果"] + 1).protection.locked and not ws.cell(2, COL["更正为"] + 1).protection.locked
    assert ws.cell(2, COL["记录编号"] + 1).protection.locked and ws.cell(2, COL["栏目代码"] + 1).protection.locked
    lists = {dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert lists == {'"确认无误,更正"', '"是,否"'}
    assert any("1" in (dv.prompt or "") for dv in ws.data_validations.dataValidation), "the duties' 1..6 hint"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$1:$1" and ws.sheet_properties.pageSetUpPr.fitToPage


def test_confirm_closes_an_item(db: Path | str, tmp_path: Path) -> None:
    sheet = tmp_path / "review.xlsx"
    [row] = export(db, sheet)
    assert row[COL["栏目代码"]] == "visit_date"
    fill(sheet, {("日期不清", "visit_date"): {"核对结果": "确认无误"}})
    done = apply(db, sheet)
    assert done.returncode == 0, done.stderr
    assert "已记录 0 项更正、1 项确认、0 项未填写" in done.stdout
    with Ledger(db, create=False) as ledger:
        [c] = ledger.corrections()
    assert c.confirmed and c.who == "王会计" and "确认无误" in (c.reason or "")
    assert export(db, tmp_path / "again.xlsx") == [], "a confirmed value is not asked again"


def test_a_value_in_a_wrong_column_is_reported_and_nothing_recorded(db: Path | str, tmp_path: Path) -> None:
    sheet = tmp_path / "wrong.xlsx"
    rows = export(db, sheet, "--file", "企业写错")
    fill(sheet, {("企业写错", "enterprise"): {"识别结果": HOME},  # typed over the value read
                 ("企业写错", "unit"): {"核对结果": "确认无误"}})
    wrong = 2 + next(i for i, r in enumerate(rows) if r[COL["栏目代码"]] == "enterprise")
    done = apply(db, sheet)
    assert done.returncode != 0 and "REVIEW_SHEET_INVALID" in done.stderr
    assert f"第{wrong}行" in done.stderr and "识别结果" in done.stderr and "未做任何更改" in done.stderr
    assert corrections(db) == 0


def test_applying_a_sheet_twice_records_nothing_new(db: Path | str, tmp_path: Path) -> None:
    sheet = tmp_path / "twice.xlsx"
    rows = export(db, sheet, "--instructor", "周文涛")
    fill(sheet, {("企业写错", "content"): {"核对结果": "确认无误"}, ("企业写错", "duties"): {"更正为": "1、3"}})
    first = apply(db, sheet)
    assert first.returncode == 0, first.stderr
    assert f"已记录 1 项更正、1 项确认、{len(rows) - 2} 项未填写" in first.stdout
    second = apply(db, sheet)
    assert second.returncode == 0, second.stderr
    assert "没有新的更正或确认" in second.stdout and "本核对表已导入过" in second.stdout
    assert "已记录 0 项更正、0 项确认" in second.stdout
    assert corrections(db) == 2
    with Ledger(db, create=False) as ledger:
        duties = next(c for c in ledger.corrections() if c.field == "duties")
    assert duties.new == "D1,D3" and "核对表" in (duties.reason or "")


def test_an_unflagged_field_corrected_through_export_all(demo: DemoPaths, world: dict[str, Any], db: Path | str,
                                                         tmp_path: Path) -> None:
    """The enterprise read with full confidence is wrong: corrected from `export --all`, the
    rerun counts the day at the roster enterprise and the mismatch finding is gone."""
    before = read_jsonl(world["out"] / "findings.jsonl")
    assert any(f["rule"] == "ENTERPRISE_MISMATCH" and f["instructor"] == "周文涛" for f in before)
    sheet = tmp_path / "all.xlsx"
    rows = export(db, sheet, "--all")
    assert not any(r[COL["状态"]] for r in rows if "企业写错" in str(r[COL["文件"]])), "nothing flagged there"
    fill(sheet, {("企业写错", "enterprise"): {"更正为": HOME}})
    done = apply(db, sheet)
    assert done.returncode == 0 and "已记录 1 项更正" in done.stdout, done.stderr
    out = tmp_path / "out"
    run(demo, world["inbox"], out, db)
    after = read_jsonl(out / "findings.jsonl")
    assert not any(f["rule"] == "ENTERPRISE_MISMATCH" for f in after)
    with (out / "attendance.csv").open(encoding="utf-8-sig") as fh:
        days = {(r["instructor"], r["enterprise"], r["month"]): int(r["days"]) for r in csv.DictReader(fh)}
    assert days[("周文涛", HOME, "2026-08")] == 1
