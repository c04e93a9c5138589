"""The validate stage of a run: matches and attendance, the check frames, Great Expectations
over them, the pandas rules, and one findings frame."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from zhidao.context import RunContext
from zhidao.results import Ingested, Validated

from . import checks as ck
from .attendance import matches_to_attendance, records_to_matches
from .gx_run import run_checks
from .rules import conflicts, duplicates, field_missing_label, finding, to_frame
from .suites import checks_for


def check_frames(ctx: RunContext, ingested: Ingested, matches: pd.DataFrame, attendance: pd.DataFrame
                 ) -> dict[str, pd.DataFrame]:
    as_of, months, profile = ctx.as_of.isoformat(), ctx.quarter.months, ctx.profile
    return {
        "roster": ck.roster_checks(ingested.roster, profile),
        "records": ck.record_checks(ingested.records, matches, ingested.values, months),
        "attendance": ck.attendance_checks(attendance, matches, ingested.records, ingested.roster, profile, as_of),
        "submissions": ck.submission_checks(ingested.records, matches, ingested.files, ingested.roster, months,
                                            profile, as_of),
        "summaries": ck.summary_checks(ingested.summaries, ingested.roster, months, profile, as_of),
    }


def validate(ctx: RunContext, ingested: Ingested, docs_dir: Path | None = None) -> Validated:
    as_of = ctx.as_of.isoformat()
    matches = records_to_matches(ingested.records, ingested.roster, as_of)
    attendance = matches_to_attendance(matches, ingested.records, ingested.roster, ctx.quarter.months)
    frames = check_frames(ctx, ingested, matches, attendance)
    unexpected, results = run_checks(frames, checks_for(ctx.profile), docs_dir)
    wanted: dict[str, set[str]] = {}
    for u in unexpected:
        wanted.setdefault(u.frame, set()).add(u.row_id)
    rows_by_frame = {name: ck.as_dict(frame[frame["row_id"].astype(str).isin(wanted[name])])
                     for name, frame in frames.items() if name in wanted}  # only the rows a finding needs
    findings: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()
    for u in unexpected:
        if (u.rule, u.frame, u.row_id) in seen:
            continue  # FIELD_MISSING has one expectation per field: one finding per row
        seen.add((u.rule, u.frame, u.row_id))
        row = rows_by_frame[u.frame][u.row_id]
        extra = {"missing_label": field_missing_label(row)} if u.rule == "FIELD_MISSING" else {}
        findings.append(finding(u.rule, row, ctx.profile, **extra))
    if ctx.profile.enabled("DUPLICATE"):
        findings += duplicates(frames["records"], ctx.profile)
    if ctx.profile.enabled("CONFLICT"):
        findings += conflicts(frames["records"], ctx.profile)
    return Validated(matches=matches, attendance=attendance, findings=to_frame(findings),
                     submissions=frames["submissions"], summaries=frames["summaries"], gx_results=tuple(results))
