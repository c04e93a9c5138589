"""Outputs published whole, and whole-run failures as Chinese errors with a code: kill -9 at any
moment leaves the previous complete OUT or the new one; a busy ledger, a full or read-only
disk, a bad option and an internal error never show a traceback."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import read_jsonl
from zhidao.context import Profile, Quarter, RunContext
from zhidao.errors import InternalError, LedgerError
from zhidao.fixtures.demo import DemoPaths
from zhidao.pipeline.run import run
from zhidao.reports import publish
from zhidao.store import Ledger


def _small_inbox(tmp: Path, demo: DemoPaths, count: int = 6) -> Path:
    inbox = tmp / "inbox"
    inbox.mkdir()
    for path in sorted(demo.inbox.glob("*.docx"))[:count]:
        shutil.copy(path, inbox / path.name)
    return inbox


def _cmd(inbox: Path, demo: DemoPaths, out: Path, db: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "zhidao.cli", "run", str(inbox), "--roster", str(demo.roster), "--quarter",
            demo.quarter, "--out", str(out), "--db", str(db), "--as-of", demo.as_of.isoformat(),
            "--received", demo.received.isoformat(), "--jobs", "1", *extra]


def _ctx(inbox: Path, demo: DemoPaths, out: Path, db: Path) -> RunContext:
    return RunContext(inbox=inbox, roster=demo.roster, quarter=Quarter.parse(demo.quarter), out=out, db=db,
                      as_of=demo.as_of, received=demo.received)


def _results(out: Path) -> tuple[object, ...]:
    records = sorted((r["id"] if "id" in r else json.dumps(r, sort_keys=True, ensure_ascii=False))
                     for r in read_jsonl(out / "records.jsonl"))
    findings = sorted(json.dumps(f, sort_keys=True, ensure_ascii=False) for f in read_jsonl(out / "findings.jsonl"))
    return records, findings, (out / "attendance.csv").read_bytes()


def _issued(db: Path) -> tuple[set[int], dict[str, set[str]]]:
    """Runs that finished, and the sha256 of every packet file recorded as issued."""
    with Ledger(db, create=False) as ledger:
        events = ledger.events()
    finished = {json.loads(e.payload)["run_id"] for e in events if e.kind == "run_finished"}
    shas: dict[str, set[str]] = {}
    for e in events:
        if e.kind == "packet_issued":
            p = json.loads(e.payload)
            shas.setdefault(p["name"], set()).add(p["sha256"])
    return finished, shas


def _assert_consistent(out: Path, db: Path) -> None:
    """OUT is absent or complete, and whatever it holds belongs to a run the ledger committed."""
    if not out.exists() or not (out / "manifest.json").exists():
        assert not out.exists() or not (out / "packet.xlsx").exists()
        return
    import hashlib

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    finished, shas = _issued(db)
    assert manifest["run_id"] in finished
    for name in ("packet.xlsx", "packet.pdf", "records.jsonl", "findings.jsonl", "attendance.csv"):
        assert (out / name).is_file(), name
    for name in ("packet.xlsx", "packet.pdf"):
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() in shas[name]


def test_kill_at_any_moment_leaves_a_complete_out(tmp_path: Path, demo: DemoPaths) -> None:
    inbox = _small_inbox(tmp_path, demo)
    reference = tmp_path / "ref"
    started = time.monotonic()
    subprocess.run(_cmd(inbox, demo, reference, tmp_path / "ref.db"), check=True, capture_output=True)
    duration = time.monotonic() - started
    out, db = tmp_path / "out", tmp_path / "z.db"
    for fraction in (0.3, 0.6, 0.9, 1.05):
        proc = subprocess.Popen(_cmd(inbox, demo, out, db), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(duration * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        _assert_consistent(out, db)
    subprocess.run(_cmd(inbox, demo, out, db), check=True, capture_output=True)
    _assert_consistent(out, db)
    assert _results(out) == _results(reference)
    assert not list(tmp_path.glob("out.zhidao-*")), "no staging folder is left behind"


def test_publish_keeps_what_the_user_put_in_out(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "packet.xlsx").write_text("old")
    (out / "我的说明.txt").write_text("keep me", encoding="utf-8")
    staged = publish.stage(out)
    (staged / "packet.xlsx").write_text("new")
    publish.publish(staged, out)
    assert (out / "packet.xlsx").read_text() == "new"
    assert (out / "我的说明.txt").read_text(encoding="utf-8") == "keep me"
    assert not staged.exists()


def test_recover_puts_a_previous_out_back(tmp_path: Path) -> None:
    out = tmp_path / "out"
    aside = tmp_path / f"out{publish.ASIDE}x"
    (aside / "out").mkdir(parents=True)
    (aside / "out" / "manifest.json").write_text("{}")
    stale = tmp_path / f"out{publish.STAGING}999999999-x"
    stale.mkdir()
    publish.recover(out)
    assert (out / "manifest.json").read_text() == "{}"
    assert not aside.exists() and not stale.exists()


def test_a_second_writer_gets_ledger_busy(tmp_path: Path, demo: DemoPaths) -> None:
    inbox = _small_inbox(tmp_path, demo, 2)
    db = tmp_path / "z.db"
    with Ledger(db) as holder, holder.write():  # another writer in the middle of a transaction
        ctx = dataclasses.replace(_ctx(inbox, demo, tmp_path / "out", db), ledger_wait=0.5)
        with pytest.raises(LedgerError) as caught:
            run(ctx)
    assert caught.value.code == "LEDGER_BUSY" and "占用" in caught.value.message
    assert not (tmp_path / "out" / "packet.xlsx").exists()


def test_an_internal_error_keeps_the_previous_out_and_logs_the_traceback(tmp_path: Path, demo: DemoPaths) -> None:
    inbox = _small_inbox(tmp_path, demo, 2)
    out, db = tmp_path / "out", tmp_path / "z.db"
    run(_ctx(inbox, demo, out, db))
    before = (out / "packet.xlsx").read_bytes()
    broken = dataclasses.replace(_ctx(inbox, demo, out, db), profile=Profile(days_min="四"))  # type: ignore[arg-type]
    with pytest.raises(InternalError) as caught:
        run(broken)
    assert caught.value.code == "INTERNAL" and "run.log" in caught.value.remedy
    assert (out / "packet.xlsx").read_bytes() == before
    assert "Traceback" in (out / "run.log").read_text(encoding="utf-8")


@pytest.mark.parametrize(("options", "code"), [
    (("--quarter", "0000Q1"), "BAD_OPTION"),
    (("--as-of", "明天"), "BAD_OPTION"),
])
def test_bad_options_give_a_chinese_error_with_a_code(tmp_path: Path, demo: DemoPaths, options: tuple[str, str],
                                                      code: str) -> None:
    inbox = _small_inbox(tmp_path, demo, 1)
    cmd = _cmd(inbox, demo, tmp_path / "out", tmp_path / "z.db")
    i = cmd.index(options[0])
    cmd[i + 1] = options[1]
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 4 and code in done.stderr and "Traceback" not in done.stderr


def test_an_out_that_holds_the_inbox_is_refused(tmp_path: Path, demo: DemoPaths) -> None:
    inbox = _small_inbox(tmp_path, demo, 1)
    done = subprocess.run(_cmd(inbox, demo, tmp_path, tmp_path / "z.db"), capture_output=True, text=True)
    assert done.returncode == 4 and "BAD_OPTION" in done.stderr and "收件目录" in done.stderr
    assert (inbox / sorted(os.listdir(inbox))[0]).is_file()


def _in_small_disk(script: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    """Run a shell script in a private mount namespace with a 64 KiB tmpfs at $tmp/disk."""
    (tmp / "disk").mkdir()
    return subprocess.run(["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs {tmp}/disk && {script}"],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(("remount", "code", "exit_code"), [
    ("", "DISK_FULL", 6),
    ("mount -o remount,ro {tmp}/disk && ", "OUTPUT_UNWRITABLE", 6),
])
def test_full_or_read_only_disk(tmp_path: Path, demo: DemoPaths, remount: str, code: str, exit_code: int) -> None:
    inbox = _small_inbox(tmp_path, demo, 2)
    cmd = " ".join(f"'{c}'" for c in _cmd(inbox, demo, tmp_path / "disk" / "out", tmp_path / "z.db"))
    done = _in_small_disk(remount.format(tmp=tmp_path) + cmd, tmp_path)
    assert done.returncode == exit_code, done.stderr
    assert code in done.stderr and "Traceback" not in done.stderr
    assert any("\u4e00" <= ch <= "\u9fff" for ch in done.stderr)
