"""The monthly notice (月度通报) of `zhidao run --month 2026-10`: who is under the day minimum,
whose record is missing, late or unsigned — built once from the run's frames (pure), then
rendered as Excel (notice_xlsx) and as a printable PDF (notice_pdf), like the packet, on the
packet's cells and check status, so both show the numbers the packet of the quarter shows."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from zhidao.anchor import Anchor
from zhidao.context import RunContext
from zhidao.dates import date_zh, iso_to_date, today_in_china
from zhidao.frames import rows_of
from zhidao.results import Ingested, Validated
from zhidao.validate.checks import deadline as due_date
from zhidao.validate.corrections import CheckStatus, check_status

from .packet_data import MISSING, NOT_DUE, PENDING, UNCHECKED, Table, county_of, day_cells, file_label, sources_table

# The rules a monthly notice reports by name; every other finding of the month is listed under 其他.
NOTICE_RULES = ("DAYS_MIN", "REPORT_MISSING", "REPORT_LATE", "UNSIGNED")


@dataclass(frozen=True)
class Notice:
    county: str
    month: str  # YYYY-MM
    month_label: str  # 2026年10月
    made: dt.date
    issuer: str
    title: str  # 青川县非公企业党建工作指导员2026年10月驻企工作情况通报
    deadline: dt.date  # the day the month's record was due
    as_of: dt.date
    days_min: int
    summary: tuple[str, ...]  # the notice's paragraphs
    under: Table  # 驻企天数不足
    missing: Table  # 未报送
    late: Table  # 逾期报送
    unsigned: Table  # 企业未签字
    others: Table  # 其他核查发现
    everyone: Table  # 全体指导员情况
    sources: Table  # 数据来源
    anchor: Anchor | None = None
    draft: str = ""
    open_items: int = 0

    @property
    def sections(self) -> tuple[Table, ...]:
        return (self.under, self.missing, self.late, self.unsigned, self.others, self.everyone, self.sources)


def _sources(finding: dict[str, Any], ctx: RunContext) -> str:
    return "；".join(file_label(s, ctx.inbox) for s in json.loads(finding["sources"] or "[]"))


def build_notice(ctx: RunContext, ingested: Ingested, validated: Validated, anchor: Anchor | None = None,
                 check: CheckStatus | None = None) -> Notice:
    """The notice of the run's month (ctx.quarter.kind == "M")."""
    (month,) = ctx.quarter.months
    if check is None:
        check = check_status(ingested.records, validated.findings, validated.matches, (month,))
    county = county_of(ingested)
    roster = [r for r in rows_of(ingested.roster) if r["name"]]
    units = {r["name"]: r["unit"] or "" for r in roster}
    cells = day_cells(ctx, validated, check)
    findings = [{**f, "checked": c} for f, c in zip(rows_of(validated.findings), check.findings_checked, strict=True)]
    mark = {True: "", False: UNCHECKED}
    deadline = dt.date.fromisoformat(due_date(month, ctx.profile.report_deadline_day))

    def of(rule: str) -> list[dict[str, Any]]:
        return [f for f in findings if f["rule"] == rule and f["month"] in (month, None)]

    under = Table(f"一、驻企天数不足 {ctx.profile.days_min} 天的指导员",
                  ["指导员", "派出单位", "派驻企业", "驻企天数", "规定天数", "来源文件", "核对"],
                  [[f["instructor"], units.get(f["instructor"], ""), f["enterprise"],
                    cells.get((f["instructor"], f["enterprise"], month), ""), ctx.profile.days_min,
                    _sources(f, ctx), mark[f["checked"]]] for f in of("DAYS_MIN")],
                  [10, 20, 30, 9, 9, 36, 8])
    subs = rows_of(validated.submissions) if validated.submissions is not None else []
    missing = Table(f"二、未报送{ctx.quarter.label}工作记录的指导员",
                    ["指导员", "派出单位", "派驻企业", "截止日期", "情况"],
                    [[s["instructor"], units.get(s["instructor"], ""),
                      "、".join(r["enterprise"] for r in roster if r["name"] == s["instructor"] and r["enterprise"]),
                      iso_to_date(s["deadline"]),
                      PENDING if check.instructor_pending(s["instructor"], month) else MISSING]
                     for s in subs if s["month"] == month and s["received"] is None],
                    [10, 20, 34, 12, 14])
    late = Table("三、逾期报送的指导员", ["指导员", "派出单位", "报送日期", "截止日期", "逾期天数", "来源文件"],
                 [[s["instructor"], units.get(s["instructor"], ""), iso_to_date(s["received"]),
                   iso_to_date(s["deadline"]),
                   (dt.date.fromisoformat(s["received"]) - dt.date.fromisoformat(s["deadline"])).days,
                   "；".join(file_label(p, ctx.inbox) for p in json.loads(s["sources"] or "[]"))]
                  for s in subs if s["month"] == month and s["late"] and s["received"]],
                 [10, 20, 12, 12, 9, 40])
    unsigned = Table("四、企业负责人未签字的工作记录", ["指导员", "派驻企业", "日期", "来源文件", "核对"],
                     [[f["instructor"], f["enterprise"], iso_to_date(f["date"]), _sources(f, ctx), mark[f["checked"]]]
                      for f in of("UNSIGNED")],
                     [10, 30, 12, 40, 8])
    others = Table("五、其他核查发现", ["问题", "指导员", "企业", "说明", "来源文件", "核对"],
                   [[_rule_title(f["rule"]), f["instructor"], f["enterprise"], f["message"], _sources(f, ctx),
                     mark[f["checked"]]]
                    for f in findings if f["rule"] not in NOTICE_RULES and f["month"] in (month, None)],
                   [12, 10, 24, 46, 34, 8])
    everyone = _everyone(ctx, roster, cells, subs, month, check)
    sources = sources_table(ingested, ctx.inbox, [40, 8, 7, 9, 7, 34, 66])
    return Notice(
        county=county, month=month, month_label=ctx.quarter.label, made=today_in_china(), issuer=ctx.profile.issuer,
        title=f"{county}非公企业党建工作指导员\n{ctx.quarter.label}驻企工作情况通报", deadline=deadline,
        as_of=ctx.as_of, days_min=ctx.profile.days_min,
        summary=_summary(ctx, roster, everyone, under, missing, late, unsigned, deadline, check),
        under=under, missing=missing, late=late, unsigned=unsigned, others=others, everyone=everyone,
        sources=sources, anchor=anchor, draft=check.draft, open_items=check.open_count,
    )


def _rule_title(rule: str) -> str:
    from zhidao.validate.rules import RULES

    return str(RULES[rule].title)


def _everyone(ctx: RunContext, roster: list[dict[str, Any]], cells: dict[tuple[str, str, str], Any],
              subs: list[dict[str, Any]], month: str, check: CheckStatus) -> Table:
    status = {}
    for s in subs:
        if s["month"] == month:
            status[s["instructor"]] = ("未报送" if s["received"] is None else "逾期" if s["late"] else "按时")
            if s["received"] is None and check.instructor_pending(s["instructor"], month):
                status[s["instructor"]] = PENDING
    rows = []
    for r in roster:
        if not r["enterprise"]:
            continue
        days = cells.get((r["name"], r["enterprise"], month), NOT_DUE)
        verdict = ("达标" if days >= ctx.profile.days_min else "不足") if isinstance(days, int) else \
            {MISSING: "未报送", PENDING: "待核对", NOT_DUE: "未到期"}.get(days, "")
        rows.append([r["name"], r["unit"] or "", r["enterprise"], days, status.get(r["name"], "未到期"), verdict])
    return Table(f"六、全体指导员{ctx.quarter.label}驻企情况（每月不少于 {ctx.profile.days_min} 天）",
                 ["指导员", "派出单位", "派驻企业", "驻企天数", "报送情况", "天数是否达标"], rows,
                 [10, 20, 32, 9, 14, 12])


def _summary(ctx: RunContext, roster: list[dict[str, Any]], everyone: Table, under: Table, missing: Table,
             late: Table, unsigned: Table, deadline: dt.date, check: CheckStatus) -> tuple[str, ...]:
    names = list(dict.fromkeys(r["name"] for r in roster))
    label = ctx.quarter.label
    if ctx.as_of <= deadline:
        due = (f"截至 {date_zh(ctx.as_of)}，{label}工作记录的报送截止日（{date_zh(deadline)}）尚未过，"
               "未报送、逾期情况以截止日后的核查为准。")
    else:
        on_time = len({r[0] for r in everyone.rows if r[4] == "按时"})
        due = (f"{label}工作记录应于 {date_zh(deadline)} 前报送。{len(names)} 名指导员中，"
               f"按时报送 {on_time} 人，逾期报送 {len(late.rows)} 人，未报送 {len(missing.rows)} 人。")
    ok = len([r for r in everyone.rows if r[5] == "达标"])
    who = "、".join(dict.fromkeys(str(r[0]) for r in under.rows))
    days = (f"按每月驻企不少于 {ctx.profile.days_min} 天的要求，{len(everyone.rows)} 个派驻点中达标 {ok} 个，"
            f"不足 {len(under.rows)} 个" + (f"（{who}）" if who else "") + "。")
    signed = (f"企业负责人未签字的工作记录 {len(unsigned.rows)} 份。" if unsigned.rows
              else "工作记录均有企业负责人签字。")
    paragraphs = [due, days, signed]
    if check.draft:
        paragraphs.append(f"本通报为草稿：尚有 {check.open_count} 项识别结果未经人核对，标“{UNCHECKED}”"
                          f"“{PENDING}”的内容以核对后为准（zhidao review export / apply 后重新运行）。")
    paragraphs.append("各派出单位请督促相关指导员及时补报、补足驻企天数。每个数字的来源见“数据来源”及台账。")
    return tuple(paragraphs)
