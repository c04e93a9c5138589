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


DUTY_CODES = tuple(sorted(DUTY_NAMES.values()))
_OCR_TICKED = "团図区凶囚☑☒■√✓✔"
_OCR_UNTICKED = "口□☐"


def read_duties(text: str, marks: tuple[tuple[bool, float], ...] | None, conf: float
                ) -> tuple[tuple[str, ...], bool, float]:
    """A duties value → (codes, sure, confidence). Six tick boxes read by ink stand for D1..D6
    in reading order. Otherwise the text: duty names written out, or — when a scan lists all six
    names but not all boxes were found — the glyphs OCR read in the boxes, which are only a
    guess and go to review."""
    if marks is not None and len(marks) == len(DUTY_CODES):
        codes = tuple(code for code, (ticked, _) in zip(DUTY_CODES, marks, strict=True) if ticked)
        return codes, True, min(c for _, c in marks)
    if marks is not None and len(set(DUTY_NAMES) & set(names_in(text))) >= 5:
        t = text.translate(str.maketrans(_OCR_TICKED, "■" * len(_OCR_TICKED)))
        t = t.translate(str.maketrans(_OCR_UNTICKED, "□" * len(_OCR_UNTICKED)))
        codes, _ = text_to_duties(t)
        return codes, False, min(conf, 0.5)
    codes, sure = text_to_duties(text)
    return codes, sure, conf


def names_in(text: str) -> list[str]:
    """The duty names a text spells out (white space ignored), in code order."""
    flat = "".join(text.split())
    return [name for name in DUTY_NAMES if name in flat]
