"""Issue 14, item 4: the packet tells the truth about what is unchecked. With open review items
the packet (xlsx and PDF) is marked 草稿（尚有 N 项待核对） on its cover, every page and every
sheet, with one N; a finding resting on an unchecked value is 待核对; a month with a received form
whose date is unchecked is 已报送·待核对, never 未报送. Once every item is checked, no mark."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import docx
import openpyxl
import pandas as pd
import pytest

from tests.conftest import read_jsonl
from zhidao import frames
from zhidao.fixtures.demo import DemoPaths
from zhidao.pipeline.review import review_items
from zhidao.reports.packet_data import MISSING, PENDING, UNCHECKED
from zhidao.store import Ledger
from zhidao.validate.corrections import (
    findings_with_check_status,
    pending_months,
    records_to_open_items,
    records_with_corrections,
)

HOME = "青川县恒信机械制造有限公司"  # 周文涛's enterprise on the demo roster


def _record(rid: str, source: str, review: str, **fields: object) -> dict[str, object]:
    return {"record_id": rid, "source": source, "review": review, **fields}  # the other columns: missing


def _finding(rule: str, instructor: str | None, month: str | None, date: str | None, sources: list[str]
             ) -> dict[str, object]:
    return {"rule": rule, "severity": "error", "instructor": instructor, "enterprise": None, "month": month,
            "date": date, "sources": json.dumps(sources, ensure_ascii=False), "message": rule}


def test_findings_resting_on_unchecked_values_are_marked() -> None:
    records = frames.RECORDS.frame([
        _record("a-1", "fax.png", "visit_date", instructor="许静", visit_date="2026-07-35", form_month="2026-07"),
        _record("b-1", "name.docx", "instructor", instructor="许晶", visit_date="2026-07-06", form_month="2026-07"),
        _record("c-1", "ok.docx", "", instructor="马俊", visit_date="2026-07-08", form_month="2026-07"),
        _record("d-1", "month.docx", "visit_date", instructor="周文涛", form_month=None),
    ])
    findings = pd.DataFrame([
        _finding("DATE_INVALID", "许静", "2026-07", None, ["fax.png"]),  # from the unchecked date
        _finding("UNKNOWN_INSTRUCTOR", "许晶", "2026-07", "2026-07-06", ["name.docx"]),  # the unchecked name
        _finding("UNSIGNED", "马俊", "2026-07", "2026-07-08", ["ok.docx"]),  # nothing open
        _finding("REPORT_MISSING", "周文涛", "2026-09", None, []),  # a form of his came, its month unknown
        _finding("REPORT_MISSING", "吴敏", "2026-09", None, []),  # nothing of hers came
    ])
    matches = frames.MATCHES.frame([{"record_id": "d-1", "instructor": "周文涛", "enterprise": HOME, "month": None,
                                     "status": "date_missing", "counted": False}])
    items = records_to_open_items(records, ("instructor", "visit_date"))
    assert [(i.record_id, i.field) for i in items] == [("a-1", "visit_date"), ("b-1", "instructor"),
                                                       ("d-1", "visit_date")]
    pending = pending_months(items, matches, ("2026-07", "2026-08", "2026-09"))
    assert ("周文涛", HOME, "2026-09") in pending and len(pending) == 3
    checked = findings_with_check_status(findings, items, pending)["checked"].tolist()
    assert checked == [False, False, True, False, True]
    assert findings_with_check_status(findings, [], frozenset())["checked"].all()


def test_a_confirmed_field_leaves_the_open_items() -> None:
    records = frames.RECORDS.frame([_record("a-1", "fax.png", "visit_date,signed", visit_date="2026-07-06")])

    class Confirmed:
        record_id, field, new = "a-1", "visit_date", "2026-07-06"

    items = records_to_open_items(records_with_corrections(records, [Confirmed()]), ("visit_date", "signed"))
    assert [i.field for i in items] == ["signed"]


def _write_form(path: Path, instructor: str, enterprise: str, date: str) -> None:
    document = docx.Document()
    document.add_paragraph("非公有制企业党建工作指导员驻企工作登记表")
    rows = [("派出单位：", "县审计局"), ("指导员：", instructor), ("驻企单位：", enterprise), ("驻企时间：", date),
            ("工作内容：", "查看党群活动室使用和台账情况。"), ("履行职责：", "✓建好党的组织"), ("存在问题：", "无"),
            ("企业负责人签字：", "张三"), ("报送日期：", "2026年9月2日")]
    table = document.add_table(rows=len(rows), cols=2)
    for r, (label, value) in enumerate(rows):
        table.cell(r, 0).text, table.cell(r, 1).text = label, value
    document.save(str(path))


def _run(demo: DemoPaths, inbox: Path, out: Path, db: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "zhidao.cli", "run", str(inbox), "--roster", str(demo.roster),
                           "--quarter", demo.quarter, "--out", str(out), "--db", str(db), "--as-of",
                           demo.as_of.isoformat(), "--received", demo.received.isoformat(), "--jobs", "1"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _pdf_pages(path: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [p for p in text.split("\f") if p.strip()]


@pytest.fixture(scope="module")
def runs(demo: DemoPaths, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A run with one open item (a fax-like form of 周文涛 whose date is only a month), then the
    same inbox after the item is confirmed."""
    tmp = tmp_path_factory.mktemp("draft")
    inbox = tmp / "inbox"
    inbox.mkdir()
    for path in sorted(demo.inbox.glob("*马俊*.docx"))[:2]:
        shutil.copy(path, inbox / path.name)
    _write_form(inbox / "传真日期不清.docx", "周文涛", HOME, "2026年8月")
    db = tmp / "zhidao.db"
    _run(demo, inbox, tmp / "draft", db)
    with Ledger(db, create=False) as ledger:
        [item] = review_items(ledger, with_pictures=False)  # what `review export` lists: the packet's N
        assert item.record_id.startswith(_sha_prefix(tmp / "draft", "传真日期不清")) and item.field == "visit_date"
        ledger.confirm(item.record_id, item.field, "王会计")
    _run(demo, inbox, tmp / "final", db)
    return {"draft": tmp / "draft", "final": tmp / "final"}


def _sha_prefix(out: Path, name: str) -> str:
    return next(r["id"].split("-")[0] for r in read_jsonl(out / "records.jsonl") if name in r["source"])


def test_a_packet_with_open_items_is_a_draft_everywhere(runs: dict[str, Path]) -> None:
    mark = "草稿（尚有 1 项待核对）"
    wb = openpyxl.load_workbook(runs["draft"] / "packet.xlsx")
    for ws in wb:
        assert mark in str(ws["A1"].value), f"{ws.title}: the first row"
        assert ws.oddHeader.center.text == mark, f"{ws.title}: the printed header"
    overview = {r[0]: r[1] for r in wb["概览"].iter_rows(min_row=3, values_only=True) if r[0]}
    assert overview["待核对项数（尚未经人核对的数值）"] == 1 and overview["材料状态"] == mark
    pages = _pdf_pages(runs["draft"] / "packet.pdf")
    assert all(mark in page for page in pages), "the cover and every page"
    assert "草稿（尚有" not in "".join(pages).replace(mark, ""), "one N everywhere"


def test_a_month_received_but_unchecked_is_not_missing(runs: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(runs["draft"] / "packet.xlsx")
    [days] = [r for r in wb["驻企天数"].iter_rows(min_row=3, values_only=True) if r[0] == "周文涛"]
    assert MISSING not in days and days[2:5] == (PENDING, PENDING, PENDING)
    statuses = {r[2] for r in wb["报送情况"].iter_rows(min_row=3, values_only=True) if r[0] == "周文涛"}
    assert statuses == {PENDING}
    findings = read_jsonl(runs["draft"] / "findings.jsonl")
    assert all(list(f)[:8] == ["rule", "severity", "instructor", "enterprise", "month", "date", "sources",
                               "message"] for f in findings), "the SPEC keys first, as they were"
    mine = [f for f in findings if f["instructor"] == "周文涛"]
    assert mine and all(f["checked"] is False for f in mine), "his missing reports rest on the unchecked date"
    assert all(f["checked"] for f in findings if f["instructor"] != "周文涛")
    sheet = [r for r in wb["核查发现"].iter_rows(min_row=3, values_only=True) if r[0]]
    assert sorted(r[2] for r in sheet if r[8] == UNCHECKED) == sorted(f["instructor"] for f in mine)
    text = "".join(_pdf_pages(runs["draft"] / "packet.pdf"))
    assert f"（{UNCHECKED}）周文涛" in text and PENDING in text


def test_a_packet_with_every_item_checked_is_not_a_draft(runs: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(runs["final"] / "packet.xlsx")
    cells = " ".join(str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v)
    assert "草稿" not in cells and PENDING not in cells and UNCHECKED not in cells.replace("待核对项数", "")
    assert all(not ws.oddHeader.center.text for ws in wb)
    assert "草稿" not in "".join(_pdf_pages(runs["final"] / "packet.pdf"))
    assert all(f["checked"] for f in read_jsonl(runs["final"] / "findings.jsonl"))
