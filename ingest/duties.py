"""Duties (履行职责): tick boxes written as characters, or duty names written out, → codes."""

from __future__ import annotations

import re
import unicodedata

DUTY_NAMES: dict[str, str] = {
    "建好党的组织": "D1",
    "配强组织班子": "D2",
    "建设党员队伍": "D3",
    "建设职工队伍": "D4",
    "建设活动阵地": "D5",
    "积极探索创新": "D6",
}
CODE_NAMES = {code: name for name, code in DUTY_NAMES.items()}

TICKED = "☑☒■✓✔√▣◼●"
UNTICKED = "□☐○◻"
_NAME_RE = "|".join(DUTY_NAMES)


def text_to_duties(text: str | None) -> tuple[tuple[str, ...], bool]:
    """Return (sorted duty codes, sure).

    Handles '■建好党的组织  □配强组织班子', '建好党的组织（√） 配强组织班子（  ）' and
    '配强组织班子、建设职工队伍'. ``sure`` is False when boxes are present but none of them
    can be told ticked or not, or when text names no duty at all.
    """
    if not text:
        return (), True
    t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).replace("\u3000", ""))
    t = t.replace("(", "（").replace(")", "）")
    names = list(re.finditer(_NAME_RE, t))
    if not names:
        return (), False
    has_boxes = any(c in t for c in TICKED + UNTICKED) or "（" in t
    if not has_boxes:
        return tuple(sorted({DUTY_NAMES[m.group(0)] for m in names})), True
    codes: set[str] = set()
    sure = True
    for i, m in enumerate(names):
        before = t[names[i - 1].end() if i else 0 : m.start()]
        after = t[m.end() : names[i + 1].start() if i + 1 < len(names) else len(t)]
        mark = _mark(before[-1:]) if before else None
        if mark is None:
            paren = re.match(r"（([^）]*)）", after)
            if paren:
                inner = paren.group(1)
                mark = any(c in TICKED for c in inner) or inner.upper() in ("X", "V")
        if mark is None:
            sure = False
        elif mark:
            codes.add(DUTY_NAMES[m.group(0)])
    return tuple(sorted(codes)), sure


def _mark(ch: str) -> bool | None:
    if ch and ch in TICKED:
        return True
    if ch and ch in UNTICKED:
        return False
    return None
