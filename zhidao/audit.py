"""The hash chain of the ledger's event log: canonical payloads, event hashes and the check.

Every event row is ``(seq, at, kind, payload, prev_hash, hash)`` where ``payload`` is canonical
JSON (sorted keys, UTF-8 text, no spaces) and

    hash = sha256_hex("|".join([prev_hash, str(seq), at, kind, payload]) encoded as UTF-8)

``prev_hash`` of the first event (seq 1) is :data:`GENESIS`; each later event carries the hash
of the one before it. Editing, removing or reordering a row therefore breaks the chain at the
first row touched, which :func:`verify_chain` names.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

GENESIS = "0" * 64
LEDGER_TAMPERED = "LEDGER_TAMPERED"

# Event kinds (stable: outside tools read them from the exported events.jsonl).
RECEIVED = "file_received"
EXTRACTED = "file_extracted"
RUN_STARTED = "run_started"
RUN_FINISHED = "run_finished"
PACKET_ISSUED = "packet_issued"
CORRECTED = "value_corrected"
EXPORTED = "audit_exported"
UPGRADED = "ledger_upgraded"


class EventRow(NamedTuple):
    seq: int
    at: str
    kind: str
    payload: str
    prev_hash: str
    hash: str


def canonical(data: Any) -> str:
    """The one JSON spelling of ``data`` that is hashed (sorted keys, no spaces, UTF-8 text)."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def digest(data: Any) -> str:
    """sha256 of the canonical JSON of ``data``."""
    return hashlib.sha256(canonical(data).encode("utf-8")).hexdigest()


def event_hash(prev_hash: str, seq: int, at: str, kind: str, payload: str) -> str:
    text = "|".join([prev_hash, str(seq), at, kind, payload])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of a check: ``problem`` is None when all is intact, else one of ``edited``,
    ``removed``, ``reordered`` (the chain itself), ``mismatch`` (a table no longer holds what an
    event recorded) or ``unlogged`` (table rows no event announced); ``seq`` is the first entry
    concerned."""

    count: int
    head: str  # hash of the last event (GENESIS for an empty log): write it down to anchor the log
    problem: str | None = None
    seq: int | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None

    def message(self) -> str:
        if self.ok:
            return f"事件日志完整：共 {self.count} 条，哈希链校验通过（末条哈希 {self.head}）"
        if self.problem == "mismatch":
            return f"台账数据与事件日志第 {self.seq} 条的记载不符：{self.detail}"
        if self.problem == "unlogged":
            return f"台账中有未记入事件日志的数据：{self.detail}"
        what = {"edited": "被修改", "removed": "被删除", "reordered": "顺序被调换"}[self.problem or ""]
        return f"事件日志第 {self.seq} 条{what}：{self.detail}"


def _tampered(count: int, head: str, problem: str, seq: int, detail: str) -> VerifyResult:
    return VerifyResult(count=count, head=head, problem=problem, seq=seq, detail=detail)


def verify_chain(rows: Iterable[EventRow]) -> VerifyResult:
    """Recompute the chain over ``rows`` (in seq order) and name the first broken entry.

    A seq gap is a removal (the first missing seq is named); a row whose ``prev_hash`` is not the
    previous row's hash was moved (or the previous row was edited and re-hashed, which is named
    as that row's edit); a row whose own hash does not recompute was edited.
    """
    ordered = sorted(rows, key=lambda r: r.seq)
    hashes = {r.hash for r in ordered}
    prev, expected, count = GENESIS, 1, 0
    for row in ordered:
        if row.seq != expected:
            return _tampered(count, prev, "removed", expected, f"序号从 {expected - 1} 跳到 {row.seq}，中间的记录缺失")
        if row.prev_hash != prev:
            if row.prev_hash in hashes or row.prev_hash == GENESIS:
                return _tampered(count, prev, "reordered", row.seq,
                                 f"该条记录的前序哈希指向其他记录（{row.prev_hash[:12]}…），不是第 {row.seq - 1} 条")
            if row.seq == 1:
                return _tampered(count, prev, "edited", 1, "第一条记录的前序哈希不是链的起点")
            return _tampered(count, prev, "edited", row.seq - 1,
                             f"该条记录的哈希被重新计算过，第 {row.seq} 条保存的前序哈希对不上")
        if event_hash(row.prev_hash, row.seq, row.at, row.kind, row.payload) != row.hash:
            return _tampered(count, prev, "edited", row.seq,
                             f"内容与保存的哈希不符（{row.kind}，{row.at}）")
        prev, expected, count = row.hash, expected + 1, count + 1
    return VerifyResult(count=count, head=prev)
