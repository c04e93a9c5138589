"""`zhidao run`: ingest → validate → report, recorded in the ledger, published whole.

Outputs are written into a staging folder beside OUT; the ledger commits the run; only then is
the staging folder put in OUT's place (zhidao.reports.publish). A kill at any moment leaves the
previous complete OUT or the new one, never a packet whose run is not in the ledger. Everything
the run logs (tracebacks of readers included) goes to OUT/run.log.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from zhidao.context import RunContext
from zhidao.errors import INTERNAL, InternalError, ZhidaoError
from zhidao.ingest.boundary import Progress
from zhidao.ingest.stage import ingest
from zhidao.ledger import Ledger
from zhidao.reports import publish
from zhidao.reports.stage import report
from zhidao.results import RunSummary
from zhidao.validate.corrections import records_with_corrections
from zhidao.validate.stage import validate

log = logging.getLogger("zhidao")


@contextmanager
def run_log(path: Path) -> Iterator[None]:
    """Send the ``zhidao`` logger (and warnings) to ``path`` for the duration of the run."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("zhidao")
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").addHandler(handler)
    try:
        yield
    finally:
        logging.getLogger("py.warnings").removeHandler(handler)
        logging.captureWarnings(False)
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()


def run(ctx: RunContext, progress: Progress | None = None) -> RunSummary:
    """One whole run. Raises ZhidaoError subclasses only (InternalError for the unexpected)."""
    publish.check_out(ctx.out, (ctx.inbox, ctx.roster, ctx.db))
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


def _run(ctx: RunContext, staged: Path, progress: Progress | None) -> RunSummary:
    with Ledger(ctx.db, wait_seconds=ctx.ledger_wait) as ledger:
        run_id = ledger.start_run(str(ctx.quarter), str(ctx.inbox), str(ctx.roster), str(ctx.out))
        extracted = ingest(ctx, ledger.received_dates(), progress)
        # reviewers' corrections (by stable record id) take the place of what was read
        ingested = dataclasses.replace(
            extracted, records=records_with_corrections(extracted.records, ledger.corrections()))
        validated = validate(ctx, ingested, docs_dir=staged / "gx" / "data_docs")
        written = report(ctx, run_id, ingested, validated, staged)
        ledger.add_files(ingested.files, run_id)
        ledger.add_records(extracted.records, extracted.values)
        ledger.add_findings(run_id, validated.findings)
        ledger.add_matches(run_id, validated.matches)
        for path in written:
            if path.name in ("packet.xlsx", "packet.pdf"):
                ledger.packet_issued(run_id, path, ctx.out / path.name)
        inbox = ingested.files[ingested.files["role"] == "inbox"]
        summary = RunSummary(
            run_id=run_id,
            out=str(ctx.out),
            files=len(inbox),
            files_failed=int(inbox["status"].isin(["error", "refused"]).sum()),
            records=len(ingested.records),
            findings=len(validated.findings),
            written=tuple(str(ctx.out / p.relative_to(staged)) for p in written),
        )
        ledger.finish_run(run_id, {"files": summary.files, "records": summary.records,
                                   "findings": summary.findings})
    return summary
