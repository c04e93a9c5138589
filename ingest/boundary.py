"""The per-file failure boundary: every file is read in a worker process under a wall-time and a
memory limit, and whatever happens there becomes that file's outcome.

A worker that raises, runs out of memory, hangs or dies (a crash inside a C library, the kernel's
OOM killer, ``kill -9``) costs only the file it was reading: the file gets a typed error outcome
(FILE_TIMEOUT, FILE_TOO_LARGE, READER_CRASHED), the worker is replaced, and the batch goes on.
Tracebacks and worker deaths go to the ``zhidao`` logger (the run's ``run.log``), never to the
clerk's screen.

Workers are forked from a small fork server (not from the main process, which may hold threads
and large frames); each loads its OCR engine once and reads file after file.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import multiprocessing
import os
import resource
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path

from zhidao.errors import FILE_TIMEOUT, FILE_TOO_LARGE, READER_CRASHED
from zhidao.model import Boundary, ErrorInfo, FileOutcome, ReadOptions, SourceFile

log = logging.getLogger("zhidao.ingest")

Job = tuple[Path, str]  # (path to open, path as shown to the user)
Progress = Callable[[int, int, FileOutcome], None]  # (files done, files in all, the outcome)


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    job: int | None = None  # index of the file being read
    started: float = 0.0


def _limit_memory(boundary: Boundary) -> None:
    limit = boundary.memory_bytes + boundary.address_headroom
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _one_thread() -> None:
    """With several readers, each is one thread (ONNX already is): the processes are the
    parallelism, and OpenCV's own thread pool would only make them fight over the same cores
    (measured: jobs=2 on 40 scans 23.2 s → 22.7 s; a lone reader keeps OpenCV's threads, 37.3 s
    against 39.5 s without them)."""
    import cv2

    cv2.setNumThreads(1)


def _worker_main(conn: Connection, boundary: Boundary) -> None:
    """Read the files the parent sends, one at a time, until it sends None."""
    os.setsid()  # its own process group: a converter it starts dies with it
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _limit_memory(boundary)
    if boundary.jobs > 1:
        _one_thread()
    from zhidao.ingest import read_path

    handler = _ListHandler()
    logging.getLogger("zhidao").addHandler(handler)
    logging.getLogger("zhidao").setLevel(logging.INFO)
    while True:
        job = conn.recv()
        if job is None:
            return
        path, display, options = job
        outcome = read_path(path, display, options)
        conn.send((outcome, handler.take()))


class _ListHandler(logging.Handler):
    """Keeps a worker's log lines until they are sent to the parent with the outcome."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def take(self) -> list[str]:
        lines, self.lines = self.lines, []
        return lines


def _failed(job: Job, code: str, message: str, remedy: str) -> FileOutcome:
    path, display = job
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    from zhidao.ingest import sha256_of

    return FileOutcome(SourceFile(path, display, sha256_of(path), size), "?", (),
                       (ErrorInfo(code, message, remedy),))


def _timeout(job: Job, boundary: Boundary) -> FileOutcome:
    return _failed(job, FILE_TIMEOUT, f"读取超时（超过 {boundary.wall_seconds:.0f} 秒），已跳过该文件",
                   "文件可能过大或已损坏；请确认能正常打开，必要时拆分后重新放入收件目录")


def _too_large(job: Job, boundary: Boundary) -> FileOutcome:
    return _failed(job, FILE_TOO_LARGE,
                   f"读取该文件所需内存超过上限（{boundary.memory_bytes / (1 << 30):.1f} GB），已跳过",
                   "请确认文件未损坏；扫描件请用 300 dpi 左右的分辨率重新扫描")


def _crashed(job: Job, exitcode: int | None) -> FileOutcome:
    return _failed(job, READER_CRASHED, f"读取程序在处理该文件时意外退出（退出码 {exitcode}），已跳过",
                   "请确认文件能用办公软件正常打开；如已损坏请向报送人重新索取")


class _Pool:
    """Worker processes that are started lazily and replaced when one is lost."""

    def __init__(self, boundary: Boundary, options: ReadOptions) -> None:
        self.boundary = boundary
        self.options = options
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(["zhidao.ingest"])
        self.workers: list[_Worker] = []

    def start(self) -> _Worker:
        parent, child = self.context.Pipe()
        process = self.context.Process(target=_worker_main, args=(child, self.boundary), daemon=True,
                                       name="zhidao-reader")
        process.start()
        child.close()
        worker = _Worker(process, parent)
        self.workers.append(worker)
        return worker

    def idle(self) -> _Worker:
        for worker in self.workers:
            if worker.job is None:
                return worker
        return self.start()

    def assign(self, worker: _Worker, index: int, job: Job) -> None:
        worker.job, worker.started = index, time.monotonic()
        worker.conn.send((job[0], job[1], self.options))

    def discard(self, worker: _Worker) -> None:
        """Kill a worker (and whatever it started) and forget it."""
        pid = worker.process.pid
        if pid is not None and worker.process.is_alive():
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                worker.process.kill()
        worker.process.join(5)
        worker.conn.close()
        self.workers.remove(worker)

    def close(self) -> None:
        for worker in list(self.workers):
            if worker.job is None and worker.process.is_alive():
                with contextlib.suppress(OSError):
                    worker.conn.send(None)
            worker.process.join(2)
            self.discard(worker)


def _rss(pid: int | None) -> int:
    """Resident memory of a process in bytes (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


def read_fenced(jobs: Sequence[Job], options: ReadOptions, boundary: Boundary,
                progress: Progress | None = None) -> Iterator[FileOutcome]:
    """Read every file in a worker process; yield one outcome per file, in the order given.
    With ``boundary.scheduler`` set the files are read on a Dask cluster (:mod:`.dask_read`),
    fenced there the same way."""
    if boundary.scheduler is not None:
        from .dask_read import read_on_dask  # Dask is imported only for a run that asks for it

        yield from read_on_dask(jobs, options, boundary, progress)
        return
    pool = _Pool(boundary, options)
    queue = collections.deque(enumerate(jobs))
    done: dict[int, FileOutcome] = {}
    emitted = finished = 0
    try:
        while emitted < len(jobs):
            while queue and sum(w.job is not None for w in pool.workers) < max(1, boundary.jobs):
                position, job = queue.popleft()
                pool.assign(pool.idle(), position, job)
            busy = [w for w in pool.workers if w.job is not None]
            wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=boundary.poll_seconds)
            for worker in busy:
                index = worker.job
                assert index is not None
                outcome = _collect(pool, worker, jobs[index], boundary)
                if outcome is not None:
                    done[index] = outcome
                    finished += 1
                    if progress is not None:
                        progress(finished, len(jobs), outcome)
            while emitted in done:
                yield done.pop(emitted)
                emitted += 1
    finally:
        pool.close()


def _collect(pool: _Pool, worker: _Worker, job: Job, boundary: Boundary) -> FileOutcome | None:
    """The outcome of a busy worker's file if it has one now (read, failed, timed out, too big)."""
    if worker.conn.poll():
        try:
            outcome, lines = worker.conn.recv()
        except (EOFError, OSError):
            return _lost(pool, worker, job)
        for line in lines:
            log.info("%s: %s", job[1], line)
        worker.job = None
        if _rss(worker.process.pid) > boundary.memory_bytes // 2:
            pool.discard(worker)  # a worker that grew large is not kept for the next file
        result: FileOutcome = outcome
        return result
    if not worker.process.is_alive():
        return _lost(pool, worker, job)
    if time.monotonic() - worker.started > boundary.wall_seconds:
        log.warning("%s: 读取超时，终止读取进程 %s", job[1], worker.process.pid)
        pool.discard(worker)
        return _timeout(job, boundary)
    if _rss(worker.process.pid) > boundary.memory_bytes:
        log.warning("%s: 内存超过上限，终止读取进程 %s", job[1], worker.process.pid)
        pool.discard(worker)
        return _too_large(job, boundary)
    return None


def _lost(pool: _Pool, worker: _Worker, job: Job) -> FileOutcome:
    worker.process.join(5)
    exitcode = worker.process.exitcode
    log.error("%s: 读取进程 %s 意外退出（退出码 %s）", job[1], worker.process.pid, exitcode)
    pool.discard(worker)
    return _crashed(job, exitcode)
