"""Match written instructor and enterprise names to the roster, tolerantly.

Forms shorten enterprise names (county prefix dropped, 有限责任公司 written 有限公司, or just
…公司), and enterprises get renamed (the roster's 曾用名 column lists the old names); a match
must still be unique among the instructor's assigned enterprises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zhidao.names import enterprise_core
from zhidao.text import clean_name

__all__ = ["Assigned", "enterprise_core", "match_enterprise"]

_ALIAS_SPLIT = re.compile(r"[、；;，,/\s]+")


@dataclass(frozen=True)
class Assigned:
    """An enterprise an instructor is assigned to, with the names it was known by."""

    name: str
    aliases: tuple[str, ...] = ()

    @classmethod
    def of(cls, name: str, aliases: str | None) -> Assigned:
        return cls(name, tuple(a for a in _ALIAS_SPLIT.split(aliases or "") if a))

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def match_enterprise(written: str | None, assigned: list[Assigned]) -> tuple[str | None, str]:
    """Return (roster enterprise or None, status): ok | missing | mismatch | ambiguous."""
    if not written:
        return None, "missing"
    exact = [a for a in assigned if any(clean_name(n) == clean_name(written) for n in a.names)]
    if exact:
        return exact[0].name, "ok"
    core = enterprise_core(written)
    hits = [a for a in assigned
            if core and any(core == enterprise_core(n) or core in enterprise_core(n) or enterprise_core(n) in core
                            for n in a.names)]
    if len(hits) == 1:
        return hits[0].name, "ok"
    return None, "ambiguous" if hits else "mismatch"
