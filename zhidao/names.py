"""How enterprise names are shortened on forms (pure; shared by ingest and validate)."""

from __future__ import annotations

import re

from zhidao.text import clean_name

_PREFIX = re.compile(r"^.{1,6}?[县市区旗](?=.{4,})")
_SUFFIXES = ("有限责任公司", "股份有限公司", "有限公司", "集团公司", "公司", "厂")


def county_dropped(name: str) -> str:
    """'石岭县鑫源食品有限责任公司' → '鑫源食品有限责任公司' (forms often drop the county)."""
    return _PREFIX.sub("", clean_name(name) or "", count=1)


def enterprise_core(name: str) -> str:
    """'石岭县鑫源食品有限责任公司' → '鑫源食品'; '绿源酒业有限公司' → '绿源酒业'."""
    t = county_dropped(name)
    for suffix in _SUFFIXES:
        if t.endswith(suffix) and len(t) > len(suffix):
            return t[: -len(suffix)]
    return t
