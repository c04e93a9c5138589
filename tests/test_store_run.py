"""The ledger as one store, seen from `zhidao run`: a rerun reuses what was read, a change in how
files are read reads them again (both readings kept), a run killed half-way resumes with what is
missing, two counties in one ledger never mix, and a correction made while a run reads waits
its turn and keeps one valid chain. The tests with ``ledger_db`` run on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.scan_support import MONTHLY, SINGLE, write
from zhidao.audit import verify_chain
from zhidao.fixtures import scans
from zhidao.fixtures.demo import DemoPaths
from zhidao.fonts import register_cjk_font
from zhidao.store import Ledger
from zhidao.store import schema as t


@pytest.fixture(scope="module")
def inbox(demo: DemoPaths, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("store") / "inbox"
    folder.mkdir()
    for path in sorted(demo.inbox.glob("*.docx"))[:3]:
        shutil.copy(path, folder / path.name)
    font = register_cjk_font()
    write(folder, "扫描件1.png", scans.render_form(SINGLE, font))
    write(folder, "扫描件2.png", scans.render_form(MONTHLY, font))
    return folder


def _digital_only(inbox: Path, tmp: Path) -> Path:
    """The inbox without its scans (for tests about the ledger, not about reading)."""
    folder = tmp / "digital"
    folder.mkdir()
    for path in inbox.glob("*.docx"):
        shutil.copy(path, folder / path.name)
    return folder


def _cmd(inbox: Path, demo: DemoPaths, out: Path, db: Path | str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "zhidao.cli", "run", str(inbox), "--roster", str(demo.roster), "--quarter",
            demo.quarter, "--out", str(out), "--db", str(db), "--as-of", demo.as_of.isoformat(),
            "--received", demo.received.isoformat(), "--jobs", "1", *extra]


def _run(inbox: Path, demo: DemoPaths, out: Path, db: Path | str, *extra: str) -> dict[str, object]:
    done = subprocess.run(_cmd(inbox, demo, out, db, *extra), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    manifest: dict[str, object] = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return manifest


def _same_results(a: Path, b: Path) -> None:
    for name in ("records.jsonl", "findings.jsonl", "attendance.csv", "errors.jsonl"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def _readings(db: Path | str, county: str = "") -> list[tuple[str, bool]]:
    with Ledger(db, county) as ledger, ledger.read() as conn:
        r = t.readings.c
        return [(str(s), bool(c)) for s, c in conn.execute(select(r.sha256, r.current).where(r.county == county))]


def test_a_rerun_reuses_what_was_read_and_a_change_reads_again(inbox: Path, demo: DemoPaths, tmp_path: Path) -> None:
    """SQLite only (three runs with scans; on PostgreSQL a rerun's reuse and the current reading
    are covered by tests/test_run_e2e.py and tests/test_review.py)."""
    db = tmp_path / "z.db"
    first = _run(inbox, demo, tmp_path / "one", db)
    readings = _readings(db)
    assert len(readings) == 5 and all(current for _, current in readings)
    second = _run(inbox, demo, tmp_path / "two", db)
    assert second["counts"]["files_reused"] == 5  # type: ignore[index]
    assert first["counts"]["files_reused"] == 0  # type: ignore[index]
    assert len(_readings(db)) == 5, "nothing was read again"
    _same_results(tmp_path / "one", tmp_path / "two")
    # a changed setting of the readers makes new readings; the ledger keeps both, the new ones current
    third = _run(inbox, demo, tmp_path / "three", db, "--file-memory", "3")
    assert third["counts"]["files_reused"] == 0  # type: ignore[index]
    after = _readings(db)
    assert len(after) == 10 and sum(current for _, current in after) == 5
    _same_results(tmp_path / "one", tmp_path / "three")


def test_a_run_killed_half_way_reads_only_what_is_missing(inbox: Path, demo: DemoPaths, tmp_path: Path,
                                                          ledger_db: Path | str) -> None:
    db, out = ledger_db, tmp_path / "out"
    proc = subprocess.Popen(_cmd(inbox, demo, out, db), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if (isinstance(db, str) or db.exists()) and len(_readings(db)) >= 4:  # the three digital forms and one scan
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    kept = len(_readings(db))
    assert kept == 4, "killed while the second scan was still being read"
    manifest = _run(inbox, demo, out, db)
    assert manifest["counts"]["files_reused"] == kept  # type: ignore[index]
    assert len(_readings(db)) == 5


def test_two_counties_in_one_ledger_never_mix(inbox: Path, demo: DemoPaths, tmp_path: Path,
                                              ledger_db: Path | str) -> None:
    db = ledger_db
    inbox = _digital_only(inbox, tmp_path)
    _run(inbox, demo, tmp_path / "a", db, "--county", "甲县")
    manifest = _run(inbox, demo, tmp_path / "b", db, "--county", "乙县", "--received", "2026-10-08")
    assert manifest["counts"]["files_reused"] == 0, "one county's readings are not another's"  # type: ignore[index]
    for county, day in (("甲县", demo.received.isoformat()), ("乙县", "2026-10-08")):
        with Ledger(db, county) as ledger:
            assert verify_chain(ledger.events()).ok
            assert set(ledger.received_dates().values()) == {day}
            assert ledger.count("readings") == 3 and ledger.count("runs") == 1
    with Ledger(db, "") as ledger:
        assert ledger.count("readings") == 0 and ledger.events() == []


def test_a_correction_while_a_run_reads_waits_its_turn(inbox: Path, demo: DemoPaths, tmp_path: Path,
                                                       ledger_db: Path | str) -> None:
    db = ledger_db
    _run(inbox, demo, tmp_path / "first", db)
    with Ledger(db) as ledger, ledger.read() as conn:
        record_id = conn.execute(select(t.records.c.record_id).limit(1)).scalar_one()
    proc = subprocess.Popen(_cmd(inbox, demo, tmp_path / "second", db, "--reread"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(3)  # reading the scans again, committing each as it is read
    assert proc.poll() is None
    with Ledger(db) as ledger:
        correction = ledger.correct(record_id, "remarks", "核对时补充", "王某")
    _, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr
    with Ledger(db) as ledger:
        events = ledger.events()
        assert verify_chain(events).ok
        assert [c.correction_id for c in ledger.corrections()] == [correction.correction_id]
        assert ledger.count("readings") == 10, "--reread read every file again"
        with ledger.read() as conn:
            assert conn.execute(select(func.count()).select_from(t.runs).where(t.runs.c.finished.is_not(None))
                                ).scalar_one() == 2
