"""`zhidao audit verify --anchor … --out …`: the ledger's own checks (pipeline.audit), the
anchors printed on issued packets or kept in an audit bundle (the ledger must still hold each
head with an intact chain up to it: tail truncation, a wipe, a consistent rewrite are caught
here), and the packets the ledger recorded as issued into OUT, hashed again."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from zhidao.anchor import Anchor, AnchorCheck, check_anchor
from zhidao.audit import LEDGER_TAMPERED, PACKET_ISSUED, EventRow, VerifyResult
from zhidao.errors import LedgerError
from zhidao.ingest import sha256_of
from zhidao.store import Ledger
from zhidao.store.audit_queries import county_events

from .audit import REMEDY, check_ledger, ledger_where


@dataclass(frozen=True)
class PacketCheck:
    """One packet the ledger recorded as issued into OUT, against the file there now."""

    name: str
    path: str
    seq: int  # its packet_issued event
    recorded: str  # sha256 when it was issued
    actual: str | None  # sha256 now (None: the file is gone)

    @property
    def ok(self) -> bool:
        return self.actual == self.recorded

    def message(self) -> str:
        if self.actual is None:
            return f"已印发的 {self.name}（{self.path}，事件日志第 {self.seq} 条）已不存在"
        if not self.ok:
            return (f"已印发的 {self.name}（{self.path}）在印发后被改动：现在的 sha256 为 {self.actual[:16]}…，"
                    f"印发时（事件日志第 {self.seq} 条）为 {self.recorded[:16]}…")
        return f"{self.name} 与印发时一致（sha256 {self.recorded[:16]}…）"


@dataclass(frozen=True)
class Verdict:
    ledger: VerifyResult
    anchors: tuple[AnchorCheck, ...] = ()
    packets: tuple[PacketCheck, ...] = ()
    out: Path | None = None  # the output folder whose packets were checked

    @property
    def ok(self) -> bool:
        return not self.problems()

    def problems(self) -> list[str]:
        found = [] if self.ledger.ok else [self.ledger.message()]
        found += [a.message() for a in self.anchors if not a.ok]
        if self.out is not None and not self.packets:
            found.append(f"台账中没有向 {self.out} 印发交流会材料的记录（packet_issued 事件）："
                         "目录不对，或这些事件已被删除")
        return found + [p.message() for p in self.packets if not p.ok]

    def message(self) -> str:
        if not self.ok:
            return "；".join(self.problems())
        return "\n".join([self.ledger.message(), *(a.message() for a in self.anchors),
                          *(p.message() for p in self.packets)])


def check_anchors(events: Sequence[EventRow], county: str, anchors: Sequence[Anchor]) -> tuple[AnchorCheck, ...]:
    """Each anchor against the county's chain (an anchor of another county is named as such),
    each outcome once (a bare hash found in the chain is the same anchor as the one in full)."""
    return tuple(dict.fromkeys(check_anchor(events, a) if a.county == county else AnchorCheck(
        a, "county", f"该锚点属于「{a.county or '（未指定县）'}」的台账，本次核对的是「{county or '（未指定县）'}」"
                     "（请用 --county 指定）") for a in anchors))


def issued_into(events: Sequence[EventRow], out: Path) -> list[tuple[int, dict[str, str]]]:
    """(seq, payload) of the latest packet_issued event of each file recorded as issued into OUT."""
    folder = out.resolve()
    latest: dict[str, tuple[int, dict[str, str]]] = {}
    for e in events:
        if e.kind == PACKET_ISSUED:
            p = json.loads(e.payload)
            if Path(p["path"]).parent == folder:
                latest[p["path"]] = (e.seq, p)
    return sorted(latest.values(), key=lambda sp: sp[0])


def check_packets(events: Sequence[EventRow], out: Path) -> tuple[PacketCheck, ...]:
    checks = []
    for seq, p in issued_into(events, out):
        path = Path(p["path"])
        actual = sha256_of(path) if path.is_file() else None
        checks.append(PacketCheck(p.get("name") or path.name, str(path), seq, p["sha256"], actual or None))
    return tuple(checks)


def verify(ledger: Ledger, anchors: Sequence[Anchor] = (), out: Path | None = None) -> Verdict:
    """Everything `audit verify` checks, for the ledger's county."""
    with ledger.read() as conn:
        events = county_events(conn, ledger.county)
        checked = check_ledger(conn, ledger.county, events)
    return Verdict(checked, check_anchors(events, ledger.county, anchors),
                   check_packets(events, out) if out is not None else (), out)


def verdict_error(ledger: Ledger, verdict: Verdict) -> LedgerError:
    return LedgerError(LEDGER_TAMPERED, verdict.message(), ledger_where(ledger), REMEDY)


def county_to_check(option: str | None, anchors: Sequence[Anchor]) -> str:
    """The county whose chain is checked: ``--county`` when given, else the one county the
    anchors name (else the default county)."""
    if option is not None:
        return option
    counties = {a.county for a in anchors}
    return counties.pop() if len(counties) == 1 else ""
