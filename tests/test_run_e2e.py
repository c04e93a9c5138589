"""End to end: `zhidao run` on the demo quarter, against the generator's own plan, into an SQLite
ledger and into a PostgreSQL one (``--db postgresql://…``; tests/conftest.py: ``backend``)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Ledgers, read_jsonl
from zhidao.fixtures.demo import DemoPaths
from zhidao.store import Ledger
from zhidao.store import queries as q


def _run(demo: DemoPaths, out: Path, db: Path | str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "zhidao.cli", "run", str(demo.inbox), "--roster", str(demo.roster),
           "--quarter", demo.quarter, "--out", str(out), "--db", str(db),
           "--as-of", demo.as_of.isoformat(), "--received", demo.received.isoformat()]
    return subprocess.run(cmd, capture_output=True, text=True, check=True)


@pytest.fixture(scope="module")
def first_run(demo: DemoPaths, module_ledgers: Ledgers, tmp_path_factory: pytest.TempPathFactory
              ) -> tuple[Path, Path | str]:
    tmp = tmp_path_factory.mktemp("run")
    out, db = tmp / "out", module_ledgers.new()
    _run(demo, out, db)
    return out, db


def _counts(db: Path | str) -> dict[str, int]:
    with Ledger(db, create=False) as ledger:
        return {t: ledger.count(t) for t in ("files", "readings", "records", "field_values", "runs")}


def test_run_writes_every_output(first_run: tuple[Path, Path | str]) -> None:
    out, _ = first_run
    for name in ("records.jsonl", "findings.jsonl", "attendance.csv", "packet.xlsx", "manifest.json",
                 "errors.jsonl", "gx/suites.json", "gx/validation_results.json", "gx/data_docs/index.html"):
        assert (out / name).is_file(), name
    results = json.loads((out / "gx" / "validation_results.json").read_text(encoding="utf-8"))
    assert {r["suite_name"] for r in results} >= {"records", "attendance", "submissions"}


def test_attendance_equals_the_plan(first_run: tuple[Path, Path | str], demo_expected: dict[str, Any]) -> None:
    out, _ = first_run
    with (out / "attendance.csv").open(encoding="utf-8-sig") as fh:
        got = {(r["instructor"], r["enterprise"], r["month"]): int(r["days"]) for r in csv.DictReader(fh)}
    want = {(a["instructor"], a["enterprise"], a["month"]): a["days"] for a in demo_expected["attendance"]}
    assert got == want


def test_planted_findings_are_found(first_run: tuple[Path, Path | str], demo_expected: dict[str, Any]) -> None:
    out, _ = first_run
    ignored = set(demo_expected.get("not_scored_rules", []))
    got = {(f["rule"], f["instructor"], f["month"]) for f in read_jsonl(out / "findings.jsonl")
           if f["rule"] not in ignored}
    want = {(f["rule"], f["instructor"], f["month"]) for f in demo_expected["findings"]}
    assert {r for r, _, _ in want} >= {"DAYS_MIN", "UNKNOWN_INSTRUCTOR", "DUPLICATE", "REPORT_MISSING"}
    assert got == want
    for f in read_jsonl(out / "findings.jsonl"):
        assert f["message"] and f["severity"] in ("error", "warning", "info")
        if f["rule"] == "UNKNOWN_INSTRUCTOR":
            assert f["sources"], "a finding names the file a person can open"


def test_manifest_accounts_for_every_input(first_run: tuple[Path, Path | str], demo: DemoPaths) -> None:
    out, _ = first_run
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = {Path(f["path"]).name for f in manifest["files"] if f["role"] == "inbox"}
    assert listed == {p.name for p in demo.inbox.iterdir()}
    assert all(len(f["sha256"]) == 64 for f in manifest["files"])


def test_unsupported_file_is_an_error_line_and_the_run_goes_on(first_run: tuple[Path, Path | str]) -> None:
    out, _ = first_run
    errors = read_jsonl(out / "errors.jsonl")
    assert [Path(e["source"]).suffix for e in errors] == [".rtf"]
    assert errors[0]["kind"] == "error" and errors[0]["error"]["code"] == "FORMAT_UNSUPPORTED"
    assert read_jsonl(out / "records.jsonl"), "the other files were still read"


def test_rerun_adds_nothing_twice(first_run: tuple[Path, Path | str], demo: DemoPaths, tmp_path: Path) -> None:
    _, db = first_run
    before = _counts(db)
    assert before["records"] > 0 and before["field_values"] > before["records"]
    _run(demo, tmp_path / "again", db)
    after = _counts(db)
    assert after == {**before, "runs": before["runs"] + 1}


def test_records_keep_their_source(first_run: tuple[Path, Path | str]) -> None:
    out, db = first_run
    records = read_jsonl(out / "records.jsonl")
    assert all(r["source"] and r["page"] == 1 and len(r["sha256"]) == 64 for r in records)
    assert all(r["locations"]["visit_date"].startswith("p1 ") for r in records if r["fields"]["visit_date"])
    with Ledger(db, create=False) as ledger, ledger.read() as conn:
        latest = q.finished_runs(conn, "")[0]
        counted = q.run_records(conn, "", latest.run_id)
        dates = q.field_values(conn, [(r.reading_id, r.record_id) for r in counted], ["visit_date"])
    assert {r.record_id for r in counted} == {r["id"] for r in records}
    assert all(r.sha256 in {x["sha256"] for x in records} and r.page == 1 for r in counted)
    located = [v for v in dates.values() if v.page == 1 and (v.cell or v.line or v.bbox)]  # typed provenance
    assert len(located) >= len(records) - 1
    assert all(v.describe() == next(r["locations"]["visit_date"] for r in records if r["id"] == v.record_id)
               for v in located)


def test_trace_of_the_run(first_run: tuple[Path, Path | str]) -> None:
    """`zhidao trace` on the run's ledger: an instructor's month, the records behind each day."""
    out, db = first_run
    records = read_jsonl(out / "records.jsonl")
    first = next(r for r in records if r["fields"]["visit_date"] and r["fields"]["instructor"])
    name, month = first["fields"]["instructor"], first["fields"]["visit_date"][:7]
    done = subprocess.run([sys.executable, "-m", "zhidao.cli", "trace", name, month, "--db", str(db), "--format",
                           "json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    traced = json.loads(done.stdout)
    assert first["id"] in {r["record_id"] for r in traced["records"]}
    assert all(len(r["sha256"]) == 64 and r["page"] == 1 for r in traced["records"])


def test_readme_demo_command_with_a_relative_out_folder(tmp_path: Path) -> None:
    """The README's first command: `zhidao demo --out out/demo`, from wherever the user stands."""
    done = subprocess.run([sys.executable, "-m", "zhidao.cli", "demo", "--out", "out/demo"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out" / "demo"
    assert (out / "packet.xlsx").is_file() and (out / "packet.pdf").is_file()
    assert (out / "gx" / "data_docs" / "index.html").is_file()
    assert str(out / "packet.xlsx") in done.stdout


def test_an_output_folder_inside_the_inbox_is_not_read_back(demo: DemoPaths, tmp_path: Path) -> None:
    import shutil

    inbox = tmp_path / "inbox"
    shutil.copytree(demo.inbox, inbox)
    for _ in range(2):  # the second run finds last run's outputs and ledger inside the inbox
        _run(demo.__class__(inbox, demo.roster, demo.quarter, demo.as_of, demo.received), inbox / "输出",
             inbox / "zhidao.db")
    manifest = json.loads((inbox / "输出" / "manifest.json").read_text(encoding="utf-8"))
    assert not [f for f in manifest["files"] if "输出" in f["path"] or f["path"].endswith("zhidao.db")]
