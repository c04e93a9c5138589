"""The report stage of a run: every deliverable into OUT."""

from __future__ import annotations

from pathlib import Path

from zhidao.anchor import Anchor
from zhidao.context import RunContext
from zhidao.results import Ingested, Validated
from zhidao.validate.corrections import check_status

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
    packet = build_packet(ctx, ingested, validated, anchor, check)
    return (
        write_records(out, ingested),
        write_errors(out, ingested),
        write_findings(out, validated, check.findings_checked),
        write_attendance(out, validated),
        write_gx(out, ctx, validated),
        write_packet_xlsx(out / "packet.xlsx", packet),
        write_packet_pdf(out / "packet.pdf", packet),
        write_manifest(out, ctx, run_id, ingested),
    )
