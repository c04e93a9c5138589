"""The monthly check: `zhidao run --month` on the demo data writes the 月度通报 (notice.xlsx and
notice.pdf) whose lists are the run's findings of that month, each naming its file."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import read_jsonl
from zhidao.context import Quarter
from zhidao.dates import date_zh, today_in_china
from zhidao.errors import ConfigError
from zhidao.fixtures.demo import DemoPaths
from zhidao.reports.notice_xlsx import NOTICE_SHEETS

MONTHS = ("2026-07", "2026-08", "2026-09")
ISSUER = "中共青川县委组织部"


def _zhidao(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zhidao.cli", *args], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def months(demo: DemoPaths, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo's three months checked one by one on one ledger (the second and third reuse the
    first one's readings), as on 2026-10-10."""
    tmp = tmp_path_factory.mktemp("monthly")
    outs = {}
    for i, month in enumerate(MONTHS):
        out = tmp / month
        written = month if i else "2026年7月"  # the Chinese form too
        done = _zhidao("run", str(demo.inbox), "--roster", str(demo.roster), "--month", written,
                       "--as-of", "2026-10-10", "--received", str(demo.received), "--out", str(out),
                       "--db", str(tmp / "zhidao.db"), "--issuer", ISSUER)
        assert done.returncode == 0, done.stderr
        (out / "stdout.txt").write_text(done.stdout, encoding="utf-8")
        outs[month] = out
    return outs


def _sheet(out: Path, name: str) -> list[tuple[object, ...]]:
    ws = openpyxl.load_workbook(out / "notice.xlsx")[name]
    return [row for row in ws.iter_rows(min_row=3, values_only=True) if any(v is not None for v in row)]


def _findings(out: Path, rule: str, month: str) -> list[dict[str, object]]:
    return [f for f in read_jsonl(out / "findings.jsonl") if f["rule"] == rule and f["month"] == month]


def test_a_monthly_run_writes_the_notice_not_the_packet(months: dict[str, Path]) -> None:
    for month, out in months.items():
        assert (out / "notice.xlsx").is_file() and (out / "notice.pdf").is_file()
        assert not (out / "packet.xlsx").exists() and not (out / "packet.pdf").exists()
        assert openpyxl.load_workbook(out / "notice.xlsx").sheetnames == list(NOTICE_SHEETS)
        stdout = (out / "stdout.txt").read_text(encoding="utf-8")
        assert f"月度通报：{out / 'notice.xlsx'}" in stdout
        # OUT/run.log, its times in Asia/Shanghai
        first = (out / "run.log").read_text(encoding="utf-8").splitlines()[0]
        assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+08:00 INFO zhidao: zhidao run", first), first
        # findings of the month only (and none of another month of the quarter)
        assert {f["month"] for f in read_jsonl(out / "findings.jsonl")} <= {month, None}


def test_the_lists_are_the_months_findings(months: dict[str, Path]) -> None:
    seen = set()
    for month, out in months.items():
        under = _sheet(out, "驻企天数不足")
        assert sorted((str(r[0]), str(r[2])) for r in under) == sorted(
            (str(f["instructor"]), str(f["enterprise"])) for f in _findings(out, "DAYS_MIN", month))
        missing = _sheet(out, "未报送")
        assert sorted(str(r[0]) for r in missing) == sorted(
            str(f["instructor"]) for f in _findings(out, "REPORT_MISSING", month))
        late = _sheet(out, "逾期报送")
        assert sorted(str(r[0]) for r in late) == sorted(
            str(f["instructor"]) for f in _findings(out, "REPORT_LATE", month))
        unsigned = _sheet(out, "未签字")
        assert sorted((str(r[0]), str(r[1])) for r in unsigned) == sorted(
            (str(f["instructor"]), str(f["enterprise"])) for f in _findings(out, "UNSIGNED", month))
        # every listed row names the file it rests on by its name, not a machine path
        for row in [*under, *unsigned]:
            files = str(row[-2 if row in under else 3]).split("；")
            assert files and all(f and "/" not in f and Path(f).suffix for f in files)
        seen |= {name for name, rows in (("under", under), ("missing", missing), ("late", late),
                                         ("unsigned", unsigned)) if rows}
    assert seen == {"under", "missing", "late", "unsigned"}, "the demo quarter has each kind in some month"


def test_everyone_sheet_agrees_with_attendance_csv(months: dict[str, Path]) -> None:
    for month, out in months.items():
        with (out / "attendance.csv").open(encoding="utf-8-sig") as fh:
            days = {(r["instructor"], r["enterprise"]): int(r["days"]) for r in csv.DictReader(fh)
                    if r["month"] == month}
        rows = _sheet(out, "全体情况")
        assert len(rows) == len(days)
        for name, _unit, enterprise, cell, _status, verdict in rows:
            if isinstance(cell, int):
                assert cell == days[(name, enterprise)]
                assert verdict == ("达标" if cell >= 4 else "不足")
            else:
                assert days[(name, enterprise)] == 0 and cell == "未报送"


def test_the_pdf_is_a_notice_with_issuer_and_chinese_date(months: dict[str, Path]) -> None:
    out = months["2026-08"]
    text = subprocess.run(["pdftotext", "-layout", str(out / "notice.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "2026年8月驻企工作情况通报" in text and ISSUER in text and date_zh(today_in_china()) in text
    for f in _findings(out, "DAYS_MIN", "2026-08"):
        assert str(f["instructor"]) in text
    assert "不足 1 个（郑海燕）" in text.replace("\n", "") or len(_findings(out, "DAYS_MIN", "2026-08")) != 1
    pages = text.rstrip("\f").split("\f")
    for n, page in enumerate(pages, start=1):  # no cover: every page numbered, the title in its header
        assert f"第 {n} 页 共 {len(pages)} 页" in page and "驻企工作情况通报" in page.splitlines()[0]


def test_the_notice_is_issued_on_the_ledger(months: dict[str, Path]) -> None:
    out = months["2026-09"]
    done = _zhidao("audit", "verify", "--db", str(out.parent / "zhidao.db"), "--anchor", str(out / "notice.pdf"),
                   "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "notice.pdf 与印发时一致" in done.stdout and "notice.xlsx 与印发时一致" in done.stdout
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["quarter"] == "2026-09"


def test_other_months_of_the_quarter_are_not_put_in_review(months: dict[str, Path]) -> None:
    """An inbox collected over the quarter holds July's and August's forms: in September's
    check their dates are not misreadings."""
    out = months["2026-09"]
    flagged = [r for r in read_jsonl(out / "records.jsonl") if "visit_date" in (r.get("review") or [])]
    assert not [r for r in flagged if "period.visit_date" in json.dumps(r.get("steps") or {})]
    assert "草稿" not in "".join(str(v) for row in _sheet(out, "通报") for v in row if v)


def test_month_forms_and_usage_errors(demo: DemoPaths, tmp_path: Path) -> None:
    for text in ("2026-10", "2026/10", "2026.10", "2026年10月", "202610", "２０２６年１０月"):
        assert Quarter.parse_month(text) == Quarter(2026, 10, "M")
    assert Quarter.parse_month("2026-10").months == ("2026-10",)
    assert Quarter.parse_month("2026-10").label == "2026年10月"
    assert Quarter.stored("2026-10") == Quarter(2026, 10, "M") and Quarter.stored("2026Q3") == Quarter(2026, 3)
    with pytest.raises(ConfigError, match="月份格式不对"):
        Quarter.parse_month("2026-13")
    base = ["run", str(demo.inbox), "--roster", str(demo.roster), "--out", str(tmp_path / "o"),
            "--db", str(tmp_path / "z.db")]
    both = _zhidao(*base, "--quarter", "2026Q3", "--month", "2026-08")
    neither = _zhidao(*base)
    for done in (both, neither):
        assert done.returncode == 2 and "二者选一" in done.stderr
    bad = _zhidao(*base, "--month", "十月")
    assert bad.returncode == 4 and "月份格式不对" in bad.stderr
    assert not (tmp_path / "o").exists()


def test_issuer_and_meeting_from_the_profile_and_the_options(tmp_path: Path) -> None:
    from zhidao.cli import _profile

    rules = tmp_path / "青川县.toml"
    rules.write_text('name = "青川县方案"\n[packet]\nissuer = "中共青川县委组织部"\n'
                     'meeting = "全县非公企业党建指导员季度例会"\n', encoding="utf-8")
    shown = _zhidao("rules", "show", "--rules", str(rules))
    assert shown.returncode == 0 and "发文单位：中共青川县委组织部" in shown.stdout
    assert "会议名称：全县非公企业党建指导员季度例会" in shown.stdout
    assert _profile(rules, None, None).issuer == "中共青川县委组织部"
    overridden = _profile(rules, " 青川县委办 ", "第三季度交流会")
    assert (overridden.issuer, overridden.meeting) == ("青川县委办", "第三季度交流会")
    bad = tmp_path / "bad.toml"
    bad.write_text("[packet]\nissuer = 3\n", encoding="utf-8")
    refused = _zhidao("rules", "show", "--rules", str(bad))
    assert refused.returncode == 4 and "issuer" in refused.stderr
