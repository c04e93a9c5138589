"""`zhidao run`: ingest → validate → report, recorded in the ledger, published whole.

Outputs are written into a staging folder beside OUT; the ledger commits the run; only then is
the staging folder put in OUT's place (zhidao.reports.publish). A kill at any moment leaves the
previous complete OUT or the new one, never a packet whose run is not in the ledger. Everything
the run logs (tracebacks of readers included) goes to OUT/run.log.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from zhidao.anchor import Anchor
from zhidao.context import RunContext
from zhidao.dates import today_in_china
from zhidao.errors import FILE_TIMEOUT, INTERNAL, READER_CRASHED, InternalError, ZhidaoError
from zhidao.frames import rows_of
from zhidao.ingest import sha256_of
from zhidao.ingest.boundary import Progress
from zhidao.ingest.frames import items_to_records
from zhidao.ingest.stage import entry_to_refused, made_by, outcomes_to_ingested, plan_inbox, read_entries, read_roster
from zhidao.model import FileOutcome
from zhidao.reports import publish
from zhidao.reports.stage import report
from zhidao.results import Ingested, RunSummary, Validated
from zhidao.store import Ledger, reading_key
from zhidao.store.codec import dict_to_outcome
from zhidao.validate.corrections import records_with_corrections
from zhidao.validate.stage import validate

log = logging.getLogger("zhidao")


class _LogFile(logging.FileHandler):
    """run.log; when it cannot be written (a full disk) the record is dropped, not printed."""

    def handleError(self, record: logging.LogRecord) -> None:
        return None


class ShanghaiFormatter(logging.Formatter):
    """Log times in the county's time zone, with the offset: 2026-12-02 11:13:53+08:00."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        from zhidao.store.ledger import SHANGHAI

        return datetime.fromtimestamp(record.created, SHANGHAI).isoformat(sep=" ", timespec="seconds")


@contextmanager
def run_log(path: Path) -> Iterator[None]:
    """Send every log record of the run — zhidao's, the libraries', warnings — to ``path``, and
    none to the screen (Python's last-resort handler prints to stderr when no handler is set)."""
    handler = _LogFile(path, encoding="utf-8")
    handler.setFormatter(ShanghaiFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root, ours = logging.getLogger(), logging.getLogger("zhidao")
    level = ours.level
    root.addHandler(handler)
    ours.setLevel(logging.INFO)
    logging.captureWarnings(True)
    try:
        yield
    finally:
        logging.captureWarnings(False)
        root.removeHandler(handler)
        ours.setLevel(level)
        with contextlib.suppress(OSError):  # a full disk cannot take the log's last lines either
            handler.close()


def run(ctx: RunContext, progress: Progress | None = None) -> RunSummary:
    """One whole run. Raises ZhidaoError subclasses only (InternalError for the unexpected)."""
    publish.check_out(ctx.out, (ctx.inbox, ctx.roster, *([] if isinstance(ctx.db, str) else [ctx.db])))
    publish.recover(ctx.out)
    staged = publish.stage(ctx.out)
    try:
        with run_log(staged / "run.log"):
            log.info("zhidao run: inbox %s, roster %s, %s, out %s", ctx.inbox, ctx.roster, ctx.quarter, ctx.out)
            try:
                summary = _run(ctx, staged, progress)
            except ZhidaoError as exc:
                log.error("运行中止：%s", exc)
                raise
            except OSError as exc:
                log.exception("写入输出时出错")
                raise publish.output_error(exc, ctx.out) from exc
            except Exception as exc:  # the last boundary: a bug becomes a typed error with the log's path
                log.exception("内部错误")
                raise InternalError(INTERNAL, f"程序内部错误（{type(exc).__name__}），本次运行未生成输出",
                                    ctx.out, f"详细信息见 {ctx.out / 'run.log'}；请把该文件发给维护人员") from exc
        publish.publish(staged, ctx.out)
    except BaseException:
        _keep_log(staged, ctx.out)
        publish.discard(staged)
        raise
    return summary


def _keep_log(staged: Path, out: Path) -> None:
    """A failed run's log is kept in OUT (the previous outputs stay as they were)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        (staged / "run.log").replace(out / "run.log")
    except OSError:
        log.warning("run.log could not be kept in %s", out)


# Outcomes that say nothing lasting about a file: read it again next time.
_TRANSIENT = frozenset({FILE_TIMEOUT, READER_CRASHED})


def _run(ctx: RunContext, staged: Path, progress: Progress | None) -> RunSummary:
    with Ledger(ctx.db, ctx.county_key, wait_seconds=ctx.ledger_wait) as ledger:
        run_id = ledger.start_run(str(ctx.quarter), str(ctx.inbox), str(ctx.roster), str(ctx.out))
        roster = read_roster(ctx)
        read = read_inbox(ctx, ledger, run_id, progress)
        extracted = outcomes_to_ingested(ctx, roster, read.outcomes, read.received)
        # reviewers' corrections (by stable record id) take the place of what was read
        corrections = ledger.corrections()
        ingested = dataclasses.replace(extracted, records=records_with_corrections(extracted.records, corrections))
        validated = validate(ctx, ingested, docs_dir=staged / "gx" / "data_docs")
        inbox = ingested.files[ingested.files["role"] == "inbox"]
        summary = RunSummary(
            run_id=run_id, out=str(ctx.out), files=len(inbox),
            files_failed=int(inbox["status"].isin(["error", "refused"]).sum()),
            records=len(ingested.records), findings=len(validated.findings), written=(),
            files_read=read.read_now, files_reused=read.reused,
        )
        with ledger.write() as conn:
            ledger.record_run(conn, run_id, run_file_rows(ingested, read.reading_ids),
                              finding_rows(validated), match_rows(validated, read.reading_ids))
            ledger.finish_run(conn, run_id, {"files": summary.files, "records": summary.records,
                                             "findings": summary.findings, "files_read": read.read_now},
                              max((c.event_seq for c in corrections), default=0))
            seq, head = ledger.anchor_run(conn, run_id)
        written = report(ctx, run_id, ingested, validated, staged, Anchor(ledger.county, seq, head))
        with ledger.write() as conn:
            for path in written:
                if path.name in ("packet.xlsx", "packet.pdf", "notice.xlsx", "notice.pdf"):
                    ledger.packet_issued(conn, run_id, path, ctx.out / path.name)
    return dataclasses.replace(summary, written=tuple(str(ctx.out / p.relative_to(staged)) for p in written))


@dataclasses.dataclass(frozen=True)
class InboxRead:
    outcomes: list[FileOutcome]  # every inbox entry's, in walk order
    received: dict[str, str]  # sha256 → receipt date
    reading_ids: dict[str, int]  # sha256 → the reading this run counts
    read_now: int
    reused: int


def read_inbox(ctx: RunContext, ledger: Ledger, run_id: int, progress: Progress | None) -> InboxRead:
    """Every inbox entry's outcome: a stored reading made the same way is reused (the file is
    not opened for reading); the others are read behind the failure boundary and each is
    committed to the ledger as soon as it is read."""
    entries = plan_inbox(ctx)
    shas = {id(e): sha256_of(e.path) for e in entries if e.refused is None}
    maker = made_by(ctx)
    stored = {} if ctx.reread else ledger.stored_readings(reading_key(maker), sorted({s for s in shas.values() if s}))
    known = ledger.received_dates()
    today = (ctx.received or today_in_china()).isoformat()
    outcomes: dict[int, FileOutcome] = {}
    reading_ids: dict[str, int] = {}
    for e in entries:
        sha = shas.get(id(e), "")
        if e.refused is not None:
            outcomes[id(e)] = entry_to_refused(e)
        elif sha in stored:
            reading_ids[sha], data = stored[sha]
            outcomes[id(e)] = dataclasses.replace(
                dict_to_outcome(data, e.path, e.display, sha, e.path.stat().st_size), name_bytes=e.name_bytes,
                reused=True)
    fresh = [e for e in entries if id(e) not in outcomes]
    for entry, outcome in zip(fresh, read_entries(ctx, fresh, progress), strict=True):
        outcomes[id(entry)] = outcome
        sha = outcome.source.sha256
        if sha and not (outcome.errors and outcome.errors[0].code in _TRANSIENT and not outcome.items):
            rows = rows_of(items_to_records(outcome.items))
            reading_ids[sha] = ledger.save_reading(outcome, maker, run_id, known.get(sha, today), rows)
    ordered = [outcomes[id(e)] for e in entries]
    received = {o.source.sha256: known.get(o.source.sha256, today) for o in ordered if o.source.sha256}
    return InboxRead(ordered, received, reading_ids, len(fresh), len(entries) - len(fresh) - sum(
        1 for e in entries if e.refused is not None))


def run_file_rows(ingested: Ingested, reading_ids: dict[str, int]) -> list[dict[str, Any]]:
    rows = []
    for f in rows_of(ingested.files):
        rows.append({"sha256": f["sha256"] or "", "path": f["path"], "role": f["role"],
                     "reading_id": reading_ids.get(f["sha256"] or ""), "status": f["status"], "medium": f["medium"],
                     "error_code": f["error_code"], "error_message": f["error_message"]})
    return list({(r["sha256"], r["path"]): r for r in rows}.values())


def finding_rows(validated: Validated) -> list[dict[str, Any]]:
    rows = []
    for f in rows_of(validated.findings):
        rows.append({k: f[k] for k in ("rule", "severity", "instructor", "enterprise", "month", "date", "message")}
                    | {"sources": json.loads(f["sources"]) if f["sources"] else []})
    return rows


def match_rows(validated: Validated, reading_ids: dict[str, int]) -> list[dict[str, Any]]:
    by_prefix = {sha[:16]: reading for sha, reading in reading_ids.items()}
    rows = []
    for m in rows_of(validated.matches):
        rid = str(m["record_id"])
        rows.append({"record_id": rid, "reading_id": by_prefix.get(rid.split("-", 1)[0]),
                     "instructor": m["instructor"], "enterprise": m["enterprise"], "month": m["month"],
                     "status": m["status"], "counted": None if m["counted"] is None else bool(m["counted"])})
    return list({r["record_id"]: r for r in rows}.values())
