"""The per-file failure boundary: a reader that raises, runs too long, takes too much memory or
whose worker process is killed costs only its file; the batch goes on, in order."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from tests.scan_support import SINGLE, write
from zhidao.fixtures import scans
from zhidao.fixtures.demo import DemoPaths
from zhidao.fonts import register_cjk_font
from zhidao.ingest import RECORD_READERS, read_file, read_paths, source_file, walk_inbox
from zhidao.model import Boundary, ReadOptions, SourceFile


def explode(path: Path, source: SourceFile, options: ReadOptions) -> list[object]:
    """A reader with a bug (used through the registry, as any reader is)."""
    quoted = path.read_bytes()[:0].decode() + "139" + "12345678"  # as if quoted from the file
    raise KeyError(quoted)


def exhaust(path: Path, source: SourceFile, options: ReadOptions) -> list[object]:
    raise MemoryError


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("scan"), "扫描件.png", scans.render_form(SINGLE, register_cjk_font()))


def test_an_unexpected_exception_in_a_reader_is_that_files_outcome(demo: DemoPaths,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    docx = next(walk_inbox(demo.inbox))
    registry = {**RECORD_READERS, "docx": "tests.test_boundary:explode"}
    outcome = read_file(source_file(docx), registry)
    assert outcome.status == "error"
    [error] = outcome.errors
    assert error.code == "READER_FAILED" and "意外错误" in error.message and "run.log" in error.remedy
    assert "explode" in caplog.text and "KeyError" in caplog.text  # the traceback goes to the log
    assert "13912345678" not in caplog.text, "never the exception's text: it may quote the file"
    assert "KeyError" not in error.message


def test_memory_error_in_a_reader_is_file_too_large(demo: DemoPaths) -> None:
    docx = next(walk_inbox(demo.inbox))
    outcome = read_file(source_file(docx), {**RECORD_READERS, "docx": "tests.test_boundary:exhaust"})
    assert outcome.errors[0].code == "FILE_TOO_LARGE"


def test_a_file_over_the_wall_time_is_skipped_and_the_batch_goes_on(demo: DemoPaths, scan: Path) -> None:
    docx = [(p, p.name) for p in walk_inbox(demo.inbox)][:2]
    jobs = [docx[0], (scan, scan.name), docx[1]]
    outcomes = read_paths(jobs, boundary=Boundary(wall_seconds=0.5, jobs=1))
    assert [o.source.display for o in outcomes] == [name for _, name in jobs]
    assert outcomes[1].errors[0].code == "FILE_TIMEOUT"
    assert outcomes[1].source.sha256  # the file is still identified in the manifest
    assert outcomes[0].items and outcomes[2].items


def test_a_file_over_the_memory_limit_is_skipped(demo: DemoPaths, scan: Path) -> None:
    docx = next(walk_inbox(demo.inbox))
    # 150 MB is far less than OCR needs: the worker is stopped (by the RSS watch or the address-space limit)
    fence = Boundary(memory_bytes=150 << 20, address_headroom=1 << 30, jobs=1)
    first, second = read_paths([(scan, scan.name), (docx, docx.name)], boundary=fence)
    assert first.errors[0].code in ("FILE_TOO_LARGE", "READER_CRASHED")
    assert second.items, "the next file is read by a fresh worker"


def _parents() -> dict[int, int]:
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


def _grandchildren(pid: int) -> set[int]:
    """Processes below ``pid`` but not its own children (the readers, forked by the fork server)."""
    parents = _parents()
    return {p for p, parent in parents.items() if parents.get(parent) == pid}


def test_a_worker_killed_mid_file_is_replaced(demo: DemoPaths, scan: Path) -> None:
    docx = next(walk_inbox(demo.inbox))
    before = _grandchildren(os.getpid())
    killed: list[int] = []

    def kill_the_reader() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            readers = sorted(_grandchildren(os.getpid()) - before)  # the scan is the first file it gets
            if readers:
                time.sleep(1.0)  # let it start on the scan
                os.kill(readers[0], signal.SIGKILL)
                killed.append(readers[0])
            time.sleep(0.05)

    killer = threading.Thread(target=kill_the_reader)
    killer.start()
    first, second = read_paths([(scan, scan.name), (docx, docx.name)], boundary=Boundary(jobs=1))
    killer.join()
    assert killed
    assert first.errors[0].code == "READER_CRASHED" and "意外退出" in first.errors[0].message
    assert second.items
