"""The report stage of a run: every deliverable into OUT."""

from __future__ import annotations

from pathlib import Path

from zhidao.context import RunContext
from zhidao.results import Ingested, Validated

from .outputs import write_attendance, write_errors, write_findings, write_gx, write_manifest, write_records
from .packet_data import build_packet
from .packet_pdf import write_packet_pdf
from .packet_xlsx import write_packet_xlsx


def report(ctx: RunContext, run_id: int, ingested: Ingested, validated: Validated) -> tuple[Path, ...]:
    ctx.out.mkdir(parents=True, exist_ok=True)
    packet = build_packet(ctx, ingested, validated)
    return (
        write_records(ctx.out, ingested),
        write_errors(ctx.out, ingested),
        write_findings(ctx.out, validated),
        write_attendance(ctx.out, validated),
        write_gx(ctx.out, ctx, validated),
        write_packet_xlsx(ctx.out / "packet.xlsx", packet),
        write_packet_pdf(ctx.out / "packet.pdf", packet),
        write_manifest(ctx.out, ctx, run_id, ingested),
    )
