"""`zhidao trace`: how an instructor's day count for a month was obtained, from the ledger:
the latest run covering the month, the records it matched to the instructor, whether each
counted (and why not), its file, page and the cell its date was read from, and corrections."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from zhidao.context import Quarter
from zhidao.errors import BAD_OPTION, ConfigError, LedgerError
from zhidao.store import Ledger
from zhidao.store import queries as q
from zhidao.store.queries import FindingRow, RunRecord, RunRow, StoredValue

# frames.MATCHES status → why a record adds no day (validate.attendance._match).
_WHY = {
    "ok": "计入",
    "missing_instructor": "未计入：没有填写指导员",
    "unknown_instructor": "未计入：指导员不在名单中",
    "enterprise_missing": "未计入：没有填写驻企企业",
    "enterprise_mismatch": "未计入：企业不是名单上派驻给该指导员的企业",
    "enterprise_ambiguous": "未计入：企业名称可对应名单上的多家企业，无法确定",
    "date_missing": "未计入：没有驻企日期",
    "date_future": "未计入：驻企日期晚于核查基准日",
    "date_outside_month": "未计入：驻企日期不在该表所属月份",
}
DUPLICATE_DAY = "同一天已计入（重复报送，只计一天）"


@dataclass(frozen=True)
class TracedCorrection:
    at: str
    who: str
    field: str
    old: str | None
    new: str | None
    reason: str | None
    applied: bool  # made before the run started, so the run used it


@dataclass(frozen=True)
class TracedRecord:
    record_id: str
    visit_date: str | None  # as the run used it (after the corrections applied)
    visit_date_extracted: str | None  # as read from the form
    enterprise_written: str | None
    enterprise: str | None  # the roster enterprise it was matched to
    status: str
    counted: bool
    adds_day: bool
    reason: str
    path: str
    sha256: str
    reading_id: int  # the reading of the file the run counted
    page: int | None
    date_location: str | None
    date_raw: str | None
    date_confidence: float | None
    corrections: tuple[TracedCorrection, ...] = ()


@dataclass(frozen=True)
class Trace:
    instructor: str
    month: str
    run_id: int
    quarter: str
    run_started: str
    records: tuple[TracedRecord, ...]
    days: dict[str, int]  # roster enterprise → distinct days counted
    findings: tuple[dict[str, Any], ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _run_for(conn: Connection, ledger: Ledger, month: str) -> RunRow:
    for run in q.finished_runs(conn, ledger.county):
        if month in Quarter.stored(run.quarter).months:
            return run
    raise LedgerError("RUN_NOT_FOUND", f"台账中没有包含 {month} 的已完成运行", Path(str(ledger.path)),
                      "请先运行 zhidao run，或用 --db 指定正确的台账")


def _wanted(enterprise: str | None, written: str | None, matched: str | None) -> bool:
    return enterprise is None or any(enterprise in (name or "") for name in (written, matched))


def _traced_corrections(ledger: Ledger, record_ids: list[str], used_upto: int) -> dict[str, list[TracedCorrection]]:
    """Corrections of the records; those logged up to ``used_upto`` (the last correction the
    run applied, as its finish event records) were used by the run."""
    out: dict[str, list[TracedCorrection]] = {}
    for c in ledger.corrections(record_ids):
        out.setdefault(c.record_id, []).append(
            TracedCorrection(c.at, c.who, c.field, c.old, c.new, c.reason, c.event_seq <= used_upto))
    return out


def _applied(fixes: list[TracedCorrection], field: str, value: str | None) -> str | None:
    for c in fixes:
        if c.applied and c.field == field:
            value = c.new
    return value


@dataclass(frozen=True)
class _Read:
    """What the trace reads from the ledger, in one read transaction."""

    run: RunRow
    matched: list[RunRecord]
    dates: dict[tuple[str, str], StoredValue]
    used_upto: int  # corrections logged up to this seq were used by the run
    findings: list[FindingRow]


def _read(ledger: Ledger, instructor: str, month: str) -> _Read:
    with ledger.read() as conn:
        run = _run_for(conn, ledger, month)
        if not q.has_matches(conn, ledger.county, run.run_id):
            raise LedgerError("RUN_WITHOUT_MATCHES", f"第 {run.run_id} 次运行没有保存记录匹配结果，无法追溯",
                              Path(str(ledger.path)), "请用新版本重新运行一次 zhidao run")
        matched = q.run_records(conn, ledger.county, run.run_id, instructor, month)
        dates = q.field_values(conn, [(r.reading_id, r.record_id) for r in matched], ["visit_date"])
        start, finish = q.run_event_seqs(conn, ledger.county, run.run_id)
        findings = q.run_findings(conn, ledger.county, run.run_id, instructor, month)
    return _Read(run, matched, dates, finish if finish is not None else start, findings)


def _records(read: _Read, fixes: dict[str, list[TracedCorrection]], enterprise: str | None
             ) -> tuple[list[TracedRecord], dict[str, int]]:
    seen: dict[str | None, set[str | None]] = {}
    out = []
    for r in read.matched:
        mine = fixes.get(r.record_id, [])
        date, written = _applied(mine, "visit_date", r.visit_date), _applied(mine, "enterprise", r.enterprise_written)
        if not _wanted(enterprise, written, r.enterprise):
            continue
        days = seen.setdefault(r.enterprise, set()) if r.counted else set()
        adds = r.counted and date not in days
        days.add(date)
        reason = _WHY.get(r.status or "", f"未计入（{r.status}）") if not r.counted or adds else DUPLICATE_DAY
        v = read.dates.get((r.record_id, "visit_date"))
        out.append(TracedRecord(r.record_id, date, r.visit_date, written, r.enterprise, r.status or "", r.counted,
                                adds, reason, r.path, r.sha256, r.reading_id, r.page,
                                v.describe(r.page) if v else None, v.raw if v else None,
                                v.confidence if v else None, tuple(mine)))
    counts = {name: len(days) for name, days in seen.items() if name is not None}
    for rec in out:
        if rec.enterprise:  # matched to a roster enterprise, but not counted
            counts.setdefault(rec.enterprise, 0)
    return out, counts


def trace(ledger: Ledger, instructor: str, month: str, enterprise: str | None = None) -> Trace:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise ConfigError(BAD_OPTION, f"月份格式不对：{month!r}", remedy="请写成 2026-08")
    read = _read(ledger, instructor, month)
    fixes = _traced_corrections(ledger, [r.record_id for r in read.matched], read.used_upto)
    records, days = _records(read, fixes, enterprise)
    return Trace(instructor, month, read.run.run_id, read.run.quarter, read.run.started, tuple(records), days,
                 tuple({"rule": f.rule, "severity": f.severity, "enterprise": f.enterprise, "date": f.date,
                        "message": f.message} for f in read.findings if _wanted(enterprise, f.enterprise, None)))


def _correction_line(c: TracedCorrection) -> str:
    why = f"（{c.reason}）" if c.reason else ""
    used = "该次运行已采用" if c.applied else "在该次运行之后，该次运行未采用"
    return f"     更正：{c.at} {c.who} 把「{c.field}」由「{c.old}」改为「{c.new}」{why}，{used}"


def _record_lines(n: int, r: TracedRecord) -> list[str]:
    where = f"第 {r.page} 页" if r.page is not None else "页码不详"
    cell = f"，驻企日期取自 {r.date_location}" if r.date_location else ""
    raw = f"（原文「{r.date_raw}」，可信度 {r.date_confidence:.2f}）" if r.date_raw is not None and \
        r.date_confidence is not None else ""
    date = r.visit_date or "（无日期）"
    if r.visit_date != r.visit_date_extracted:
        date += f"（表上为 {r.visit_date_extracted or '空'}，已更正）"
    lines = [f"  {n}. {date}  表上企业「{r.enterprise_written or ''}」  {r.reason}",
             f"     文件：{r.path}",
             f"     sha256：{r.sha256}（识别结果编号 {r.reading_id}）；{where}{cell}{raw}；记录编号 {r.record_id}"]
    lines += [_correction_line(c) for c in r.corrections]
    return lines


def trace_to_text(t: Trace) -> str:
    head = f"{t.instructor} {t.month} 的驻企天数来源（第 {t.run_id} 次运行，{t.quarter}，开始于 {t.run_started}）"
    if not t.records:
        return f"{head}\n台账中该次运行没有 {t.instructor} 在 {t.month} 的工作记录：驻企 0 天（请核对姓名和月份）"
    lines = [head]
    if not t.days:
        lines.append("没有计入任何驻企天数：0 天")
    for enterprise, days in sorted(t.days.items()):
        lines.append(f"在「{enterprise}」：驻企 {days} 天（不同的日期，重复报送只计一次）")
    lines.append(f"工作记录 {len(t.records)} 条：")
    for n, r in enumerate(t.records, 1):
        lines += _record_lines(n, r)
    if t.findings:
        lines.append("核查发现：")
        lines += [f"  [{f['rule']}] {f['message']}" for f in t.findings]
    return "\n".join(lines)
