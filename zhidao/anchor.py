"""The anchor of an issued packet: the ledger's chain head (county, event count, hash) at the
moment the run that issued it had committed everything it counted. It is printed on the
packet and kept in the audit bundle, so a ledger that no longer holds that head with an intact
chain up to it (truncated, wiped, rewritten) is caught by ``zhidao audit verify --anchor``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Anchor:
    county: str
    seq: int
    hash: str

    def short(self) -> str:
        """For a page footer: 台账锚点 第 N 条 hash 前 16 位."""
        return f"{self.seq}:{self.hash[:16]}"
