"""Reading on a Dask cluster (a real LocalCluster on loopback, two worker processes): the same
outputs as a local run, the per-file failure boundary holding on the workers, one engine load
per worker, and a clear Chinese error for a scheduler that does not answer."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.scan_support import MONTHLY, SINGLE, write
from zhidao.fixtures import hostile, scans
from zhidao.fixtures.demo import DemoPaths
from zhidao.fixtures.form_pdf import write_forms_pdf
from zhidao.fixtures.form_xlsx import write_forms_xlsx
from zhidao.fonts import register_cjk_font
from zhidao.ingest import read_paths, walk_inbox
from zhidao.model import Boundary, FileOutcome

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """One LocalCluster for the module, started by the test: two single-threaded worker processes."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=logging.ERROR) as local:
        yield str(local.scheduler_address)


@pytest.fixture(scope="module")
def page() -> Any:
    return scans.render_form(SINGLE, register_cjk_font())


@pytest.fixture(scope="module")
def scan(page: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("scan"), "扫描件.png", page)


@pytest.fixture(scope="module")
def mixed(demo: DemoPaths, scan: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """docx, xlsx, a text PDF, a scanned PNG and a broken file."""
    folder = tmp_path_factory.mktemp("mixed")
    docx = sorted(walk_inbox(demo.inbox))[:2]
    for path in docx:
        shutil.copy(path, folder / path.name)
    write_forms_xlsx(folder / "月度表.xlsx", [MONTHLY])
    write_forms_pdf(folder / "工作记录.pdf", [SINGLE], register_cjk_font())
    shutil.copy(scan, folder / "扫描件.png")
    hostile.truncate(docx[0], folder / "只传了一半.docx")
    return folder


def _extract(mixed: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """`zhidao extract` of the mixed folder by a relative path, as a clerk types it (the workers
    open the files by their absolute paths; the outcomes carry them as given)."""
    cmd = [sys.executable, "-m", "zhidao.cli", "extract", mixed.name, "--jobs", "2", *options]
    return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=300, cwd=mixed.parent)


@pytest.fixture(scope="module")
def local_extract(mixed: Path) -> str:
    return _extract(mixed).stdout


def _lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_extract_on_a_local_cluster_is_byte_identical_to_a_local_run(mixed: Path, local_extract: str) -> None:
    dask = _extract(mixed, "--dask", "local")
    assert dask.stdout == local_extract
    lines = _lines(dask.stdout)
    sources = {line.get("source") for line in lines}
    assert {f"{mixed.name}/{name}" for name in ("月度表.xlsx", "工作记录.pdf", "扫描件.png")} <= sources
    damaged = [line for line in lines if line.get("error", {}).get("code") == "FILE_DAMAGED"]
    assert damaged, "the broken file is an error line"
    assert not dask.stderr.strip(), "Dask's own log stays off the clerk's screen"


def test_extract_on_a_cluster_started_elsewhere(mixed: Path, local_extract: str, cluster: str) -> None:
    dask = _extract(mixed, "--dask-scheduler", cluster)
    assert dask.stdout == local_extract
    assert len(_lines(dask.stdout)) >= 6


def _run(demo: DemoPaths, out: Path, *options: str) -> None:
    cmd = [sys.executable, "-m", "zhidao.cli", "run", str(demo.inbox), "--roster", str(demo.roster),
           "--quarter", demo.quarter, "--out", str(out), "--db", str(out.parent / f"{out.name}.db"),
           "--as-of", demo.as_of.isoformat(), "--received", demo.received.isoformat(), "--jobs", "2", *options]
    subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=600)


def _statuses(out: Path) -> list[tuple[str, str, str | None]]:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return sorted((f["path"], f["status"], f.get("error_code")) for f in manifest["files"])


def test_run_on_a_local_cluster_gives_the_same_results(demo: DemoPaths, tmp_path: Path) -> None:
    _run(demo, tmp_path / "local")
    _run(demo, tmp_path / "dask", "--dask", "local")
    for name in ("records.jsonl", "findings.jsonl", "attendance.csv", "errors.jsonl"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name
    assert _statuses(tmp_path / "dask") == _statuses(tmp_path / "local")
    assert (tmp_path / "dask" / "records.jsonl").stat().st_size > 0
    assert "Dask：" in (tmp_path / "dask" / "run.log").read_text(encoding="utf-8"), "the workers' tally in run.log"


def _docx(demo: DemoPaths, n: int) -> list[tuple[Path, str]]:
    return [(p, p.name) for p in sorted(walk_inbox(demo.inbox))[:n]]


def test_a_file_over_the_wall_time_on_a_worker_is_skipped(demo: DemoPaths, page: Any, cluster: str,
                                                         tmp_path: Path) -> None:
    # eight scanned pages take far longer than a Word file, even in a fresh reader on a busy machine
    stack = tmp_path / "扫描八页.tif"
    scans.write_tiff_pages(stack, [page] * 8)
    docx = _docx(demo, 3)
    jobs = [docx[0], (stack, stack.name), docx[1], docx[2]]
    outcomes = read_paths(jobs, boundary=Boundary(wall_seconds=6.0, jobs=2, scheduler=cluster))
    assert [o.source.display for o in outcomes] == [name for _, name in jobs]
    assert outcomes[1].errors[0].code == "FILE_TIMEOUT" and "读取超时" in outcomes[1].errors[0].message
    assert outcomes[1].source.sha256
    assert all(o.items for i, o in enumerate(outcomes) if i != 1)


def test_a_file_over_the_memory_limit_on_a_worker_is_skipped(demo: DemoPaths, scan: Path, cluster: str) -> None:
    fence = Boundary(memory_bytes=150 << 20, address_headroom=1 << 30, jobs=2, scheduler=cluster)
    first, second = read_paths([(scan, scan.name), *_docx(demo, 1)], boundary=fence)
    assert first.errors[0].code in ("FILE_TOO_LARGE", "READER_CRASHED")
    assert second.items


def _tree() -> dict[int, int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            parents[int(entry)] = ppid
    return parents


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _readers() -> set[int]:
    """The readers of the test's cluster: test process → Dask worker → its fork server → reader."""
    parents = _tree()
    depth = {os.getpid(): 0}
    for _ in range(3):
        depth.update({p: depth[pp] + 1 for p, pp in parents.items() if pp in depth and p not in depth})
    return {p for p, d in depth.items() if d == 3}


def test_a_reader_killed_on_a_worker_is_reader_crashed(demo: DemoPaths, scan: Path, cluster: str) -> None:
    killed: list[int] = []

    def kill_the_ocr_reader() -> None:  # the reader that has spent a second of CPU is the scan's
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            for pid in _readers():
                if _cpu_seconds(pid) > 1.0:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                    break
            time.sleep(0.05)

    killer = threading.Thread(target=kill_the_ocr_reader)
    killer.start()
    jobs = [(scan, scan.name), *_docx(demo, 2)]
    outcomes = read_paths(jobs, boundary=Boundary(jobs=2, scheduler=cluster))
    killer.join()
    assert killed
    assert [o.source.display for o in outcomes] == [name for _, name in jobs]
    assert outcomes[0].errors[0].code == "READER_CRASHED" and "意外退出" in outcomes[0].errors[0].message
    assert outcomes[1].items and outcomes[2].items
    # the worker goes on: its next file gets a fresh reader
    again = read_paths([(scan, scan.name)], boundary=Boundary(jobs=2, scheduler=cluster))
    assert again[0].items


def test_each_worker_loads_the_engine_once(scan: Path, cluster: str, tmp_path: Path,
                                           caplog: pytest.LogCaptureFixture) -> None:
    copies = []
    for n in range(4):
        copy = tmp_path / f"扫描件{n}.png"
        shutil.copy(scan, copy)
        copies.append((copy, copy.name))
    progress: list[tuple[int, int, str]] = []
    caplog.set_level(logging.INFO, logger="zhidao")

    def report(done: int, total: int, outcome: FileOutcome) -> None:
        progress.append((done, total, outcome.source.display))

    outcomes = read_paths(copies, boundary=Boundary(jobs=2, scheduler=cluster), progress=report)
    assert all(o.items for o in outcomes)
    assert [p[:2] for p in progress] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert sorted(p[2] for p in progress) == sorted(name for _, name in copies)
    [stats] = [r.dask_stats for r in caplog.records if hasattr(r, "dask_stats")]
    assert sum(s["files"] for s in stats.values()) == 4
    busy = [s for s in stats.values() if s["files"]]
    assert busy and all(s["engine_loads"] == 1 and s["readers"] == 1 for s in busy), stats


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_an_unreachable_scheduler_is_a_config_error(mixed: Path) -> None:
    address = f"tcp://127.0.0.1:{_closed_port()}"
    cmd = [sys.executable, "-m", "zhidao.cli", "extract", str(mixed), "--dask-scheduler", address]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 4, proc.stderr  # ExitCode.CONFIG
    assert "DASK_UNREACHABLE" in proc.stderr and "连接不上 Dask 调度器" in proc.stderr and address in proc.stderr
    assert "--dask local" in proc.stderr, "the remedy"
    assert "Traceback" not in proc.stderr
    assert not proc.stdout


def test_importing_zhidao_does_not_import_dask() -> None:
    code = "import sys, zhidao.cli, zhidao.ingest, zhidao.pipeline.extract; print('dask' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False"
