"""The audit trail: the hash-chained event log, `audit verify`, `audit export` and `trace`,
on real SQLite ledgers written by a run of the demo quarter."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tests.conftest import read_jsonl
from zhidao.audit import GENESIS, EventRow, event_hash, verify_chain
from zhidao.cli import ExitCode, main
from zhidao.context import Quarter, RunContext
from zhidao.errors import ConfigError, LedgerError
from zhidao.fixtures.demo import DemoPaths
from zhidao.pipeline.audit import verify_ledger
from zhidao.pipeline.run import run
from zhidao.store import Ledger
from zhidao.validate.profile import load_profile


def _run(demo: DemoPaths, out: Path, db: Path) -> None:
    run(RunContext(inbox=demo.inbox, roster=demo.roster, quarter=Quarter.parse(demo.quarter), out=out, db=db,
                   as_of=demo.as_of, received=demo.received, profile=load_profile()))


@pytest.fixture(scope="module")
def demo_run(demo: DemoPaths, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("audit")
    _run(demo, tmp / "out", tmp / "zhidao.db")
    return tmp / "out", tmp / "zhidao.db"


@pytest.fixture()
def db_copy(demo_run: tuple[Path, Path], tmp_path: Path) -> Path:
    """A fresh copy of the demo ledger (tests that tamper or append work on it)."""
    return Path(shutil.copy(demo_run[1], tmp_path / "copy.db"))


def _cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _sql(db: Path, *statements: str) -> None:
    with sqlite3.connect(db) as conn:  # a tamperer first drops the append-only triggers
        conn.execute("DROP TRIGGER events_no_update")
        conn.execute("DROP TRIGGER events_no_delete")
        for statement in statements:
            conn.execute(statement)


def _verify(db: Path) -> Any:
    with Ledger(db, create=False) as ledger:
        return verify_ledger(ledger)


def _kinds(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT kind, COUNT(*) FROM events GROUP BY kind").fetchall())


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- the chain ------------------------------------------------------------------------------

def _chain(n: int) -> list[EventRow]:
    rows, prev = [], GENESIS
    for seq in range(1, n + 1):
        at, payload = f"2026-10-0{seq}T00:00:00+00:00", json.dumps({"n": seq})
        rows.append(EventRow(seq, at, "test", payload, prev, event_hash(prev, seq, at, "test", payload)))
        prev = rows[-1].hash
    return rows


def test_verify_chain_pure() -> None:
    rows = _chain(5)
    assert verify_chain([]).ok and verify_chain([]).count == 0
    assert verify_chain(rows).ok and verify_chain(rows).head == rows[-1].hash
    edited = [*rows[:2], rows[2]._replace(payload='{"n":99}'), *rows[3:]]
    assert (verify_chain(edited).problem, verify_chain(edited).seq) == ("edited", 3)
    assert (verify_chain(rows[:1] + rows[2:]).problem, verify_chain(rows[:1] + rows[2:]).seq) == ("removed", 2)
    swapped = [rows[0], rows[3]._replace(seq=2), rows[2], rows[1]._replace(seq=4), rows[4]]
    assert (verify_chain(swapped).problem, verify_chain(swapped).seq) == ("reordered", 2)


def test_verify_ok(demo_run: tuple[Path, Path]) -> None:
    _, db = demo_run
    result = _cli("audit", "verify", "--db", str(db))
    assert result.exit_code == 0, result.output
    count = sum(_kinds(db).values())
    assert f"共 {count} 条" in result.output and "校验通过" in result.output
    assert _kinds(db)["file_received"] == 52 and _kinds(db)["run_finished"] == 1


def _tampered(db: Path, seq: int, problem: str) -> None:
    result = _verify(db)
    assert (result.problem, result.seq) == (problem, seq), result.message()
    cli = _cli("audit", "verify", "--db", str(db))
    assert cli.exit_code == ExitCode.LEDGER
    assert "LEDGER_TAMPERED" in cli.output and f"第 {seq} 条" in cli.output


def test_edited_payload_is_named(db_copy: Path) -> None:
    _sql(db_copy, """UPDATE events SET payload = replace(payload, '"size":', '"size":1') WHERE seq = 5""")
    _tampered(db_copy, 5, "edited")


def test_edited_and_rehashed_entry_is_named(db_copy: Path) -> None:
    with Ledger(db_copy) as ledger:
        row = ledger.events()[6]
    payload = row.payload.replace('"status":"ok"', '"status":"error"')
    assert payload != row.payload
    _sql(db_copy)
    with sqlite3.connect(db_copy) as conn:
        conn.execute("UPDATE events SET payload = ?, hash = ? WHERE seq = ?",
                     (payload, event_hash(row.prev_hash, row.seq, row.at, row.kind, payload), row.seq))
    _tampered(db_copy, row.seq, "edited")


def test_removed_entry_is_named(db_copy: Path) -> None:
    _sql(db_copy, "DELETE FROM events WHERE seq = 7")
    _tampered(db_copy, 7, "removed")


def test_reordered_entries_are_named(db_copy: Path) -> None:
    _sql(db_copy, "UPDATE events SET seq = -1 WHERE seq = 4", "UPDATE events SET seq = 4 WHERE seq = 9",
         "UPDATE events SET seq = 9 WHERE seq = -1")
    _tampered(db_copy, 4, "reordered")


def test_edited_table_value_and_cut_tail_are_found(db_copy: Path, tmp_path: Path) -> None:
    other = Path(shutil.copy(db_copy, tmp_path / "other.db"))
    with sqlite3.connect(db_copy) as conn:
        rid, sha = conn.execute("SELECT record_id, sha256 FROM records ORDER BY rowid LIMIT 1").fetchone()
        conn.execute("UPDATE field_values SET value = '2026-07-30' WHERE record_id = ? AND field = 'visit_date'",
                     (rid,))
        seq = next(s for s, p in conn.execute("SELECT seq, payload FROM events WHERE kind = 'file_extracted'")
                   if json.loads(p)["sha256"] == sha)
    result = _verify(db_copy)
    assert (result.problem, result.seq) == ("mismatch", seq) and "field_values" in result.message()
    _sql(other, "DELETE FROM events WHERE seq = (SELECT MAX(seq) FROM events)")  # the run_finished event
    result = _verify(other)
    assert result.problem == "unlogged" and "第 1 次运行" in result.message()


def test_events_are_append_only(db_copy: Path) -> None:
    with sqlite3.connect(db_copy) as conn, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE events SET kind = 'x' WHERE seq = 1")


def test_rerun_adds_no_received_or_extracted_events(demo: DemoPaths, db_copy: Path, tmp_path: Path) -> None:
    before = _kinds(db_copy)
    _run(demo, tmp_path / "again", db_copy)
    after = _kinds(db_copy)
    assert after == {**before, "run_started": before["run_started"] + 1, "run_finished": before["run_finished"] + 1,
                     "packet_issued": before["packet_issued"] + 2}  # each run issues its packet.xlsx and .pdf
    assert _verify(db_copy).ok


def test_old_ledger_is_upgraded_and_verifies(db_copy: Path) -> None:
    with sqlite3.connect(db_copy) as conn:
        for table in ("events", "corrections", "run_records", "run_files"):
            conn.execute(f"DROP TABLE {table}")
        conn.execute("PRAGMA user_version = 1")
    with Ledger(db_copy) as ledger:
        assert verify_ledger(ledger).ok
        assert [e.kind for e in ledger.events()][:2] == ["ledger_upgraded", "file_received"]


# -- corrections, packets and the export ------------------------------------------------------

def _first_record(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return str(conn.execute("SELECT record_id FROM records ORDER BY rowid LIMIT 1").fetchone()[0])


def test_correct_keeps_old_value_and_logs_an_event(db_copy: Path) -> None:
    rid = _first_record(db_copy)
    with Ledger(db_copy) as ledger:
        first = ledger.correct(rid, "visit_date", "2026-07-07", "王审核", "原文看错")
        second = ledger.correct(rid, "visit_date", "2026-07-08", "李复核")
        assert first.old is not None and second.old == "2026-07-07"
        assert ledger.current_value(rid, "visit_date") == "2026-07-08"
        event = ledger.events()[-1]
        assert event.kind == "value_corrected" and json.loads(event.payload)["who"] == "李复核"
        with pytest.raises(LedgerError, match="RECORD_UNKNOWN"):
            ledger.correct("no-such-record", "visit_date", "2026-07-01", "王审核")
        with pytest.raises(ConfigError):
            ledger.correct(rid, "sha256", "x", "王审核")
    assert _verify(db_copy).ok


def test_export_bundle(demo: DemoPaths, demo_run: tuple[Path, Path], db_copy: Path, tmp_path: Path) -> None:
    out, _ = demo_run
    with Ledger(db_copy) as ledger:  # the run itself issued packet.xlsx and packet.pdf
        ledger.correct(_first_record(db_copy), "content", "更正后的内容", "王审核")
    bundle = tmp_path / "督查" / "2026Q3.zip"
    result = _cli("audit", "export", "--quarter", "2026Q3", "--out", str(bundle), "--db", str(db_copy))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(bundle) as zf:
        names = set(zf.namelist())
        assert names >= {"manifest.json", "records.jsonl", "findings.jsonl", "corrections.jsonl", "packets.json",
                         "events.jsonl", "README.txt", "gx/validation_results.json", "gx/data_docs/index.html"}
        manifest = json.loads(zf.read("manifest.json"))
        for name, sha in manifest["contents"].items():
            assert hashlib.sha256(zf.read(name)).hexdigest() == sha, name
        packets = json.loads(zf.read("packets.json"))
        findings = zf.read("findings.jsonl").decode("utf-8").splitlines()
        corrections = zf.read("corrections.jsonl").decode("utf-8").splitlines()
        records = [json.loads(line) for line in zf.read("records.jsonl").decode("utf-8").splitlines()]
        assert "督查" in zf.read("README.txt").decode("utf-8")
    sources = {s["path"]: s["sha256"] for s in manifest["sources"]}
    for path in demo.inbox.iterdir():
        assert sources[str(path)] == _sha(path), path.name
    assert sorted(p["sha256"] for p in packets) == sorted([_sha(out / "packet.xlsx"), _sha(out / "packet.pdf")])
    assert len(findings) == len(read_jsonl(out / "findings.jsonl")) and len(corrections) == 1
    assert len(records) == 131 and all(r["values"] and r["match"] for r in records)
    assert _kinds(db_copy)["audit_exported"] == 1 and _verify(db_copy).ok


def test_export_refuses_a_tampered_ledger(db_copy: Path, tmp_path: Path) -> None:
    _sql(db_copy, "DELETE FROM events WHERE seq = 3")
    result = _cli("audit", "export", "--quarter", "2026Q3", "--out", str(tmp_path / "b.zip"), "--db", str(db_copy))
    assert result.exit_code == ExitCode.LEDGER and "LEDGER_TAMPERED" in result.output
    assert not (tmp_path / "b.zip").exists()


def test_unknown_ledger_and_quarter(db_copy: Path, tmp_path: Path) -> None:
    result = _cli("audit", "verify", "--db", str(tmp_path / "none.db"))
    assert result.exit_code == ExitCode.LEDGER and "LEDGER_NOT_FOUND" in result.output
    assert not (tmp_path / "none.db").exists()
    result = _cli("audit", "export", "--quarter", "2025Q1", "--out", str(tmp_path / "b.zip"), "--db", str(db_copy))
    assert result.exit_code == ExitCode.LEDGER and "RUN_NOT_FOUND" in result.output


# -- trace ----------------------------------------------------------------------------------

def _days_min(out: Path) -> dict[str, Any]:
    return next(f for f in read_jsonl(out / "findings.jsonl") if f["rule"] == "DAYS_MIN")


def _attendance(out: Path, instructor: str, enterprise: str, month: str) -> int:
    with (out / "attendance.csv").open(encoding="utf-8") as fh:
        return next(int(r["days"]) for r in csv.DictReader(fh)
                    if (r["instructor"], r["enterprise"], r["month"]) == (instructor, enterprise, month))


def test_trace_explains_a_days_min_finding(demo_run: tuple[Path, Path]) -> None:
    out, db = demo_run
    f = _days_min(out)
    result = _cli("trace", f["instructor"], f["month"], "--db", str(db), "--format", "json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    assert got["days"][f["enterprise"]] == _attendance(out, f["instructor"], f["enterprise"], f["month"])
    assert {r["path"] for r in got["records"]} == set(f["sources"])
    assert all(r["sha256"] == _sha(Path(r["path"])) for r in got["records"])
    assert all(r["page"] == 1 and r["date_location"] for r in got["records"])
    assert "DAYS_MIN" in {x["rule"] for x in got["findings"]}
    text = _cli("trace", f["instructor"], f["month"], "--db", str(db), "--enterprise", "金穗")
    assert text.exit_code == 0
    assert f"驻企 {got['days'][f['enterprise']]} 天" in text.output and Path(f["sources"][0]).name in text.output


def test_trace_shows_corrections_and_whether_the_run_used_them(demo: DemoPaths, demo_run: tuple[Path, Path],
                                                               db_copy: Path, tmp_path: Path) -> None:
    f = _days_min(demo_run[0])
    with Ledger(db_copy) as ledger:
        rid = json.loads(_cli("trace", f["instructor"], f["month"], "--db", str(db_copy), "--format", "json"
                              ).output)["records"][0]["record_id"]
        ledger.correct(rid, "visit_date", f"{f['month']}-02", "王审核", "原文看错")
    before = json.loads(_cli("trace", f["instructor"], f["month"], "--db", str(db_copy), "--format", "json").output)
    fixed = next(r for r in before["records"] if r["record_id"] == rid)
    assert [c["applied"] for c in fixed["corrections"]] == [False] and fixed["visit_date"] != f"{f['month']}-02"
    _run(demo, tmp_path / "again", db_copy)
    after = _cli("trace", f["instructor"], f["month"], "--db", str(db_copy), "--format", "json")
    fixed = next(r for r in json.loads(after.output)["records"] if r["record_id"] == rid)
    assert [c["applied"] for c in fixed["corrections"]] == [True] and fixed["visit_date"] == f"{f['month']}-02"


def test_trace_bad_month(demo_run: tuple[Path, Path]) -> None:
    result = _cli("trace", "郑海燕", "2026-13", "--db", str(demo_run[1]))
    assert result.exit_code == ExitCode.CONFIG and "BAD_OPTION" in result.output
