"""The review loop round trip: export review.xlsx, fill it with openpyxl, apply, run again — the
rerun rebuilds findings, attendance and the packet from the ledger without reading a file again.
The ledger is seen through the store only (zhidao.store.Ledger and zhidao.store.queries), on
SQLite and on PostgreSQL (tests/conftest.py: ``backend``)."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest

from tests.conftest import Ledgers, read_jsonl
from tests.scan_support import SINGLE
from zhidao.errors import LedgerError
from zhidao.fixtures import scans
from zhidao.fixtures.demo import DemoPaths
from zhidao.fixtures.quarter import plan_quarter
from zhidao.fixtures.unfamiliar import write_unfamiliar_docx
from zhidao.fonts import register_cjk_font
from zhidao.pipeline.review import Correction, apply_corrections, review_items
from zhidao.store import Ledger
from zhidao.store import queries as q
from zhidao.store.ledger import current_reading_ids

ROSTER_ENTERPRISE = "青川县兴农农业开发有限公司"
LOCATION, FIELD, FIX, RECORD, CODE = 3, 7, 14, 15, 16  # review.xlsx columns (0-based)


def _zhidao(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zhidao.cli", *args], capture_output=True, text=True)


def _run(demo: DemoPaths, inbox: Path, out: Path, db: Path | str,
         command: str = "run") -> subprocess.CompletedProcess[str]:
    done = _zhidao(command, str(inbox), "--roster", str(demo.roster), "--quarter", demo.quarter, "--out", str(out),
                   "--db", str(db), "--as-of", demo.as_of.isoformat(), "--received", demo.received.isoformat(),
                   "--jobs", "1")
    assert done.returncode == 0, done.stderr
    return done


def _days(out: Path, name: str, month: str) -> int:
    with (out / "attendance.csv").open(encoding="utf-8-sig") as fh:
        return sum(int(r["days"]) for r in csv.DictReader(fh) if r["instructor"] == name and r["month"] == month)


def _sheet_rows(sheet: Path) -> list[tuple[object, ...]]:
    ws = openpyxl.load_workbook(sheet)["待核对"]
    return [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0]]


@pytest.fixture(scope="module")
def world(demo: DemoPaths, module_ledgers: Ledgers, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A small inbox: three demo forms, a late form with the enterprise left blank, a fax."""
    tmp = tmp_path_factory.mktemp("review")
    inbox = tmp / "inbox"
    inbox.mkdir()
    for path in sorted(demo.inbox.glob("*.docx"))[:3]:
        shutil.copy(path, inbox / path.name)
    visit = next(v for f in plan_quarter(2026).forms for v in f.visits if v.instructor == "马俊")
    blank = dataclasses.replace(visit, enterprise="", date=dt.date(2026, 9, 30), signed=True)
    write_unfamiliar_docx(inbox / "马俊补报.docx", blank, "2026年9月30日", "colon-labels")
    fax = scans.fax(scans.render_form(SINGLE, register_cjk_font()), np.random.default_rng(5))  # unsure values
    scans.write_png(inbox / "传真0001.png", fax)
    out, db = tmp / "out", module_ledgers.new()
    _run(demo, inbox, out, db)
    return {"inbox": inbox, "out": out, "db": db, "tmp": tmp}


def test_export_lists_the_values_to_check_with_pictures(world: dict[str, Any]) -> None:
    sheet = world["tmp"] / "review.xlsx"
    done = _zhidao("review", "export", "--out", str(sheet), "--db", str(world["db"]))
    assert done.returncode == 0, done.stderr
    rows = _sheet_rows(sheet)
    assert any(r[FIELD] == "驻企单位" and "马俊补报" in str(r[1]) for r in rows)
    with zipfile.ZipFile(sheet) as z:
        assert [n for n in z.namelist() if n.startswith("xl/media/")], "scanned values come with their picture"
    # the location is built from the typed provenance: page, then cell or line, then the box on a scan
    assert all(str(r[LOCATION]).startswith(f"p{r[2]}") for r in rows)
    assert any("传真0001" in str(r[1]) and "bbox " in str(r[LOCATION]) for r in rows)


def test_review_items_come_from_the_readings_the_latest_run_counted(world: dict[str, Any]) -> None:
    with Ledger(world["db"], create=False) as ledger:
        items = review_items(ledger, with_pictures=False)
        known = ledger.record_ids()
    assert items and {i.record_id for i in items} <= known
    assert all(len(i.sha256) == 64 and i.page >= 1 and 0.0 <= i.confidence <= 1.0 for i in items)
    assert [i.file for i in items] == sorted(i.file for i in items), "file by file"


def test_the_review_loop_without_re_reading(demo: DemoPaths, world: dict[str, Any]) -> None:
    """Issue 12, item 6: after `review apply`, `zhidao packet` (and `run`) rebuild findings,
    attendance and the packet from the ledger: the correction counts, no file is read again."""
    before_days = _days(world["out"], "马俊", "2026-09")
    before = {(f["rule"], f["instructor"]) for f in read_jsonl(world["out"] / "findings.jsonl")}
    assert ("FIELD_MISSING", "马俊") in before
    sheet = world["tmp"] / "review.xlsx"
    _zhidao("review", "export", "--out", str(sheet), "--db", str(world["db"]))
    wb = openpyxl.load_workbook(sheet)
    for row in wb["待核对"].iter_rows(min_row=2):
        if row[FIELD].value == "驻企单位" and "马俊补报" in str(row[1].value):
            row[FIX].value = ROSTER_ENTERPRISE
    wb.save(sheet)
    done = _zhidao("review", "apply", str(sheet), "--by", "王会计", "--db", str(world["db"]))
    assert done.returncode == 0, done.stderr
    with Ledger(world["db"], create=False) as ledger:
        [c] = ledger.corrections()
        readings = ledger.count("readings")
    assert (c.who, c.field, c.old, c.new) == ("王会计", "enterprise", None, ROSTER_ENTERPRISE)
    files = len(list(world["inbox"].iterdir()))

    for command in ("packet", "run"):  # the same files again: the correction survives, nothing is re-read
        again = world["tmp"] / f"out-{command}"
        done = _run(demo, world["inbox"], again, world["db"], command)
        manifest = json.loads((again / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["counts"]["files_reused"] == files
        assert all(f["reused"] for f in manifest["files"] if f["role"] == "inbox")
        assert f"其中 {files} 个沿用台账中已有的识别结果" in done.stdout
        with Ledger(world["db"], create=False) as ledger:
            assert ledger.count("readings") == readings, "no file was read again"
        after = {(f["rule"], f["instructor"]) for f in read_jsonl(again / "findings.jsonl")}
        assert ("FIELD_MISSING", "马俊") not in after
        assert _days(again, "马俊", "2026-09") == before_days + 1
        assert (again / "packet.xlsx").is_file() and (again / "packet.pdf").is_file()

    traced = _zhidao("trace", "马俊", "2026-09", "--db", str(world["db"]), "--format", "json")
    assert traced.returncode == 0, traced.stderr
    [fixed] = [r for r in json.loads(traced.stdout)["records"] if r["record_id"] == c.record_id]
    assert fixed["enterprise_written"] == ROSTER_ENTERPRISE and fixed["adds_day"]
    assert [x["applied"] for x in fixed["corrections"]] == [True]


def test_corrections_are_applied_in_one_transaction(world: dict[str, Any]) -> None:
    with Ledger(world["db"], create=False) as ledger:
        rid = sorted(ledger.record_ids())[0]
        count, head = ledger.count("corrections"), ledger.head()
        batch = [Correction(2, rid, "remarks", "核对时补充"), Correction(3, "0" * 16 + "-9", "remarks", "无")]
        with pytest.raises(LedgerError, match="RECORD_UNKNOWN"):
            apply_corrections(ledger, batch, "王会计")
        assert ledger.count("corrections") == count and ledger.head() == head, "all or nothing"


@pytest.mark.parametrize("spoil", ["header", "date"])
def test_a_spoiled_sheet_is_refused_and_changes_nothing(world: dict[str, Any], spoil: str) -> None:
    sheet = world["tmp"] / f"spoiled-{spoil}.xlsx"
    _zhidao("review", "export", "--all", "--out", str(sheet), "--db", str(world["db"]))
    wb = openpyxl.load_workbook(sheet)
    ws = wb["待核对"]
    if spoil == "header":
        ws.cell(1, 10).value = "编号"
        ws.cell(2, 9).value = "随便"
    else:
        target = next(r for r in ws.iter_rows(min_row=2) if r[CODE].value == "visit_date")
        target[FIX].value = "2026年13月45日"
    wb.save(sheet)
    with Ledger(world["db"], create=False) as ledger:
        count = ledger.count("corrections")
    done = _zhidao("review", "apply", str(sheet), "--by", "王会计", "--db", str(world["db"]))
    assert done.returncode != 0 and "REVIEW_SHEET_INVALID" in done.stderr and "未做任何更改" in done.stderr
    with Ledger(world["db"], create=False) as ledger:
        assert ledger.count("corrections") == count


def test_another_county_sees_nothing_of_this_one(world: dict[str, Any]) -> None:
    sheet = world["tmp"] / "other-county.xlsx"
    done = _zhidao("review", "export", "--out", str(sheet), "--db", str(world["db"]), "--county", "乙县")
    assert done.returncode == 5 and "LEDGER_EMPTY" in done.stderr and not sheet.exists()
    done = _zhidao("trace", "马俊", "2026-09", "--db", str(world["db"]), "--county", "乙县")
    assert done.returncode == 5 and "RUN_NOT_FOUND" in done.stderr
    with Ledger(world["db"], "乙县", create=False) as ledger:
        assert ledger.record_ids() == set() and ledger.count("corrections") == 0


def test_trace_shows_the_readings_its_run_counted(demo: DemoPaths, world: dict[str, Any]) -> None:
    """A later run of another quarter reads the files again (--reread): its readings become the
    current ones, yet the trace of September shows those the September run counted."""
    with Ledger(world["db"], create=False) as ledger, ledger.read() as conn:
        september = q.finished_runs(conn, "")[0]
        counted = {r.record_id: r.reading_id for r in q.run_records(conn, "", september.run_id, "马俊", "2026-09")}
    assert counted
    done = _zhidao("run", str(world["inbox"]), "--roster", str(demo.roster), "--quarter", "2026Q4", "--out",
                   str(world["tmp"] / "q4"), "--db", str(world["db"]), "--as-of", "2027-01-10", "--received",
                   demo.received.isoformat(), "--jobs", "1", "--reread")
    assert done.returncode == 0, done.stderr
    with Ledger(world["db"], create=False) as ledger, ledger.read() as conn:
        current = current_reading_ids(conn, "", list(counted))
    assert all(current[rid] != reading for rid, reading in counted.items()), "read again: new current readings"
    traced = _zhidao("trace", "马俊", "2026-09", "--db", str(world["db"]), "--format", "json")
    assert traced.returncode == 0, traced.stderr
    got = json.loads(traced.stdout)
    assert got["run_id"] == september.run_id
    assert {r["record_id"]: r["reading_id"] for r in got["records"]} == counted
