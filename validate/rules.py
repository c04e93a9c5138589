"""The dispatch rules of SPEC.md, each a function of the frames → finding rows.

Rule ids, severities and the Chinese message templates are declared once in :data:`RULES`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from zhidao import frames
from zhidao.context import Profile
from zhidao.frames import rows_of


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title: str  # Chinese, for the packet


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule("ELIG_PARTY_AGE", "error", "党龄不足"),
        Rule("ELIG_EDUCATION", "error", "学历不符合要求"),
        Rule("PREF_MID_LEVEL", "info", "非中层以上干部"),
        Rule("DAYS_MIN", "error", "驻企天数不足"),
        Rule("REPORT_LATE", "warning", "报送逾期"),
        Rule("REPORT_MISSING", "error", "未报送工作记录"),
        Rule("UNKNOWN_INSTRUCTOR", "error", "名单中无此指导员"),
        Rule("ENTERPRISE_MISMATCH", "error", "驻企单位与名单不符"),
        Rule("DATE_INVALID", "error", "驻企日期有误"),
        Rule("DUPLICATE", "info", "重复报送"),
        Rule("CONFLICT", "warning", "同日驻两家企业"),
        Rule("FIELD_MISSING", "error", "必填项缺失"),
        Rule("UNSIGNED", "warning", "企业未签字"),
        Rule("SUMMARY_MISSING", "warning", "未报送半年总结"),
    )
}


@dataclass(frozen=True)
class RuleInputs:
    records: pd.DataFrame
    roster: pd.DataFrame
    matches: pd.DataFrame
    attendance: pd.DataFrame
    profile: Profile
    months: tuple[str, ...]
    as_of: str


def finding(rule: str, message: str, *, instructor: str | None = None, enterprise: str | None = None,
            month: str | None = None, date: str | None = None, sources: list[str] | None = None) -> dict[str, Any]:
    return {
        "rule": rule, "severity": RULES[rule].severity, "instructor": instructor,
        "enterprise": enterprise, "month": month, "date": date,
        "sources": json.dumps(sorted(set(sources or [])), ensure_ascii=False), "message": message,
    }


def _sources(records: pd.DataFrame, record_ids: list[str]) -> list[str]:
    return sorted({str(s) for s in records.loc[records["record_id"].isin(record_ids), "source"].dropna()})


def days_min(inp: RuleInputs) -> list[dict[str, Any]]:
    """Fewer distinct days than the profile asks, in a month the instructor reported at all
    (a month with no record at all is REPORT_MISSING instead) and that has ended."""
    reported = {(m["instructor"], m["month"]) for m in rows_of(inp.matches) if m["status"] == "ok"}
    out = []
    for row in rows_of(inp.attendance):
        name, month, days = row["instructor"], row["month"], row["days"]
        if (name, month) not in reported or month >= inp.as_of[:7] or days >= inp.profile.days_min:
            continue
        ids = row["record_ids"].split(",") if row["record_ids"] else []
        out.append(finding(
            "DAYS_MIN",
            f"{name} {month} 在「{row['enterprise']}」驻企 {days} 天，少于规定的每月 {inp.profile.days_min} 天",
            instructor=name, enterprise=row["enterprise"], month=month, sources=_sources(inp.records, ids),
        ))
    return out


def unknown_instructor(inp: RuleInputs) -> list[dict[str, Any]]:
    unknown = inp.matches[inp.matches["status"] == "unknown_instructor"].merge(
        inp.records[["record_id", "enterprise", "visit_date", "source"]], on="record_id",
        suffixes=("", "_written"))
    return [
        finding(
            "UNKNOWN_INSTRUCTOR",
            f"记录中的指导员「{row['instructor']}」不在名单中（{row['source']}）",
            instructor=row["instructor"], enterprise=row["enterprise_written"], month=row["month"],
            date=row["visit_date"], sources=[row["source"]],
        )
        for row in rows_of(unknown)
    ]


def roster_field_missing(inp: RuleInputs) -> list[dict[str, Any]]:
    """A roster row without a name (or without an enterprise) is a finding, not a silent drop."""
    out = []
    for row in rows_of(inp.roster):
        missing = [label for key, label in (("name", "姓名"), ("enterprise", "派驻企业")) if row[key] is None]
        if missing:
            where = f"{row['source']} {row['location'] or ''}".strip()
            out.append(finding(
                "FIELD_MISSING", f"名单中有一行缺少{'、'.join(missing)}（{where}），该行未计入",
                instructor=row["name"], enterprise=row["enterprise"], sources=[row["source"]],
            ))
    return out


RuleFn = Callable[[RuleInputs], list[dict[str, Any]]]
CHECKS: dict[str, RuleFn] = {
    "DAYS_MIN": days_min,
    "UNKNOWN_INSTRUCTOR": unknown_instructor,
    "FIELD_MISSING": roster_field_missing,
}


def run_rules(inp: RuleInputs) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for check in CHECKS.values():
        rows += check(inp)
    df = frames.FINDINGS.frame(rows)
    order = {rid: i for i, rid in enumerate(RULES)}
    return df.sort_values(
        ["rule", "instructor", "month", "date"], key=lambda s: s.map(order) if s.name == "rule" else s,
        na_position="first").reset_index(drop=True)
