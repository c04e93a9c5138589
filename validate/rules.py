"""The dispatch rules of SPEC.md: ids, severities, titles and Chinese messages in one table;
the findings from Great Expectations' unexpected rows; and the two rules that are not row
properties (DUPLICATE, CONFLICT), in pandas, joining the same findings frame."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from zhidao import frames
from zhidao.context import Profile

Row = dict[str, Any]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title: str  # Chinese, for the packet
    message: Callable[[Row, Profile], str]


_FIELD_LABELS = {"instructor_missing": "指导员姓名", "enterprise_missing": "驻企单位", "date_missing": "驻企日期",
                 "content_missing": "工作内容", "name_missing": "姓名"}
_DATE_WHY = {"impossible": "不是有效日期", "future": "晚于核查基准日", "outside_month": "不在所报月份内"}


def _who(row: Row) -> str:
    return row.get("instructor") or "（未写姓名）"


RULES: dict[str, Rule] = {r.id: r for r in (
    Rule("ELIG_PARTY_AGE", "error", "党龄不足",
         lambda r, p: f"{_who(r)} 派驻时党龄约 {r['party_years']:.1f} 年，不足 {p.party_age_years} 年"),
    Rule("ELIG_EDUCATION", "error", "学历不符合要求",
         lambda r, p: f"{_who(r)} 学历为「{r['education_raw']}」，低于{p.education_min}"),
    Rule("PREF_MID_LEVEL", "info", "非中层以上干部",
         lambda r, p: f"{_who(r)} 职务为「{r['position']}」，不是中层以上干部（应优先选派中层以上）"),
    Rule("DAYS_MIN", "error", "驻企天数不足",
         lambda r, p: f"{_who(r)} {r['month']} 在「{r['enterprise']}」驻企 {r['days']} 天，"
                      f"少于规定的 {r['required']} 天"),
    Rule("REPORT_LATE", "warning", "报送逾期",
         lambda r, p: f"{_who(r)} {r['month']} 的工作记录于 {r['received']} 报送，晚于规定的 {r['deadline']}"),
    Rule("REPORT_MISSING", "error", "未报送工作记录",
         lambda r, p: f"{_who(r)} {r['month']} 没有报送工作记录（截止 {r['deadline']}）"),
    Rule("UNKNOWN_INSTRUCTOR", "error", "名单中无此指导员",
         lambda r, p: f"记录中的指导员「{_who(r)}」不在名单中"),
    Rule("ENTERPRISE_MISMATCH", "error", "驻企单位与名单不符",
         lambda r, p: f"{_who(r)} {r.get('date') or ''} 的记录写的驻企单位「{r['enterprise']}」不是名单中派驻的企业"),
    Rule("DATE_INVALID", "error", "驻企日期有误",
         lambda r, p: f"{_who(r)} 的记录日期「{r.get('date_raw') or r.get('date')}」"
                      f"{_DATE_WHY.get(r.get('date_status', ''), '有误')}"),
    Rule("DUPLICATE", "info", "重复报送",
         lambda r, p: f"{_who(r)} {r['date']} 在「{r['enterprise']}」的驻企记录报送了 {r['count']} 次（只计一天）"),
    Rule("CONFLICT", "warning", "同日驻两家企业",
         lambda r, p: f"{_who(r)} {r['date']} 同时报了 {r['enterprises']} 两处驻企"),
    Rule("FIELD_MISSING", "error", "必填项缺失",
         lambda r, p: f"{'名单中' if 'name_missing' in r else '工作记录中'}有一条缺少{r['missing_label']}"
                      f"（{r.get('location') or '、'.join(json.loads(r['sources']))}）"),
    Rule("UNSIGNED", "warning", "企业未签字",
         lambda r, p: f"{_who(r)} {r.get('date') or ''} 的记录没有企业负责人签字"),
    Rule("SUMMARY_MISSING", "warning", "未报送半年总结",
         lambda r, p: f"{_who(r)} 未在 {r['deadline']} 前报送 {r['half']} 党建工作总结"),
)}


def finding(rule: str, row: Row, profile: Profile, **extra: Any) -> dict[str, Any]:
    data = {**row, **extra}
    return {
        "rule": rule, "severity": RULES[rule].severity, "instructor": data.get("instructor"),
        "enterprise": data.get("enterprise"), "month": data.get("month"), "date": data.get("date"),
        "sources": data.get("sources") or "[]", "message": RULES[rule].message(data, profile),
    }


def field_missing_label(row: Row) -> str:
    """Which required fields of a row are empty, in Chinese (one finding per row)."""
    return "、".join(label for key, label in _FIELD_LABELS.items() if row.get(key))


def duplicates(checks: pd.DataFrame, profile: Profile) -> list[dict[str, Any]]:
    """The same instructor, enterprise and day reported more than once (counted once)."""
    ok = checks[checks["match_status"] == "ok"]
    keys = ["instructor", "enterprise_matched", "date"]
    ok = ok[ok.duplicated(keys, keep=False)]
    out = []
    for (name, enterprise, date), group in ok.groupby(keys):
        if len(group) > 1:
            sources = sorted({s for js in group["sources"] for s in json.loads(js)})
            out.append(finding("DUPLICATE", {"instructor": name, "enterprise": enterprise, "date": date,
                                             "month": str(date)[:7], "count": len(group),
                                             "sources": json.dumps(sources, ensure_ascii=False)}, profile))
    return out


def conflicts(checks: pd.DataFrame, profile: Profile) -> list[dict[str, Any]]:
    """One instructor at two enterprises on one day (when the profile forbids it)."""
    if not profile.conflict_forbidden:
        return []
    ok = checks[checks["match_status"] == "ok"]
    ok = ok[ok.groupby(["instructor", "date"])["enterprise_matched"].transform("nunique") > 1]
    out = []
    for (name, date), group in ok.groupby(["instructor", "date"]):
        places = sorted(set(group["enterprise_matched"]))
        if len(places) > 1:
            sources = sorted({s for js in group["sources"] for s in json.loads(js)})
            out.append(finding("CONFLICT", {"instructor": name, "enterprise": None, "date": date,
                                            "month": str(date)[:7], "enterprises": "、".join(places),
                                            "sources": json.dumps(sources, ensure_ascii=False)}, profile))
    return out


def to_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The findings frame, in rule order then instructor, month and date."""
    df = frames.FINDINGS.frame(rows)
    order = {rid: i for i, rid in enumerate(RULES)}
    return df.sort_values(["rule", "instructor", "month", "date"],
                          key=lambda s: s.map(order) if s.name == "rule" else s,
                          na_position="first").reset_index(drop=True)

