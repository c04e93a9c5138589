"""`zhidao audit verify`: the event chain, then the ledger's tables against what the events
recorded (a value edited in ``field_values`` after extraction breaks the digest its
``file_extracted`` event carries; a row no event announced is reported too)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from zhidao.audit import (
    CORRECTED,
    EXTRACTED,
    LEDGER_TAMPERED,
    RECEIVED,
    RUN_FINISHED,
    RUN_STARTED,
    UPGRADED,
    EventRow,
    VerifyResult,
    verify_chain,
)
from zhidao.errors import LedgerError
from zhidao.store import Ledger

_FILE_COLUMNS = ("sha256", "path", "size", "medium", "status", "error_code", "received")
_CORRECTION_COLUMNS = ("record_id", "field", "old", "new", "who", "at", "reason")


def _received(ledger: Ledger, p: dict[str, Any]) -> str | None:
    row = ledger.conn.execute(f"SELECT {', '.join(_FILE_COLUMNS)} FROM files WHERE sha256 = ?",
                              (p["sha256"],)).fetchone()
    if row is None:
        return f"文件 {p['path']}（sha256 {p['sha256']}）已从 files 表中删除"
    stored = dict(zip(_FILE_COLUMNS, row, strict=True))
    changed = [k for k in _FILE_COLUMNS if stored[k] != p.get(k)]
    return f"文件 {p['path']} 的 {'、'.join(changed)} 已被改动" if changed else None


def _extracted(ledger: Ledger, p: dict[str, Any]) -> str | None:
    now = ledger.extraction_digests(list(p["records"]))
    if now["records_digest"] != p["records_digest"]:
        return f"文件 sha256 {p['sha256']} 的工作记录（records 表）已被改动"
    if now["values_digest"] != p["values_digest"]:
        return f"文件 sha256 {p['sha256']} 的栏目值（field_values 表）已被改动"
    return None


def _finished(ledger: Ledger, p: dict[str, Any]) -> str | None:
    now = ledger.run_digests(int(p["run_id"]))
    if now["findings_digest"] != p["findings_digest"]:
        return f"第 {p['run_id']} 次运行的核查发现（findings 表）已被改动"
    if now["matches_digest"] != p["matches_digest"]:
        return f"第 {p['run_id']} 次运行的记录匹配结果（run_records 表）已被改动"
    if now["files_digest"] != p.get("files_digest", now["files_digest"]):
        return f"第 {p['run_id']} 次运行读取的文件清单（run_files 表）已被改动"
    return None


def _upgraded(ledger: Ledger, p: dict[str, Any]) -> str | None:
    return next((d for d in (_finished(ledger, run) for run in p.get("runs", [])) if d), None)


def _corrected(ledger: Ledger, p: dict[str, Any], seq: int) -> str | None:
    row = ledger.conn.execute(f"SELECT {', '.join(_CORRECTION_COLUMNS)} FROM corrections WHERE event_seq = ?",
                              (seq,)).fetchone()
    if row is None or dict(zip(_CORRECTION_COLUMNS, row, strict=True)) != p:
        return f"记录 {p['record_id']} 的「{p['field']}」更正（corrections 表）已被改动或删除"
    return None


def _event_problem(ledger: Ledger, event: EventRow) -> str | None:
    payload = json.loads(event.payload)
    checks: dict[str, Callable[[], str | None]] = {
        RECEIVED: lambda: _received(ledger, payload),
        EXTRACTED: lambda: _extracted(ledger, payload),
        RUN_FINISHED: lambda: _finished(ledger, payload),
        CORRECTED: lambda: _corrected(ledger, payload, event.seq),
        UPGRADED: lambda: _upgraded(ledger, payload),
    }
    check = checks.get(event.kind)
    return check() if check else None


def _unlogged(ledger: Ledger, events: list[EventRow]) -> str | None:
    """Rows in the tables that no event announced (inserted behind the log's back, or the log's
    tail was cut off)."""
    payloads = [(e.kind, e.seq, json.loads(e.payload)) for e in events]
    files = {p["sha256"] for k, _, p in payloads if k == RECEIVED}
    records = {r for k, _, p in payloads if k == EXTRACTED for r in p["records"]}
    legacy = {r["run_id"] for k, _, p in payloads if k == UPGRADED for r in p.get("runs", [])}
    started = legacy | {p["run_id"] for k, _, p in payloads if k == RUN_STARTED}
    finished = legacy | {p["run_id"] for k, _, p in payloads if k == RUN_FINISHED}
    corrected = {seq for k, seq, _ in payloads if k == CORRECTED}
    conn = ledger.conn
    for (sha, path) in conn.execute("SELECT sha256, path FROM files ORDER BY rowid"):
        if sha not in files:
            return f"files 表中的文件 {path}（sha256 {sha}）没有接收事件"
    for (rid,) in conn.execute("SELECT record_id FROM records ORDER BY rowid"):
        if rid not in records:
            return f"records 表中的工作记录 {rid} 没有提取事件"
    for run_id, done in conn.execute("SELECT run_id, finished FROM runs ORDER BY run_id"):
        if run_id not in started or (done is not None and run_id not in finished):
            return f"第 {run_id} 次运行在 runs 表中有记录，事件日志中却没有它的开始或完成事件（日志末尾可能被截断）"
    for cid, seq in conn.execute("SELECT correction_id, event_seq FROM corrections ORDER BY correction_id"):
        if seq not in corrected:
            return f"corrections 表中的第 {cid} 条更正没有对应的更正事件"
    return None


def verify_ledger(ledger: Ledger) -> VerifyResult:
    """The chain first (edited / removed / reordered), then the tables against the events."""
    events = ledger.events()
    chain = verify_chain(events)
    if not chain.ok:
        return chain
    for event in events:
        detail = _event_problem(ledger, event)
        if detail:
            return VerifyResult(chain.count, chain.head, "mismatch", event.seq, detail)
    detail = _unlogged(ledger, events)
    if detail:
        return VerifyResult(chain.count, chain.head, "unlogged", None, detail)
    return chain


def tampered(ledger: Ledger, result: VerifyResult) -> LedgerError:
    return LedgerError(LEDGER_TAMPERED, result.message(), ledger.path,
                       "台账在 zhidao 之外被改动过；请查明原因，并用备份或原始文件重新建立台账")
