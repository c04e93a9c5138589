"""`zhidao run`: ingest → validate → report, recorded in the ledger."""

from __future__ import annotations

import dataclasses

from zhidao.context import RunContext
from zhidao.ingest.stage import ingest
from zhidao.ledger import Ledger
from zhidao.reports.stage import report
from zhidao.results import RunSummary
from zhidao.validate.corrections import records_with_corrections
from zhidao.validate.stage import validate


def run(ctx: RunContext) -> RunSummary:
    with Ledger(ctx.db) as ledger:
        run_id = ledger.start_run(str(ctx.quarter), str(ctx.inbox), str(ctx.roster), str(ctx.out))
        extracted = ingest(ctx, ledger.received_dates())
        # reviewers' corrections (by stable record id) take the place of what was read
        ingested = dataclasses.replace(
            extracted, records=records_with_corrections(extracted.records, ledger.corrections()))
        validated = validate(ctx, ingested, docs_dir=ctx.out / "gx" / "data_docs")
        written = report(ctx, run_id, ingested, validated)
        ledger.add_files(ingested.files, run_id)
        ledger.add_records(extracted.records, extracted.values)
        ledger.add_findings(run_id, validated.findings)
        ledger.add_matches(run_id, validated.matches)
        for path in written:
            if path.name in ("packet.xlsx", "packet.pdf"):
                ledger.packet_issued(run_id, path)
        inbox = ingested.files[ingested.files["role"] == "inbox"]
        summary = RunSummary(
            run_id=run_id,
            out=str(ctx.out),
            files=len(inbox),
            files_failed=int((inbox["status"] == "error").sum()),
            records=len(ingested.records),
            findings=len(validated.findings),
            written=tuple(str(p) for p in written),
        )
        ledger.finish_run(run_id, {"files": summary.files, "records": summary.records,
                                   "findings": summary.findings})
    return summary
