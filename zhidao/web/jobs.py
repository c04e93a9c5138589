"""The station's run in a background thread, one at a time, with its progress for the page to poll."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zhidao.context import RunContext
from zhidao.errors import ZhidaoError
from zhidao.model import FileOutcome

log = logging.getLogger("zhidao.web")

IDLE, RUNNING, DONE, FAILED = "idle", "running", "done", "failed"
STATE_LABELS = {IDLE: "尚未运行", RUNNING: "正在运行", DONE: "运行完成", FAILED: "运行失败"}


@dataclass
class RunState:
    state: str = IDLE
    done: int = 0
    total: int = 0
    current: str = ""  # the last file read
    message: str = ""
    started: float = 0.0
    finished: float = 0.0
    by: str = ""
    log: list[str] = field(default_factory=list)  # one line per file read

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["label"] = STATE_LABELS[self.state]
        out["log"] = self.log[-50:]
        out["seconds"] = round((self.finished or time.monotonic()) - self.started, 1) if self.started else 0
        return out


class RunJob:
    """Starts `zhidao.pipeline.run.run` in a thread; ``state()`` is a copy safe to read anywhere."""

    def __init__(self, make_context: Callable[[], RunContext],
                 runner: Callable[..., Any] | None = None) -> None:
        self._make_context = make_context
        self._runner = runner
        self._lock = threading.Lock()
        self._state = RunState()
        self._thread: threading.Thread | None = None

    def state(self) -> RunState:
        with self._lock:
            return dataclasses.replace(self._state, log=list(self._state.log))

    def running(self) -> bool:
        return self.state().state == RUNNING

    def start(self, by: str) -> bool:
        """Start a run; False when one is already running."""
        with self._lock:
            if self._state.state == RUNNING:
                return False
            self._state = RunState(state=RUNNING, started=time.monotonic(), by=by, message="正在准备……")
            self._thread = threading.Thread(target=self._work, name="zhidao-run", daemon=True)
            self._thread.start()
        return True

    def wait(self, timeout: float | None = None) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _progress(self, done: int, total: int, outcome: FileOutcome) -> None:
        name = Path(outcome.source.display).name
        status = {"ok": "已读取", "partial": "部分读取", "error": "无法读取", "refused": "已拒收"}.get(
            outcome.status, outcome.status)
        with self._lock:
            self._state.done, self._state.total, self._state.current = done, total, name
            self._state.message = f"正在读取文件：{done}/{total}"
            self._state.log.append(f"{name}：{status}")

    def _run(self, ctx: RunContext) -> Any:
        if self._runner is not None:
            return self._runner(ctx, self._progress)
        from zhidao.pipeline.run import run

        return run(ctx, self._progress)

    def _work(self) -> None:
        try:
            ctx = self._make_context()
            summary = self._run(ctx)
            message = summary.describe()
            state = DONE
        except ZhidaoError as exc:
            message, state = f"运行未完成：{exc}", FAILED
        except Exception as exc:  # the thread's last boundary: the page says so, the log keeps the traceback
            log.exception("run failed")
            message, state = f"运行未完成：程序内部错误（{type(exc).__name__}）", FAILED
        with self._lock:
            self._state.state, self._state.message = state, message
            self._state.finished = time.monotonic()

