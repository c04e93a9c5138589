"""Match written instructor and enterprise names to the roster, tolerantly.

Forms shorten enterprise names (county prefix dropped, 有限责任公司 written 有限公司, or just
…公司); a match must still be unique among the instructor's assigned enterprises.
"""

from __future__ import annotations

import re

from zhidao.text import clean_name

_PREFIX = re.compile(r"^.{1,6}?[县市区旗](?=.{4,})")
_SUFFIXES = ("有限责任公司", "股份有限公司", "有限公司", "集团公司", "公司", "厂")


def enterprise_core(name: str) -> str:
    """'石岭县鑫源食品有限责任公司' → '鑫源食品'; '绿源酒业有限公司' → '绿源酒业'."""
    t = clean_name(name) or ""
    t = _PREFIX.sub("", t, count=1)
    for suffix in _SUFFIXES:
        if t.endswith(suffix) and len(t) > len(suffix):
            return t[: -len(suffix)]
    return t


def match_enterprise(written: str | None, assigned: list[str]) -> tuple[str | None, str]:
    """Return (roster enterprise or None, status): ok | missing | mismatch | ambiguous."""
    if not written:
        return None, "missing"
    exact = [a for a in assigned if clean_name(a) == clean_name(written)]
    if exact:
        return exact[0], "ok"
    core = enterprise_core(written)
    hits = [a for a in assigned if core and (core == enterprise_core(a) or core in enterprise_core(a)
                                             or enterprise_core(a) in core)]
    if len(hits) == 1:
        return hits[0], "ok"
    return None, "ambiguous" if hits else "mismatch"
