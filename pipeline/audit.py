"""`zhidao audit verify`: one county's event chain, then the ledger's tables against what the
events recorded (a value edited in ``field_values`` after extraction breaks the digest its
``file_extracted`` event carries; a row no event announced is reported too), then the anchors
printed on issued packets (pipeline.audit_anchor) and the packets in an output folder."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from zhidao.audit import (
    CORRECTED,
    EXTRACTED,
    LEDGER_TAMPERED,
    RECEIVED,
    RUN_FINISHED,
    RUN_STARTED,
    EventRow,
    VerifyResult,
    verify_chain,
)
from zhidao.errors import LedgerError
from zhidao.store import Ledger
from zhidao.store import audit_queries as q
from zhidao.store.ledger import reading_digests, run_digests

_RUN_COLUMNS = ("version", "quarter", "inbox", "roster", "out")
_CORRECTION_COLUMNS = ("record_id", "field", "old", "new", "who", "at", "reason")
_RUN_DIGESTS = (("findings_digest", "findings", "核查发现"), ("matches_digest", "run_records", "记录匹配结果"),
                ("files_digest", "run_files", "读取的文件清单"))
_READING_DIGESTS = {"records_digest": "工作记录（records 表）", "values_digest": "栏目值（field_values 表）",
                    "outcome_digest": "保存的读取结果（readings 表的 outcome，供重新运行时复用）"}
_READING_COLUMNS = ("sha256", "reading_key", "status", "error_code")


def _received(conn: Connection, county: str, p: dict[str, Any]) -> str | None:
    row = q.file_row(conn, county, p["sha256"])
    if row is None:
        return f"文件 {p['path']}（sha256 {p['sha256']}）已从 files 表中删除"
    changed = [k for k in ("path", "size", "received") if row[k] != p.get(k)]
    return f"文件 {p['path']} 的 {'、'.join(changed)}（files 表）已被改动" if changed else None


def _extracted(conn: Connection, county: str, p: dict[str, Any]) -> str | None:
    reading_id = int(p["reading_id"])
    what = f"文件 sha256 {p['sha256']} 的第 {reading_id} 号读取"
    row = q.reading_row(conn, county, reading_id)
    if row is None:
        return f"{what}（readings 表）已被删除"
    changed = [k for k in _READING_COLUMNS if row[k] != p.get(k)]
    if changed:
        return f"{what}的 {'、'.join(changed)}（readings 表）已被改动"
    if q.reading_record_ids(conn, reading_id) != sorted(p["records"]):
        return f"{what}的工作记录（records 表）有增删"
    now = reading_digests(conn, reading_id)
    for key, table in _READING_DIGESTS.items():  # a digest the event does not carry (older events) is skipped
        if key in p and now.get(key) != p[key]:
            return f"{what}的{table}已被改动"
    return None


def _started(conn: Connection, county: str, p: dict[str, Any]) -> str | None:
    row = q.run_row(conn, county, int(p["run_id"]))
    if row is None:
        return f"第 {p['run_id']} 次运行（runs 表）已被删除"
    changed = [k for k in _RUN_COLUMNS if row[k] != p.get(k)]
    return f"第 {p['run_id']} 次运行的 {'、'.join(changed)}（runs 表）已被改动" if changed else None


def _finished(conn: Connection, county: str, p: dict[str, Any]) -> str | None:
    run_id = int(p["run_id"])
    row = q.run_row(conn, county, run_id)
    if row is None or row["finished"] is None:
        return f"第 {run_id} 次运行的完成记录（runs 表）已被删除"
    if row["counts"] != p.get("counts"):
        return f"第 {run_id} 次运行的统计数字（runs 表）已被改动"
    now = run_digests(conn, run_id)
    for key, table, what in _RUN_DIGESTS:
        if now[key] != p.get(key):
            return f"第 {run_id} 次运行的{what}（{table} 表）已被改动"
    return None


def _corrected(conn: Connection, county: str, p: dict[str, Any], seq: int) -> str | None:
    row = q.correction_row(conn, county, seq)
    if row is None or row != {k: p.get(k) for k in _CORRECTION_COLUMNS}:
        return f"记录 {p['record_id']} 的「{p['field']}」更正（corrections 表）已被改动或删除"
    return None


def _event_problem(conn: Connection, county: str, event: EventRow) -> str | None:
    p = json.loads(event.payload)
    checks: dict[str, Callable[[], str | None]] = {
        RECEIVED: lambda: _received(conn, county, p),
        EXTRACTED: lambda: _extracted(conn, county, p),
        RUN_STARTED: lambda: _started(conn, county, p),
        RUN_FINISHED: lambda: _finished(conn, county, p),
        CORRECTED: lambda: _corrected(conn, county, p, event.seq),
    }
    check = checks.get(event.kind)
    return check() if check else None


def _unlogged(conn: Connection, county: str, events: list[EventRow]) -> str | None:
    """Rows in the county's tables that no event announced (inserted behind the log's back, or
    the log's tail was cut off)."""
    payloads = [(e.kind, e.seq, json.loads(e.payload)) for e in events]
    files = {p["sha256"] for k, _, p in payloads if k == RECEIVED}
    readings = {int(p["reading_id"]): set(p["records"]) for k, _, p in payloads if k == EXTRACTED}
    started = {int(p["run_id"]) for k, _, p in payloads if k == RUN_STARTED}
    finished = {int(p["run_id"]) for k, _, p in payloads if k == RUN_FINISHED}
    corrected = {seq for k, seq, _ in payloads if k == CORRECTED}
    for sha, path in q.county_files(conn, county):
        if sha not in files:
            return f"files 表中的文件 {path}（sha256 {sha}）没有接收事件"
    for reading_id, sha in q.county_readings(conn, county):
        if reading_id not in readings:
            return f"readings 表中文件 sha256 {sha} 的第 {reading_id} 号读取没有提取事件"
    for reading_id, rid in q.county_records(conn, county) + q.orphan_values(conn):
        if rid not in readings.get(reading_id, set()):
            return f"工作记录 {rid}（第 {reading_id} 号读取）没有提取事件"
    for run in q.county_runs(conn, county):
        run_id = int(run["run_id"])
        if run_id not in started or (run["finished"] is not None and run_id not in finished):
            return f"第 {run_id} 次运行在 runs 表中有记录，事件日志中却没有它的开始或完成事件（日志末尾可能被截断）"
    for table, run_ids in q.run_row_owners(conn, county).items():
        if lost := sorted(run_ids - finished):
            return f"{table} 表中有第 {lost[0]} 次运行的数据，事件日志中却没有该次运行的完成事件"
    for cid, seq in q.county_corrections(conn, county):
        if seq not in corrected:
            return f"corrections 表中的第 {cid} 条更正没有对应的更正事件"
    return None


def _run_anchors(conn: Connection, county: str, events: list[EventRow]) -> tuple[int, str] | None:
    """Each run's stored anchor must be an event of the chain: (seq, detail) of the first that is not."""
    hashes = {e.seq: e.hash for e in events}
    for run in q.county_runs(conn, county):
        seq, head = run["anchor_seq"], run["anchor_hash"]
        if seq is not None and int(seq) > 0 and hashes.get(int(seq)) != head:
            why = "不在事件日志中（日志末尾可能被截断）" if int(seq) not in hashes else "与事件日志不符"
            return int(seq), f"第 {run['run_id']} 次运行印发材料时的锚点（第 {seq} 条，{str(head)[:16]}…）{why}"
    return None


def check_ledger(conn: Connection, county: str, events: list[EventRow]) -> VerifyResult:
    """The county's chain first (edited / removed / reordered), then the tables against the
    events (read in the same transaction as ``events``)."""
    chain = verify_chain(events)
    if not chain.ok:
        return chain
    for event in events:
        detail = _event_problem(conn, county, event)
        if detail:
            return VerifyResult(chain.count, chain.head, "mismatch", event.seq, detail)
    anchored = _run_anchors(conn, county, events)
    if anchored:
        return VerifyResult(chain.count, chain.head, "mismatch", anchored[0], anchored[1])
    detail = _unlogged(conn, county, events)
    if detail:
        return VerifyResult(chain.count, chain.head, "unlogged", None, detail)
    return chain


def verify_ledger(ledger: Ledger) -> VerifyResult:
    with ledger.read() as conn:
        return check_ledger(conn, ledger.county, q.county_events(conn, ledger.county))


REMEDY = "台账在 zhidao 之外被改动过；请查明原因，并用备份或原始文件重新建立台账"


def ledger_where(ledger: Ledger) -> Path | None:
    """The ledger's file for an error message (never a database URL: it may carry a password)."""
    return None if "://" in str(ledger.path) else Path(ledger.path)


def tampered(ledger: Ledger, result: VerifyResult) -> LedgerError:
    return LedgerError(LEDGER_TAMPERED, result.message(), ledger_where(ledger), REMEDY)
