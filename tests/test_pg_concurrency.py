"""Issue 16, item 1: one PostgreSQL ledger, several writers at once. Two `zhidao run` processes
ingest two counties' inboxes (copies of the demo quarter) into one database at the same time: each
county's run is there once, its counts equal a run of it alone, no reading is stored twice, and
`zhidao audit verify` passes for each county. Two processes appending to one county's chain keep
one valid chain; a writer that waits too long for it is told LEDGER_BUSY."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import Ledgers
from zhidao.audit import verify_chain
from zhidao.errors import LEDGER_BUSY, LedgerError
from zhidao.fixtures.demo import DemoPaths
from zhidao.store import Ledger
from zhidao.store import schema as t

COUNTIES = ("甲县", "乙县")


@pytest.fixture(scope="module")
def backend() -> str:
    """PostgreSQL only (the tests are about its locks)."""
    return "postgresql"


def _cmd(demo: DemoPaths, inbox: Path, out: Path, db: Path | str, county: str) -> list[str]:
    return [sys.executable, "-m", "zhidao.cli", "run", str(inbox), "--roster", str(demo.roster), "--quarter",
            demo.quarter, "--out", str(out), "--db", str(db), "--as-of", demo.as_of.isoformat(),
            "--received", demo.received.isoformat(), "--county", county, "--jobs", "1"]


def _table_counts(db: Path | str, county: str) -> dict[str, int]:
    with Ledger(db, county, create=False) as ledger:
        return {name: ledger.count(name) for name in ("files", "file_paths", "readings", "records", "runs",
                                                      "findings", "corrections", "events")}


def test_two_counties_ingested_at_once_into_one_ledger(demo: DemoPaths, ledgers: Ledgers, tmp_path: Path) -> None:
    inboxes = {}
    for county in COUNTIES:
        inboxes[county] = tmp_path / f"inbox-{county}"
        shutil.copytree(demo.inbox, inboxes[county])
    shared = ledgers.new()  # empty: the two first runs also race to create the schema
    procs = {county: subprocess.Popen(_cmd(demo, inboxes[county], tmp_path / f"out-{county}", shared, county),
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for county in COUNTIES}
    for county, proc in procs.items():
        _, stderr = proc.communicate(timeout=600)
        assert proc.returncode == 0, f"{county}: {stderr}"
    alone = ledgers.new()
    done = subprocess.run(_cmd(demo, inboxes[COUNTIES[0]], tmp_path / "out-alone", alone, COUNTIES[0]),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    want = _table_counts(alone, COUNTIES[0])
    assert want["readings"] == len(list(demo.inbox.iterdir())) and want["records"] > 100

    with Ledger(shared, create=False) as ledger, ledger.read() as conn:
        r = t.readings.c
        duplicates = conn.execute(select(r.county, r.sha256, r.reading_key, func.count()).group_by(
            r.county, r.sha256, r.reading_key).having(func.count() > 1)).all()
        order = [str(c) for (c,) in conn.execute(select(r.county).order_by(r.reading_id))]
        ids = {county: {str(i) for (i,) in conn.execute(select(t.records.c.record_id).where(
            t.records.c.county == county))} for county in COUNTIES}
    assert duplicates == [], "no file's reading is stored twice"
    switches = sum(a != b for a, b in itertools.pairwise(order))
    assert switches > 1, f"the two runs wrote at the same time (readings in order: {switches} switches of county)"
    with Ledger(alone, COUNTIES[0], create=False) as ledger:
        want_ids = ledger.record_ids()
    for county in COUNTIES:
        assert _table_counts(shared, county) == want, county
        assert ids[county] == want_ids, county
        with Ledger(shared, county, create=False) as ledger:
            assert verify_chain(ledger.events()).ok
        verified = subprocess.run([sys.executable, "-m", "zhidao.cli", "audit", "verify", "--db", str(shared),
                                   "--county", county], capture_output=True, text=True)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert "校验通过" in verified.stdout
        manifest = json.loads((tmp_path / f"out-{county}" / "manifest.json").read_text(encoding="utf-8"))
        alone_manifest = json.loads((tmp_path / "out-alone" / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["counts"] == alone_manifest["counts"], county
        assert (tmp_path / f"out-{county}" / "attendance.csv").read_bytes() == (
            tmp_path / "out-alone" / "attendance.csv").read_bytes()


_APPENDER = """
import sys, time
from zhidao.store import Ledger
url, worker, start, n = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
with Ledger(url, "丙县") as ledger:
    while time.time() < start:
        time.sleep(0.005)
    for k in range(n):
        with ledger.write() as conn:
            ledger.append_event(conn, "test_append", {"worker": worker, "n": k})
"""


def test_two_processes_appending_to_one_county_keep_one_chain(ledger_db: Path | str) -> None:
    n = 150
    with Ledger(ledger_db, "丙县"):
        pass  # the schema exists before the race (its creation is raced in the test above)
    start = time.time() + 3
    procs = [subprocess.Popen([sys.executable, "-c", _APPENDER, str(ledger_db), worker, str(start), str(n)],
                              stderr=subprocess.PIPE, text=True) for worker in ("a", "b")]
    for proc in procs:
        _, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr
    with Ledger(ledger_db, "丙县", create=False) as ledger:
        events = ledger.events()
    assert verify_chain(events).ok
    assert [e.seq for e in events] == list(range(1, 2 * n + 1))
    workers = [json.loads(e.payload)["worker"] for e in events]
    assert workers.count("a") == workers.count("b") == n
    for worker in ("a", "b"):
        assert [json.loads(e.payload)["n"] for e in events if json.loads(e.payload)["worker"] == worker] == list(
            range(n)), "each writer's events in its own order, none lost"
    assert sum(a != b for a, b in itertools.pairwise(workers)) > 1, "the two appended at the same time"


def test_a_writer_that_waits_too_long_is_told_the_ledger_is_busy(ledger_db: Path | str) -> None:
    with Ledger(ledger_db, "丁县") as holder, Ledger(ledger_db, "丁县", wait_seconds=0.5) as waiter, \
            Ledger(ledger_db, "戊县", wait_seconds=0.5) as other:
        with holder.write() as conn:
            holder.append_event(conn, "test_append", {"holder": True})
            began = time.monotonic()
            with pytest.raises(LedgerError) as caught:
                waiter.start_run("2026Q3", "inbox", "roster", "out")
            assert caught.value.code == LEDGER_BUSY and time.monotonic() - began < 5
            other.start_run("2026Q3", "inbox", "roster", "out")  # another county's chain does not wait
        waiter.start_run("2026Q3", "inbox", "roster", "out")
        assert verify_chain(waiter.events()).ok and [e.kind for e in waiter.events()] == ["test_append",
                                                                                         "run_started"]
