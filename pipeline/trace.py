"""`zhidao trace`: how an instructor's day count for a month was obtained, from the ledger:
the latest run covering the month, the records it matched to the instructor, whether each
counted (and why not), its file, page and the cell its date was read from, and corrections."""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from typing import Any

from zhidao.audit import RUN_STARTED
from zhidao.context import Quarter
from zhidao.errors import BAD_OPTION, ConfigError, LedgerError
from zhidao.store import Ledger

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


def _run_for(ledger: Ledger, month: str) -> tuple[int, str, str]:
    for run_id, quarter, started in ledger.conn.execute(
            "SELECT run_id, quarter, started FROM runs WHERE finished IS NOT NULL ORDER BY run_id DESC"):
        if month in Quarter.parse(quarter).months:
            return int(run_id), str(quarter), str(started)
    raise LedgerError("RUN_NOT_FOUND", f"台账中没有包含 {month} 的已完成运行", ledger.path,
                      "请先运行 zhidao run，或用 --db 指定正确的台账")


_SQL = """
SELECT rr.record_id, r.visit_date, r.enterprise, rr.enterprise, rr.status, rr.counted,
       COALESCE((SELECT MIN(rf.path) FROM run_files rf WHERE rf.run_id = rr.run_id AND rf.sha256 = r.sha256), f.path),
       r.sha256, r.page, v.location, v.raw, v.confidence
FROM run_records rr JOIN records r ON r.record_id = rr.record_id JOIN files f ON f.sha256 = r.sha256
LEFT JOIN field_values v ON v.record_id = rr.record_id AND v.field = 'visit_date'
WHERE rr.run_id = ? AND rr.instructor = ? AND rr.month = ?
ORDER BY r.visit_date, rr.record_id
"""


def _wanted(enterprise: str | None, written: str | None, matched: str | None) -> bool:
    return enterprise is None or any(enterprise in (name or "") for name in (written, matched))


def _run_seq(ledger: Ledger, run_id: int) -> int:
    """The seq of the run's start event: corrections logged before it were used by the run."""
    for seq, payload in ledger.conn.execute("SELECT seq, payload FROM events WHERE kind = ?", (RUN_STARTED,)):
        if json.loads(payload).get("run_id") == run_id:
            return int(seq)
    return 0  # a run from before the event log: no correction existed yet


def _traced_corrections(ledger: Ledger, record_ids: list[str], run_seq: int) -> dict[str, list[TracedCorrection]]:
    out: dict[str, list[TracedCorrection]] = {}
    for c in ledger.corrections(record_ids):
        out.setdefault(c.record_id, []).append(
            TracedCorrection(c.at, c.who, c.field, c.old, c.new, c.reason, c.event_seq < run_seq))
    return out


def _applied(fixes: list[TracedCorrection], field: str, value: str | None) -> str | None:
    for c in fixes:
        if c.applied and c.field == field:
            value = c.new
    return value


def _records(ledger: Ledger, run_id: int, instructor: str, month: str, enterprise: str | None
             ) -> tuple[list[TracedRecord], dict[str, int]]:
    fixes = _traced_corrections(ledger, [r[0] for r in ledger.conn.execute(_SQL, (run_id, instructor, month))],
                                _run_seq(ledger, run_id))
    seen: dict[str, set[str | None]] = {}
    out = []
    for rid, extracted, written, matched, status, counted, path, sha, page, loc, raw, conf in ledger.conn.execute(
            _SQL, (run_id, instructor, month)):
        mine = fixes.get(rid, [])
        date, written = _applied(mine, "visit_date", extracted), _applied(mine, "enterprise", written)
        if not _wanted(enterprise, written, matched):
            continue
        days = seen.setdefault(matched, set()) if counted else set()
        adds = bool(counted) and date not in days
        days.add(date)
        reason = _WHY.get(status, f"未计入（{status}）") if not counted or adds else DUPLICATE_DAY
        out.append(TracedRecord(rid, date, extracted, written, matched, status, bool(counted), adds, reason, path,
                                sha, page, loc, raw, conf, tuple(mine)))
    counts = {name: len(days) for name, days in seen.items()}
    for r in out:
        if r.enterprise:  # matched to a roster enterprise, but not counted
            counts.setdefault(r.enterprise, 0)
    return out, counts


def trace(ledger: Ledger, instructor: str, month: str, enterprise: str | None = None) -> Trace:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise ConfigError(BAD_OPTION, f"月份格式不对：{month!r}", remedy="请写成 2026-08")
    run_id, quarter, started = _run_for(ledger, month)
    if not ledger.conn.execute("SELECT 1 FROM run_records WHERE run_id = ? LIMIT 1", (run_id,)).fetchone():
        raise LedgerError("RUN_WITHOUT_MATCHES", f"第 {run_id} 次运行没有保存记录匹配结果，无法追溯", ledger.path,
                          "请用新版本重新运行一次 zhidao run")
    records, days = _records(ledger, run_id, instructor, month, enterprise)
    findings = ledger.conn.execute(
        "SELECT rule, severity, enterprise, date, message FROM findings WHERE run_id = ? AND instructor = ?"
        " AND month = ? ORDER BY rowid", (run_id, instructor, month)).fetchall()
    keys = ("rule", "severity", "enterprise", "date", "message")
    return Trace(instructor, month, run_id, quarter, started, tuple(records), days,
                 tuple(dict(zip(keys, f, strict=True)) for f in findings if _wanted(enterprise, f[2], None)))


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
             f"     文件：{r.path}", f"     sha256：{r.sha256}；{where}{cell}{raw}；记录编号 {r.record_id}"]
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
