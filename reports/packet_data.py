"""The meeting packet's content, built once from the run's frames (pure), then rendered as
Excel (packet_xlsx) and as a printable PDF (packet_pdf) — so both show the same numbers."""

from __future__ import annotations

import collections
import datetime as dt
import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zhidao.anchor import Anchor
from zhidao.context import RunContext
from zhidao.dates import iso_to_date, today_in_china
from zhidao.frames import rows_of
from zhidao.ingest.duties import CODE_NAMES
from zhidao.results import Ingested, Validated
from zhidao.validate.corrections import CheckStatus, check_status
from zhidao.validate.rules import RULES

SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
MISSING = "未报送"  # a month with no record at all: never shown as 0
PENDING = "已报送·待核对"  # a month with a form received whose date no person has checked yet: never 未报送
UNCHECKED = "待核对"  # a finding resting on a value no person has checked yet
NOT_DUE = "—"  # a month not yet due
_EMPTYISH = {"", "无", "暂无", "/", "无。", "—", "-"}


def mask_phone(phone: str | None) -> str:
    """13812341234 → 138****1234 (phone numbers are not printed in full in the packet)."""
    digits = re.sub(r"\D", "", phone or "")
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 7 else ("" if not digits else "****")


@dataclass(frozen=True)
class Table:
    title: str
    header: list[str]
    rows: list[list[Any]]
    widths: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class InstructorPage:
    """The outline of one instructor's report at the meeting."""

    name: str
    unit: str
    enterprises: list[str]
    days: list[tuple[str, str, Any]]  # (enterprise, month, days or MISSING)
    duties: list[str]
    problems: list[str]
    findings: list[str]


@dataclass(frozen=True)
class Packet:
    county: str
    period_label: str
    made: dt.date  # the day the packet is made (Asia/Shanghai); printed as 2026年12月1日
    months: list[str]
    days_min: int
    overview: Table
    days: Table
    submissions: Table
    duties: Table
    findings: Table
    problems: Table
    sign_in: Table
    sources: Table
    instructors: list[InstructorPage]
    half_year: tuple[Table, Table] | None = None  # 半年总结, 考核参考 (a half-year packet only)
    anchor: Anchor | None = None  # the ledger's chain head the packet is issued on (footer, property)
    draft: str = ""  # "草稿（尚有 N 项待核对）" on the cover and every sheet and page; "" when all is checked
    open_items: int = 0  # the N
    issuer: str = ""  # 发文单位 (profile [packet] issuer or --issuer); not printed when ""
    meeting: str = ""  # the meeting's full name (profile [packet] meeting or --meeting, else the default)

    @property
    def title(self) -> str:
        """The document's title: the meeting's name + 材料."""
        return f"{self.meeting}材料"


def month_label(month: str) -> str:
    return f"{int(month[5:])}月"


def meeting_name(ctx: RunContext, county: str) -> str:
    return ctx.profile.meeting or f"{county}{ctx.quarter.label}非公企业党建工作指导员工作交流会"


def file_label(path: str | None, inbox: Path) -> str:
    """A source file as a clerk names it: its path inside the inbox ('10月/张三.docx'), or its
    file name when it lies elsewhere (the roster) — never the machine's full path."""
    return _file_label(path, inbox) if path else ""


@functools.lru_cache(maxsize=1 << 16)  # a packet names each file in many rows (findings, sources)
def _file_label(path: str, inbox: Path) -> str:
    p = Path(path)
    try:
        return p.relative_to(inbox).as_posix()
    except ValueError:
        try:
            return p.resolve().relative_to(inbox.resolve()).as_posix()
        except (ValueError, OSError):
            return p.name


_ROLES = {"roster": "名单", "inbox": "工作记录"}
_STATUSES = {"ok": "已读取", "partial": "部分读取", "error": "无法读取"}


def sources_table(ingested: Ingested, inbox: Path, widths: list[int]) -> Table:
    """数据来源: every file of the run, named inside the inbox, with its SHA-256."""
    return Table("数据来源（每个文件及其 SHA-256）", ["文件", "类别", "格式", "状态", "记录数", "说明", "SHA-256"],
                 [[file_label(f["path"], inbox), _ROLES.get(f["role"], f["role"]), f["medium"],
                   _STATUSES.get(f["status"], f["status"]), f["items"], f["error_message"], f["sha256"]]
                  for f in rows_of(ingested.files)],
                 widths)


def county_of(ingested: Ingested) -> str:
    """The county, from the roster's enterprise names ('青川县…' → 青川县)."""
    names = [m.group(0) for e in ingested.roster["enterprise"].dropna() if (m := re.match(r"^.{1,6}?[县市区旗]", e))]
    return collections.Counter(names).most_common(1)[0][0] if names else ""


def day_cells(ctx: RunContext, validated: Validated, check: CheckStatus) -> dict[tuple[str, str, str], Any]:
    reported = {(m["instructor"], m["month"]) for m in rows_of(validated.matches) if m["status"] == "ok"}
    due = {(s["instructor"], s["month"]) for s in rows_of(validated.submissions)} \
        if validated.submissions is not None else set()
    cells: dict[tuple[str, str, str], Any] = {}
    for row in rows_of(validated.attendance):
        key = (row["instructor"], row["month"])
        if key in reported:
            cells[(row["instructor"], row["enterprise"], row["month"])] = row["days"]
        elif check.month_pending(row["instructor"], row["enterprise"], row["month"]):
            cells[(row["instructor"], row["enterprise"], row["month"])] = PENDING
        elif key in due or row["month"] < ctx.as_of.isoformat()[:7]:
            cells[(row["instructor"], row["enterprise"], row["month"])] = MISSING
        else:
            cells[(row["instructor"], row["enterprise"], row["month"])] = NOT_DUE
    return cells


def build_packet(ctx: RunContext, ingested: Ingested, validated: Validated, anchor: Anchor | None = None,
                 check: CheckStatus | None = None) -> Packet:
    """``check``: what is still unchecked (validate.corrections.check_status), decided once for
    the run; every table and page below shows it from here."""
    months = list(ctx.quarter.months)
    if check is None:
        check = check_status(ingested.records, validated.findings, validated.matches, months)
    roster = [r for r in rows_of(ingested.roster) if r["name"]]
    cells = day_cells(ctx, validated, check)
    pairs = list(dict.fromkeys((r["name"], r["enterprise"]) for r in roster if r["enterprise"]))
    counted = {m["record_id"] for m in rows_of(validated.matches) if m["counted"]}
    records = [r for r in rows_of(ingested.records) if r["record_id"] in counted]
    findings = [{**f, "checked": c} for f, c in zip(rows_of(validated.findings), check.findings_checked, strict=True)]
    # each instructor's rows, gathered once (a lookup per instructor over all rows is quadratic)
    roster_of, records_of, findings_of = _group(roster, "name"), _group(records, "instructor"), \
        _group(findings, "instructor")
    pending_note = f"；“{PENDING}”表示收到了该月的记录但日期尚未核对" if check.pending else ""
    days = Table(
        f"驻企天数（每月不少于 {ctx.profile.days_min} 天；“{MISSING}”表示该月没有任何记录{pending_note}）",
        ["指导员", "派驻企业", *[month_label(m) for m in months], "合计"],
        [[n, e, *[cells.get((n, e, m), NOT_DUE) for m in months],
          sum(v for m in months if isinstance(v := cells.get((n, e, m)), int))] for n, e in pairs],
        [10, 30, *[9] * len(months), 8])
    county = county_of(ingested)

    def name(path: str | None) -> str:
        return file_label(path, ctx.inbox)

    return Packet(
        county=county, period_label=ctx.quarter.label, made=today_in_china(),
        issuer=ctx.profile.issuer, meeting=meeting_name(ctx, county),
        months=months, days_min=ctx.profile.days_min,
        overview=_overview(ctx, ingested, validated, roster, check),
        days=days,
        submissions=_submissions(validated, months, check),
        duties=_duties(roster, records_of),
        findings=Table("核查发现（按级别" + (f"；“核对”栏为“{UNCHECKED}”的，依据的数值尚未经人核对）" if check.draft
                                            else "）"),
                       ["级别", "问题", "指导员", "企业", "月份", "日期", "说明", "来源文件", "核对"],
                       [[SEVERITY_ZH[f["severity"]], RULES[f["rule"]].title, f["instructor"], f["enterprise"],
                         month_label(f["month"]) if f["month"] else "", iso_to_date(f["date"]), f["message"],
                         "；".join(name(s) for s in json.loads(f["sources"] or "[]")),
                         "" if f["checked"] else UNCHECKED]
                        for f in sorted(findings, key=lambda f: list(SEVERITY_ZH).index(f["severity"]))],
                       [8, 13, 11, 22, 11, 13, 46, 36, 9]),
        problems=Table("问题清单（工作记录中反映的问题）", ["指导员", "企业", "日期", "存在问题", "来源文件"],
                       [[r["instructor"], r["enterprise"], iso_to_date(r["visit_date"]), r["problems"],
                         name(r["source"])]
                        for r in records if (r["problems"] or "").strip() not in _EMPTYISH],
                       [9, 26, 11, 60, 40]),
        sign_in=Table(f"{meeting_name(ctx, county)}签到表",
                      ["序号", "姓名", "工作单位", "派驻企业", "联系电话", "签到"],
                      [[i, n["name"], n["unit"], "、".join(e["enterprise"] for e in roster_of[n["name"]]),
                        mask_phone(n["phone"]), ""]
                       for i, n in enumerate(_unique(roster), start=1)],
                      [6, 10, 22, 40, 14, 18]),
        sources=sources_table(ingested, ctx.inbox, [46, 8, 7, 9, 7, 36, 66]),
        instructors=[_page(n, roster_of[n["name"]], cells, months, records_of.get(n["name"], []),
                           findings_of.get(n["name"], [])) for n in _unique(roster)],
        half_year=_half_year(ctx, validated, roster, days, records) if ctx.quarter.kind == "H" else None,
        anchor=anchor,
        draft=check.draft,
        open_items=check.open_count,
    )


def _group(rows: list[dict[str, Any]], key: str) -> dict[Any, list[dict[str, Any]]]:
    """The rows by the value of ``key``, each list in the rows' order."""
    grouped: dict[Any, list[dict[str, Any]]] = collections.defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return grouped


def _unique(roster: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return list({r["name"]: r for r in reversed(roster)}.values())[::-1]


def _overview(ctx: RunContext, ingested: Ingested, validated: Validated, roster: list[dict[str, Any]],
              check: CheckStatus) -> Table:
    inbox = [f for f in rows_of(ingested.files) if f["role"] == "inbox"]
    sev = collections.Counter(str(s) for s in validated.findings["severity"])
    review = sum(1 for r in rows_of(ingested.records) if r["review"])
    rows: list[list[Any]] = [
        ["时间范围", ctx.quarter.label], ["核查基准日", ctx.as_of], ["规则方案", ctx.profile.name],
        ["指导员人数", len({r["name"] for r in roster})], ["派驻企业数", len({r["enterprise"] for r in roster})],
        ["收到文件数", len(inbox)], ["无法读取的文件数", sum(1 for f in inbox if f["status"] == "error")],
        ["工作记录条数", len(ingested.records)], ["待人工核对的记录条数", review],
        ["待核对项数（尚未经人核对的数值）", check.open_count],
        ["材料状态", check.draft or "定稿（识别结果均已核对）"],
        *[[f"核查发现（{SEVERITY_ZH[s]}）", sev.get(s, 0)] for s in SEVERITY_ZH],
        ["其中依据的数值尚未核对的核查发现", sum(1 for c in check.findings_checked if not c)],
    ]
    title = f"{meeting_name(ctx, county_of(ingested))}材料 · 概览"
    return Table(title, ["项目", "数值"], rows, [28, 34])


def _submissions(validated: Validated, months: list[str], check: CheckStatus) -> Table:
    rows = []
    for s in rows_of(validated.submissions) if validated.submissions is not None else []:
        status = "未交" if s["received"] is None else ("逾期" if s["late"] else "按时")
        if s["received"] is None and check.instructor_pending(s["instructor"], s["month"]):
            status = PENDING
        rows.append([s["instructor"], month_label(s["month"]), status, iso_to_date(s["received"]) or "",
                     iso_to_date(s["deadline"])])
    return Table("报送情况（上月记录应于截止日前报送）", ["指导员", "月份", "情况", "报送日期", "截止日期"], rows,
                 [10, 8, 8, 12, 12])


def _duties(roster: list[dict[str, Any]], records_of: dict[Any, list[dict[str, Any]]]) -> Table:
    rows = []
    for n in _unique(roster):
        counts = collections.Counter(c for r in records_of.get(n["name"], [])
                                     for c in (r["duties"] or "").split(",") if c)
        rows.append([n["name"], *[counts.get(code, 0) or "" for code in CODE_NAMES], len(counts)])
    return Table("六项职责履行情况（记录次数；空白表示本期未涉及）", ["指导员", *CODE_NAMES.values(), "涉及项数"], rows,
                 [10, *[12] * 6, 9])


def _page(n: dict[str, Any], postings: list[dict[str, Any]], cells: dict[tuple[str, str, str], Any],
          months: list[str], mine: list[dict[str, Any]], findings: list[dict[str, Any]]) -> InstructorPage:
    """One instructor's page from their roster rows, counted records and findings."""
    name = n["name"]
    enterprises = [r["enterprise"] for r in postings if r["enterprise"]]
    codes = sorted({c for r in mine for c in (r["duties"] or "").split(",") if c})
    return InstructorPage(
        name=name, unit=n["unit"] or "", enterprises=enterprises,
        days=[(e, m, cells.get((name, e, m), NOT_DUE)) for e in enterprises for m in months],
        duties=[CODE_NAMES[c] for c in codes],
        problems=sorted({r["problems"] for r in mine if (r["problems"] or "").strip() not in _EMPTYISH}),
        findings=[f["message"] if f["checked"] else f"（{UNCHECKED}）{f['message']}" for f in findings],
    )


def _half_year(ctx: RunContext, validated: Validated, roster: list[dict[str, Any]], days: Table,
               records: list[dict[str, Any]]) -> tuple[Table, Table]:
    """The half year's summaries, and the inputs an assessor weighs — never a grade."""
    summaries = rows_of(validated.summaries) if validated.summaries is not None else []
    got = {s["instructor"]: s for s in summaries}
    summary_rows = [[n["name"], s["half"], iso_to_date(s["deadline"]), iso_to_date(s["received"]) or "未交"]
                    if (s := got.get(n["name"]))
                    else [n["name"], "", "", "未到期或不适用"] for n in _unique(roster)]
    subs = rows_of(validated.submissions) if validated.submissions is not None else []
    inputs = []
    for n in _unique(roster):
        mine = [r for r in days.rows if r[0] == n["name"]]
        months_ok = sum(1 for r in mine for v in r[2:-1] if isinstance(v, int) and v >= ctx.profile.days_min)
        months_due = sum(1 for r in mine for v in r[2:-1] if v != NOT_DUE)
        on_time = sum(1 for s in subs if s["instructor"] == n["name"] and s["received"] and not s["late"])
        due = sum(1 for s in subs if s["instructor"] == n["name"])
        duties = {c for r in records if r["instructor"] == n["name"] for c in (r["duties"] or "").split(",") if c}
        inputs.append([n["name"], sum(r[-1] for r in mine), f"{months_ok}/{months_due}", f"{on_time}/{due}",
                       len(duties), got.get(n["name"], {}).get("received") or "—"])
    return (Table("半年工作总结报送情况", ["指导员", "半年", "截止日期", "报送日期"], summary_rows, [10, 10, 14, 16]),
            Table("考核参考（供考核人员参阅的客观数据，本表不评定等次）",
                  ["指导员", "驻企总天数", f"达到每月{ctx.profile.days_min}天的月数", "按时报送的月数",
                   "涉及职责项数", "半年总结报送日期"], inputs, [10, 12, 18, 14, 12, 16]))
