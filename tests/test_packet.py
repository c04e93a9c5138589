"""The meeting packet (packet.xlsx + packet.pdf) agrees with the run's machine outputs."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pdfplumber
import pytest

from tests.conftest import read_jsonl
from zhidao.fixtures.demo import DemoPaths
from zhidao.reports.packet_data import MISSING, mask_phone
from zhidao.reports.packet_xlsx import SHEETS


@pytest.fixture(scope="module")
def out(demo: DemoPaths, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("packet") / "out"
    subprocess.run([sys.executable, "-m", "zhidao.cli", "demo", "--out", str(folder)], check=True,
                   capture_output=True)
    return folder


def _attendance(out: Path) -> dict[tuple[str, str, str], int]:
    with (out / "attendance.csv").open(encoding="utf-8-sig") as fh:
        return {(r["instructor"], r["enterprise"], r["month"]): int(r["days"]) for r in csv.DictReader(fh)}


def test_days_sheet_equals_attendance_csv(out: Path) -> None:
    wb = openpyxl.load_workbook(out / "packet.xlsx")
    assert wb.sheetnames == list(SHEETS)
    ws = wb["驻企天数"]
    months = ["2026-07", "2026-08", "2026-09"]
    attendance = _attendance(out)
    seen = 0
    for row in ws.iter_rows(min_row=3, values_only=True):
        if not row[0]:
            break
        name, enterprise, *cells, total = row[: 3 + len(months)]
        for month, cell in zip(months, cells, strict=True):
            days = attendance[(name, enterprise, month)]
            assert cell == days or (cell == MISSING and days == 0)
            seen += 1
        assert total == sum(attendance[(name, enterprise, m)] for m in months)
    assert seen == len(attendance)
    assert ws._charts, "a native Excel chart of days per instructor per month"


def test_a_month_with_no_record_shows_as_missing_not_zero(out: Path) -> None:
    ws = openpyxl.load_workbook(out / "packet.xlsx")["驻企天数"]
    missing = {f["instructor"] for f in read_jsonl(out / "findings.jsonl") if f["rule"] == "REPORT_MISSING"}
    assert missing
    for row in ws.iter_rows(min_row=3, values_only=True):
        if row[0] in missing:
            assert MISSING in row and 0 not in row[2:5]


def test_findings_sheet_equals_findings_jsonl(out: Path) -> None:
    ws = openpyxl.load_workbook(out / "packet.xlsx")["核查发现"]
    rows = [r for r in ws.iter_rows(min_row=3, values_only=True) if r[0]]
    findings = read_jsonl(out / "findings.jsonl")
    assert len(rows) == len(findings)
    assert sorted(r[6] for r in rows) == sorted(f["message"] for f in findings)


def test_phone_numbers_are_masked(out: Path) -> None:
    wb = openpyxl.load_workbook(out / "packet.xlsx")
    text = " ".join(str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v)
    with pdfplumber.open(out / "packet.pdf") as pdf:
        text += " ".join(page.extract_text() or "" for page in pdf.pages)
    phones = [c.value for c in openpyxl.load_workbook(out / "packet.xlsx")["签到表"]["E"][2:] if c.value]
    assert phones and all("****" in p for p in phones)
    assert "13808391526" not in text  # an instructor's full number from the demo roster
    assert mask_phone("13808391526") == "138****1526"


def test_pdf_names_every_instructor(out: Path) -> None:
    wb = openpyxl.load_workbook(out / "packet.xlsx")
    names = {r[1] for r in wb["签到表"].iter_rows(min_row=3, values_only=True) if r[1]}
    with pdfplumber.open(out / "packet.pdf") as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
        assert len(pdf.pages) >= 1 + len(names)
    assert names and all(f"{name}　工作汇报提纲" in text or name in text for name in names)
    assert all(f"{name}" in text for name in names)


def test_libreoffice_opens_the_workbook(out: Path, tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is installed by scripts/install.sh"
    shutil.copyfile(out / "packet.xlsx", tmp_path / "packet.xlsx")
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "packet.xlsx")],
                   check=True, capture_output=True, timeout=180)
    with pdfplumber.open(tmp_path / "packet.pdf") as pdf:
        assert len(pdf.pages) >= len(SHEETS)
        assert "驻企天数" in "".join(p.extract_text() or "" for p in pdf.pages)


def test_halfyear_packet_has_summaries_and_assessor_inputs_but_no_grade(demo: DemoPaths, tmp_path: Path) -> None:
    out = tmp_path / "h2"
    subprocess.run([sys.executable, "-m", "zhidao.cli", "halfyear", "2026H2", str(demo.inbox), "--roster",
                    str(demo.roster), "--out", str(out), "--db", str(tmp_path / "z.db"), "--as-of", "2027-01-20",
                    "--received", demo.received.isoformat(), "--jobs", "1"], check=True, capture_output=True)
    wb = openpyxl.load_workbook(out / "packet.xlsx")
    assert {"半年总结", "考核参考"} <= set(wb.sheetnames)
    days = wb["驻企天数"]
    assert [c.value for c in days[2]][2:8] == ["7月", "8月", "9月", "10月", "11月", "12月"]
    inputs = [r for r in wb["考核参考"].iter_rows(min_row=3, values_only=True) if r[0]]
    attendance = _attendance(out)
    for name, total, *_ in inputs:
        assert total == sum(v for (n, _, _), v in attendance.items() if n == name)
    header = [c.value for c in wb["考核参考"][2]]
    assert not any(word in "".join(map(str, header)) for word in ("等次", "评分", "得分", "优秀"))
