"""The report stage of a run: every deliverable into OUT."""

from __future__ import annotations

from pathlib import Path

from zhidao.anchor import Anchor
from zhidao.context import RunContext
from zhidao.results import Ingested, Validated
from zhidao.validate.corrections import CheckStatus, check_status

from .notice_data import build_notice
from .notice_pdf import write_notice_pdf
from .notice_xlsx import write_notice_xlsx
from .outputs import write_attendance, write_errors, write_findings, write_gx, write_manifest, write_records
from .packet_data import build_packet
from .packet_pdf import write_packet_pdf
from .packet_xlsx import write_packet_xlsx


def report(ctx: RunContext, run_id: int, ingested: Ingested, validated: Validated, out: Path,
           anchor: Anchor | None = None) -> tuple[Path, ...]:
    """Write every deliverable into ``out`` (the run's staging folder, published as ctx.out);
    ``anchor`` is the ledger's chain head the packet is issued on."""
    out.mkdir(parents=True, exist_ok=True)
    # what no person has checked yet, decided once: the packet and findings.jsonl show the same
    check = check_status(ingested.records, validated.findings, validated.matches, ctx.quarter.months)
    return (
        write_records(out, ingested),
        write_errors(out, ingested),
        write_findings(out, validated, check.findings_checked),
        write_attendance(out, validated),
        write_gx(out, ctx, validated),
        *_documents(ctx, ingested, validated, out, anchor, check),
        write_manifest(out, ctx, run_id, ingested),
    )


def _documents(ctx: RunContext, ingested: Ingested, validated: Validated, out: Path, anchor: Anchor | None,
               check: CheckStatus) -> tuple[Path, ...]:
    """The month's notice for a monthly check; the meeting packet for a quarter, half year, year."""
    if ctx.quarter.kind == "M":
        notice = build_notice(ctx, ingested, validated, anchor, check)
        return write_notice_xlsx(out / "notice.xlsx", notice), write_notice_pdf(out / "notice.pdf", notice)
    packet = build_packet(ctx, ingested, validated, anchor, check)
    return write_packet_xlsx(out / "packet.xlsx", packet), write_packet_pdf(out / "packet.pdf", packet)
