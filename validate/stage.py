"""The validate stage of a run: matches, attendance and findings from the ingested frames."""

from __future__ import annotations

from zhidao.context import RunContext
from zhidao.results import Ingested, Validated

from .attendance import matches_to_attendance, records_to_matches
from .rules import RuleInputs, run_rules


def validate(ctx: RunContext, ingested: Ingested) -> Validated:
    as_of = ctx.as_of.isoformat()
    matches = records_to_matches(ingested.records, ingested.roster, as_of)
    attendance = matches_to_attendance(matches, ingested.records, ingested.roster, ctx.quarter.months)
    findings = run_rules(RuleInputs(
        records=ingested.records, roster=ingested.roster, matches=matches, attendance=attendance,
        profile=ctx.profile, months=ctx.quarter.months, as_of=as_of,
    ))
    return Validated(matches=matches, attendance=attendance, findings=findings)
