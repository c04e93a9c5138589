"""Reading on a Dask cluster (``--dask local``, ``--dask-scheduler tcp://HOST:PORT``): one task
per file, the outcomes returned in the order given, the progress reported as files finish.

The per-file failure boundary holds on the workers as it does here: a Dask worker does not read
a file itself but hands it to a reader process of its own (:mod:`zhidao.ingest.boundary`'s
worker processes, with their wall-time and memory limits), so a file that hangs, grows too large
or kills its reader gets FILE_TIMEOUT, FILE_TOO_LARGE or READER_CRASHED and the Dask worker goes
on with the next file. A reader lives as long as the run on its Dask worker: it loads the OCR
engine once and reads file after file (it is replaced only after such a failure, as here). The
readers belong to a :class:`ReaderPlugin` registered by the run under a name of its own, so
nothing is shared between runs on one cluster. Dask itself is imported only here, only when a
scheduler is asked for (the boundary imports this module then).

The files are opened by the workers by their absolute paths: the workers of a remote cluster
must see the inbox at the same path (a shared folder).
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, cast

import distributed
from distributed import KilledWorker, WorkerPlugin, get_worker

from zhidao.errors import READER_CRASHED, READER_FAILED, ConfigError
from zhidao.model import Boundary, FileOutcome, ReadOptions

from .boundary import Job, Progress, _collect, _failed, _Pool, _Worker, _worker_main

log = logging.getLogger("zhidao.ingest")

DASK_UNREACHABLE = "DASK_UNREACHABLE"  # no Dask scheduler answers at the address given
DASK_NO_WORKERS = "DASK_NO_WORKERS"  # the scheduler answers but has no worker to read with
CONNECT_SECONDS = 5.0  # how long to try to reach a scheduler
WORKERS_SECONDS = 30.0  # how long to wait for a scheduler's first worker

_dask: Any = distributed  # partly annotated: its client and cluster are used untyped
Client = Any
LocalCluster = Any
LogLine = tuple[int, str]  # (logging level, message) of a line logged on a worker while it read a file


# --- the workers' side ---------------------------------------------------------------------------


class _Counting:
    """A reader's end of its pipe that notes, with every outcome it sends, how many times the
    reader process has loaded an OCR engine (``load_engine`` loads each engine once per process)."""

    def __init__(self, conn: Connection, loads: Any) -> None:
        self.conn, self.loads = conn, loads

    def recv(self) -> Any:
        return self.conn.recv()

    def send(self, message: object) -> None:
        from zhidao.ingest.engines import load_engine

        self.loads.value = load_engine.cache_info().misses
        self.conn.send(message)


def _reader_main(conn: Connection, boundary: Boundary, loads: Any) -> None:
    """The boundary's reader loop (limits, one file after another), counting engine loads."""
    _worker_main(cast(Connection, _Counting(conn, loads)), boundary)


class _Readers(_Pool):
    """The boundary's pool of reader processes, on a Dask worker, with each reader's engine loads."""

    def __init__(self, boundary: Boundary, options: ReadOptions) -> None:
        super().__init__(boundary, options)
        self.loads: list[Any] = []  # one shared counter per reader ever started

    def start(self) -> _Worker:
        loads = self.context.Value("i", 0, lock=False)
        parent, child = self.context.Pipe()
        process = self.context.Process(target=_reader_main, args=(child, self.boundary, loads), daemon=True,
                                       name="zhidao-reader")
        process.start()
        child.close()
        worker = _Worker(process, parent)
        self.workers.append(worker)
        self.loads.append(loads)
        return worker


class _ThreadLines(logging.Handler):
    """Keeps the zhidao log lines of each task thread until its file's outcome goes back."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[int, list[LogLine]] = {}

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.setdefault(record.thread or 0, []).append((record.levelno, record.getMessage()))

    def take(self) -> list[LogLine]:
        return self.lines.pop(threading.get_ident(), [])


def _allow_children() -> None:
    """A Dask worker runs as a daemonic process (``distributed.worker.daemon``), which
    multiprocessing forbids to start processes. Its readers are daemonic children that end with
    it (their pipe closes), so the flag is cleared for this process."""
    current = multiprocessing.current_process()
    if current.daemon:
        current._config["daemon"] = False  # type: ignore[attr-defined]


class ReaderPlugin(WorkerPlugin):
    """Registered on every worker of the cluster for one run (under the run's own name): the
    worker's reader processes, which read the run's files behind the failure boundary."""

    idempotent = False

    def __init__(self, boundary: Boundary, options: ReadOptions) -> None:
        self.name = f"zhidao-readers-{uuid.uuid4().hex[:12]}"
        self.boundary, self.options = boundary, options
        self.files = 0

    def setup(self, worker: Any) -> None:
        _allow_children()
        self.readers = _Readers(self.boundary, self.options)
        self.lock = threading.Lock()
        self.handler = _ThreadLines()
        logger = logging.getLogger("zhidao")
        logger.addHandler(self.handler)
        logger.setLevel(logging.INFO)

    def teardown(self, worker: Any) -> None:
        with self.lock:
            self.readers.close()
        logging.getLogger("zhidao").removeHandler(self.handler)

    def read(self, job: Job) -> tuple[FileOutcome, list[LogLine]]:
        """One file, by one of this worker's readers, fenced as in a local run."""
        reader = self._assign(job)
        outcome = None
        while outcome is None:
            wait([reader.conn, reader.process.sentinel], timeout=self.boundary.poll_seconds)
            with self.lock:
                outcome = _collect(self.readers, reader, job, self.boundary)
        with self.lock:
            self.files += 1
        return outcome, self.handler.take()

    def _assign(self, job: Job) -> _Worker:
        with self.lock:
            for reader in list(self.readers.workers):
                if reader.job is None and not reader.process.is_alive():
                    self.readers.discard(reader)  # died while idle: no file is lost with it
            reader = self.readers.idle()
            try:
                self.readers.assign(reader, 0, job)
            except OSError:  # its pipe closed just now
                self.readers.discard(reader)
                reader = self.readers.start()
                self.readers.assign(reader, 0, job)
            return reader

    def stats(self) -> dict[str, int]:
        with self.lock:
            return {"files": self.files, "readers": len(self.readers.loads),
                    "engine_loads": sum(int(v.value) for v in self.readers.loads)}


def _read_one(plugin_name: str, path: Path, display: str) -> tuple[FileOutcome, list[LogLine]]:
    """The task of one file, run on a worker."""
    plugin: ReaderPlugin = get_worker().plugins[plugin_name]  # type: ignore[assignment]
    return plugin.read((path, display))


def _worker_stats(plugin_name: str, dask_worker: Any = None) -> dict[str, int]:
    plugin = dask_worker.plugins.get(plugin_name) if dask_worker is not None else None
    return plugin.stats() if isinstance(plugin, ReaderPlugin) else {}


# --- the run's side --------------------------------------------------------------------------


def _connect(boundary: Boundary) -> tuple[Client, LocalCluster | None]:
    """A client of the cluster the boundary names ("local": a LocalCluster started for the run)."""
    logging.getLogger("distributed").setLevel(logging.ERROR)  # the clerk's screen is not Dask's log
    if boundary.scheduler == "local":
        cluster = _dask.LocalCluster(n_workers=max(1, boundary.jobs), threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR)
        try:
            return _dask.Client(cluster), cluster
        except BaseException:
            cluster.close()
            raise
    address = str(boundary.scheduler)
    try:
        client = _dask.Client(address, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError) as exc:
        raise ConfigError(DASK_UNREACHABLE, f"连接不上 Dask 调度器 {address}（{CONNECT_SECONDS:.0f} 秒内没有应答）",
                          remedy="请确认调度器已启动（dask scheduler）、地址和端口无误、防火墙放行该端口；"
                                 "或改用 --dask local 在本机启动集群") from exc
    try:
        client.wait_for_workers(1, timeout=WORKERS_SECONDS)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise ConfigError(DASK_NO_WORKERS, f"Dask 调度器 {address} 没有可用的工作进程",
                          remedy="请在各台机器上启动工作进程（dask worker " + address + "）后重试") from exc
    return client, None


def _as_given(outcome: FileOutcome, path: Path) -> FileOutcome:
    """The outcome with the path as the run gave it (the worker opened it by its absolute path)."""
    if outcome.source.path == path:
        return outcome
    source = dataclasses.replace(outcome.source, path=path)
    items = tuple(dataclasses.replace(it, source=source) if it.source == outcome.source else it
                  for it in outcome.items)
    return dataclasses.replace(outcome, source=source, items=items)


def _outcome(future: Any, job: Job) -> FileOutcome:
    """A finished task's outcome; a task that failed (its Dask worker died) is its file's error."""
    try:
        outcome, lines = future.result()
    except KilledWorker:
        log.error("%s: 读取该文件的 Dask 工作进程意外退出", job[1])
        return _failed(job, READER_CRASHED, "读取程序在处理该文件时意外退出（Dask 工作进程），已跳过",
                       "请确认文件能用办公软件正常打开；如已损坏请向报送人重新索取")
    except Exception as exc:
        log.error("%s: Dask 任务失败（%s）", job[1], type(exc).__name__)
        return _failed(job, READER_FAILED, "读取时出现意外错误（Dask 集群），已跳过该文件",
                       "请确认集群各机器能访问收件目录（同一路径）；详细信息已写入 run.log")
    for level, line in lines:
        log.log(level, "%s", line)
    return _as_given(outcome, job[0])


def read_on_dask(jobs: Sequence[Job], options: ReadOptions, boundary: Boundary,
                 progress: Progress | None = None) -> Iterator[FileOutcome]:
    """Read every file on the cluster; yield one outcome per file, in the order given."""
    if not jobs:
        return
    started = time.monotonic()
    client, cluster = _connect(boundary)
    plugin = ReaderPlugin(boundary, options)
    done: dict[int, FileOutcome] = {}
    emitted = finished = 0
    try:
        client.register_plugin(plugin)
        futures = {client.submit(_read_one, plugin.name, path.absolute(), display, pure=False,
                                 key=f"{plugin.name}-{index}"): index
                   for index, (path, display) in enumerate(jobs)}
        for future in _dask.as_completed(futures):
            index = futures[future]
            done[index] = _outcome(future, jobs[index])
            finished += 1
            if progress is not None:
                progress(finished, len(jobs), done[index])
            while emitted in done and finished < len(jobs):  # the last ones after the cluster is let go
                yield done.pop(emitted)
                emitted += 1
        stats = client.run(_worker_stats, plugin.name)
        log.info("Dask：%d 个文件，%.1f 秒；各工作进程（读取文件数、读取进程数、载入 OCR 引擎次数）：%s", len(jobs),
                 time.monotonic() - started, stats, extra={"dask_stats": stats})
    finally:
        _release(client, cluster, plugin.name)
    while emitted in done:
        yield done.pop(emitted)
        emitted += 1


def _release(client: Client, cluster: LocalCluster | None, plugin_name: str) -> None:
    try:
        if cluster is None:
            try:
                client.unregister_worker_plugin(plugin_name)  # the readers stop; the workers stay
            except Exception as exc:  # a cluster that went away has nothing left to unregister
                log.warning("Dask：注销读取插件失败（%s）", type(exc).__name__)
        client.close()
    finally:
        if cluster is not None:
            cluster.close()
