"""The review loop round trip: export review.xlsx, fill it with openpyxl, apply, run again."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from tests.conftest import read_jsonl
from tests.scan_support import SINGLE
from zhidao.fixtures import scans
from zhidao.fixtures.demo import DemoPaths
from zhidao.fixtures.quarter import plan_quarter
from zhidao.fixtures.unfamiliar import write_unfamiliar_docx
from zhidao.fonts import register_cjk_font

ROSTER_ENTERPRISE = "青川县兴农农业开发有限公司"


def _zhidao(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zhidao.cli", *args], capture_output=True, text=True)


def _run(demo: DemoPaths, inbox: Path, out: Path, db: Path) -> None:
    done = _zhidao("run", str(inbox), "--roster", str(demo.roster), "--quarter", demo.quarter, "--out", str(out),
                   "--db", str(db), "--as-of", demo.as_of.isoformat(), "--received", demo.received.isoformat(),
                   "--jobs", "1")
    assert done.returncode == 0, done.stderr


def _days(out: Path, name: str, month: str) -> int:
    with (out / "attendance.csv").open(encoding="utf-8") as fh:
        return sum(int(r["days"]) for r in csv.DictReader(fh) if r["instructor"] == name and r["month"] == month)


@pytest.fixture(scope="module")
def world(demo: DemoPaths, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("review")
    inbox = tmp / "inbox"
    shutil.copytree(demo.inbox, inbox)
    visit = next(v for f in plan_quarter(2026).forms for v in f.visits if v.instructor == "马俊")
    blank = dataclasses.replace(visit, enterprise="", date=dt.date(2026, 9, 30), signed=True)
    write_unfamiliar_docx(inbox / "马俊补报.docx", blank, "2026年9月30日", "colon-labels")
    fax = scans.fax(scans.render_form(SINGLE, register_cjk_font()), np.random.default_rng(5))  # unsure values
    scans.write_png(inbox / "传真0001.png", fax)
    out, db = tmp / "out", tmp / "zhidao.db"
    _run(demo, inbox, out, db)
    return {"inbox": inbox, "out": out, "db": db, "tmp": tmp}


def test_export_lists_the_values_to_check_with_pictures(world: dict[str, Path]) -> None:
    sheet = world["tmp"] / "review.xlsx"
    done = _zhidao("review", "export", "--out", str(sheet), "--db", str(world["db"]))
    assert done.returncode == 0, done.stderr
    ws = openpyxl.load_workbook(sheet)["待核对"]
    rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0]]
    assert any(r[4] == "驻企单位" and "马俊补报" in r[1] for r in rows)
    with zipfile.ZipFile(sheet) as z:
        assert [n for n in z.namelist() if n.startswith("xl/media/")], "scanned values come with their picture"


def test_corrections_change_findings_and_attendance(demo: DemoPaths, world: dict[str, Path]) -> None:
    before_days = _days(world["out"], "马俊", "2026-09")
    before = {(f["rule"], f["instructor"]) for f in read_jsonl(world["out"] / "findings.jsonl")}
    assert ("FIELD_MISSING", "马俊") in before
    sheet = world["tmp"] / "review.xlsx"
    _zhidao("review", "export", "--out", str(sheet), "--db", str(world["db"]))
    wb = openpyxl.load_workbook(sheet)
    ws = wb["待核对"]
    for row in ws.iter_rows(min_row=2):
        if row[4].value == "驻企单位" and "马俊补报" in str(row[1].value):
            row[8].value = ROSTER_ENTERPRISE
    wb.save(sheet)
    done = _zhidao("review", "apply", str(sheet), "--by", "王会计", "--db", str(world["db"]))
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(world["db"]) as conn:
        [(who, field, old, new)] = conn.execute("SELECT who, field, old, new FROM corrections").fetchall()
    assert (who, field, old, new) == ("王会计", "enterprise", None, ROSTER_ENTERPRISE)
    again = world["tmp"] / "out2"
    _run(demo, world["inbox"], again, world["db"])  # the same files again: the correction survives
    after = {(f["rule"], f["instructor"]) for f in read_jsonl(again / "findings.jsonl")}
    assert ("FIELD_MISSING", "马俊") not in after
    assert _days(again, "马俊", "2026-09") == before_days + 1


@pytest.mark.parametrize("spoil", ["header", "date"])
def test_a_spoiled_sheet_is_refused_and_changes_nothing(world: dict[str, Path], spoil: str) -> None:
    sheet = world["tmp"] / f"spoiled-{spoil}.xlsx"
    _zhidao("review", "export", "--out", str(sheet), "--db", str(world["db"]))
    wb = openpyxl.load_workbook(sheet)
    ws = wb["待核对"]
    if spoil == "header":
        ws.cell(1, 10).value = "编号"
        ws.cell(2, 9).value = "随便"
    else:
        target = next(r for r in ws.iter_rows(min_row=2) if r[0].value)
        target[10].value = "visit_date"
        target[8].value = "2026年13月45日"
    wb.save(sheet)
    with sqlite3.connect(world["db"]) as conn:
        count = conn.execute("SELECT COUNT(*) FROM corrections").fetchone()[0]
    done = _zhidao("review", "apply", str(sheet), "--by", "王会计", "--db", str(world["db"]))
    assert done.returncode != 0 and "REVIEW_SHEET_INVALID" in done.stderr and "未做任何更改" in done.stderr
    with sqlite3.connect(world["db"]) as conn:
        assert conn.execute("SELECT COUNT(*) FROM corrections").fetchone()[0] == count
