"""Duties (履行职责) → codes D1..D6, however the form marks them.

Text (Word, PDF text layer, Excel, and OCR text of a scan):

- a mark glyph before or after each name: '■建好党的组织  □配强组织班子', '☑…', '√建好党的组织',
  '建好党的组织✓', '建好党的组织 ×', '●…'; printed empty boxes (□ ☐ ○) are the unmarked ones;
- a tick between parentheses after the name: '建好党的组织（√）  配强组织班子（  ）';
- the chosen names written out: '建设职工队伍、积极探索创新';
- numbers that a legend on the sheet explains: '①③', '1、3' with '①建好党的组织 ②配强组织班子 …'
  printed somewhere on the page (:func:`parse_legend`); without a legend the official order is
  assumed and the value goes to review;
- one sheet column per duty (the header cells are the names; :func:`column_text` turns such a
  row into the parenthesis form).

Scans add marks read by ink (:mod:`.omr`): one (ticked, confidence) per duty in code order.
A mark that cannot be placed on one name, a box that is missing, or ink that is neither clearly
empty nor clearly marked makes the value not sure, so it goes to review — never a silent guess.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

DUTY_NAMES: dict[str, str] = {
    "建好党的组织": "D1",
    "配强组织班子": "D2",
    "建设党员队伍": "D3",
    "建设职工队伍": "D4",
    "建设活动阵地": "D5",
    "积极探索创新": "D6",
}
CODE_NAMES = {code: name for name, code in DUTY_NAMES.items()}
DUTY_CODES = tuple(sorted(DUTY_NAMES.values()))

TICKED = "☑☒■✓✔√▣◼●×✗✘⊠⊙◉☒"
UNTICKED = "□☐○◻◯"
_SEPARATORS = " \t\n、，,；;。.／/|"
_CIRCLED = {chr(0x2460 + i): str(i + 1) for i in range(20)}  # ① … ⑳
_CIRCLED.update({chr(0x2776 + i): str(i + 1) for i in range(10)})  # ❶ … ❿
_CIRCLED.update({chr(0x2780 + i): str(i + 1) for i in range(10)})  # ➀ … ➉
_CIRCLED.update({chr(0x278A + i): str(i + 1) for i in range(10)})  # ➊ … ➓
_CIRCLED.update({chr(0x2474 + i): str(i + 1) for i in range(20)})  # ⑴ … ⒇
_NUM = "\x01"  # stands before a number that was written circled (① → \x01 1)


def _normal(text: str) -> str:
    """NFKC (full-width letters and digits folded), circled numbers kept apart from plain ones,
    parentheses full-width, every run of white space one space."""
    t = "".join(f"{_NUM}{_CIRCLED[c]}{_NUM}" if c in _CIRCLED else c for c in text)
    t = unicodedata.normalize("NFKC", t.replace("\u3000", " "))
    t = t.replace("(", "（").replace(")", "）")
    return re.sub(r"\s+", " ", t).strip()


def find_names(t: str) -> list[tuple[int, int, str]]:
    """(start, end, code) of each duty name in ``t``; white space inside a name is allowed, and one
    character wrong (OCR) when the rest of the name stands."""
    flat: list[tuple[int, str]] = [(i, c) for i, c in enumerate(t) if not c.isspace()]
    chars = "".join(c for _, c in flat)
    taken = [False] * len(chars)
    found: list[tuple[int, int, str]] = []
    for tolerance in (0, 1):
        for name, code in DUTY_NAMES.items():
            if any(f[2] == code for f in found):
                continue
            n = len(name)
            for s in range(len(chars) - n + 1):
                window = chars[s : s + n]
                if any(taken[s : s + n]) or sum(a != b for a, b in zip(window, name, strict=True)) > tolerance:
                    continue
                if tolerance and (window[0] != name[0] and window[-1] != name[-1]):
                    continue  # a one-off must keep an end of the name
                taken[s : s + n] = [True] * n
                found.append((flat[s][0], flat[s + n - 1][0] + 1, code))
                break
    return sorted(found)


def duty_code(text: str) -> str | None:
    """The code of a text that is one duty name and nothing else (a sheet's column header)."""
    t = _normal(text)
    names = find_names(t)
    if len(names) != 1:
        return None
    start, end, code = names[0]
    rest = (t[:start] + t[end:]).strip(_SEPARATORS + "：:")
    return code if not rest else None


_LEGEND_ENTRY = re.compile(
    rf"(?:{_NUM}(\d{{1,2}}){_NUM}|（(\d)）|(?<![\d.])(\d)\s*[、.．）:：]?)\s*$")


def parse_legend(text: str) -> dict[str, str] | None:
    """A legend printed on the sheet ('①建好党的组织 ②配强组织班子 …', '1、建好党的组织 2、…')
    → {number: code}, or None unless at least four names each stand after a number."""
    t = _normal(text)
    legend: dict[str, str] = {}
    last = 0
    for start, end, code in find_names(t):
        m = _LEGEND_ENTRY.search(t[last:start])
        last = end
        if m:
            legend[next(g for g in m.groups() if g)] = code
    return legend if len(legend) >= 4 and len(set(legend.values())) == len(legend) else None


def is_legend(text: str) -> bool:
    """Whether a text is a printed legend rather than a duties value."""
    return parse_legend(text) is not None and not any(c in TICKED for c in _normal(text))


_NUMBERS_ONLY = re.compile(rf"[\d{_NUM}\s、，,；;./／.．（）]+")


def _numbers(t: str, legend: dict[str, str] | None) -> tuple[tuple[str, ...], bool] | None:
    """'①③', '1、3', '（1）（3）' → codes by the legend; None when the text is not just numbers."""
    if not t or not _NUMBERS_ONLY.fullmatch(t) or not re.search(r"\d", t):
        return None
    circled = re.findall(rf"{_NUM}(\d+){_NUM}", t)
    rest = re.sub(rf"{_NUM}\d+{_NUM}", " ", t)
    plain = re.findall(r"\d+", rest)
    sure = True
    numbers = circled[:]
    for p in plain:
        if len(p) > 1 and p not in (legend or {}):
            numbers += list(p)  # '13' without a separator: 1 and 3, most likely, but not sure
            sure = False
        else:
            numbers.append(p)
    table = legend or {str(i + 1): code for i, code in enumerate(DUTY_CODES)}
    if legend is None:
        sure = False  # no legend on the sheet: the official order is only an assumption
    codes = set()
    for n in numbers:
        if n in table:
            codes.add(table[n])
        else:
            sure = False
    return tuple(sorted(codes)), sure


def _marks_in(seg: str) -> list[tuple[int, int, bool | None]]:
    """(start, end, ticked) of each mark in a segment between names: a glyph, or a pair of
    parentheses (ticked when it holds a tick, unticked when empty, None when it holds
    something else)."""
    out: list[tuple[int, int, bool | None]] = []
    i = 0
    while i < len(seg):
        c = seg[i]
        if c == "（":
            close = seg.find("）", i)
            if close < 0:
                close = len(seg) - 1
            inner = seg[i + 1 : close].strip()
            if not inner:
                out.append((i, close + 1, False))
            elif all(ch in TICKED or ch.upper() in "XV" for ch in inner.replace(" ", "")):
                out.append((i, close + 1, True))
            else:
                out.append((i, close + 1, None))
            i = close + 1
            continue
        if c in TICKED:
            out.append((i, i + 1, True))
        elif c in UNTICKED:
            out.append((i, i + 1, False))
        i += 1
    return out


def _is_paren(seg: str, start: int) -> bool:
    return seg[start] == "（"


def text_to_duties(text: str | None, legend: dict[str, str] | None = None) -> tuple[tuple[str, ...], bool]:
    """Return (sorted duty codes, sure).

    ``sure`` is False when a mark cannot be told ticked or not, or placed on one name, when a
    boxed list misses a box, when numbers have no legend to explain them, or when the text
    names no duty at all.
    """
    if not text or not text.strip():
        return (), True
    t = _normal(text)
    numbered = _numbers(t, legend)
    if numbered is not None:
        return numbered
    names = find_names(t)
    if not names:
        return (), False
    segments = [t[names[i - 1][1] if i else 0 : names[i][0] if i < len(names) else len(t)]
                for i in range(len(names) + 1)]
    marks = [_marks_in(seg) for seg in segments]
    if not any(marks):
        return tuple(sorted({code for _, _, code in names})), True
    # which side of its name a mark stands on: the first and last segments say it for the cell
    before = bool(marks[0]) and not _is_paren(segments[0], marks[0][-1][0])
    after = bool(marks[-1])
    boxes = any(ticked is False for seg in marks for _, _, ticked in seg)
    state: list[list[bool | None]] = [[] for _ in names]
    sure = True
    for i, seg_marks in enumerate(marks):
        seg = segments[i]
        for start, end, ticked in seg_marks:
            left, right = i - 1, i  # the names this mark stands between
            if left < 0:
                owner = right
            elif right >= len(names) or _is_paren(seg, start):
                owner = left
            else:
                touches_left, touches_right = start == 0, end == len(seg)
                if touches_left != touches_right:
                    owner = left if touches_left else right
                elif before != after:
                    owner = right if before else left
                else:
                    sure = False  # a mark between two names, belonging to neither for sure
                    continue
            state[owner].append(ticked)
    codes: set[str] = set()
    for (_, _, code), got in zip(names, state, strict=True):
        if any(g is None for g in got):
            sure = False
        if True in got:
            codes.add(code)
        elif not got and boxes:
            sure = False  # every name has its box, this one none: a box lost or misread
    return tuple(sorted(codes)), sure


def column_text(cells: Sequence[tuple[str, str]]) -> str:
    """A sheet row with one column per duty → text in the parenthesis form: [(code, cell text)]
    → '建好党的组织（√） 配强组织班子（） …'. Text that is no tick ('是', '1') is kept inside the
    parentheses, so the value goes to review."""
    return "  ".join(f"{CODE_NAMES[code]}（{text.strip()}）" for code, text in cells)


def ink_marks(inks: Sequence[float], baseline: float, ticked_at: float, empty_below: float
              ) -> tuple[tuple[bool, float], ...]:
    """Marks of cells or areas read by ink: ticked at ``ticked_at`` above the ``baseline`` (the
    ink of the unmarked ones), empty under ``empty_below`` above it; in between doubtful (low
    confidence, so the value goes to review)."""
    out = []
    for ink in inks:
        extra = ink - baseline
        if extra >= ticked_at:
            out.append((True, round(min(1.0, 0.85 + 0.15 * (extra - ticked_at) / ticked_at), 3)))
        elif extra <= empty_below:
            out.append((False, round(min(1.0, 0.85 + 0.15 * (empty_below - extra) / max(empty_below, 1e-6)), 3)))
        else:
            out.append((extra >= (ticked_at + empty_below) / 2, 0.4))
    return tuple(out)


_OCR_TICKED = "团図区凶囚☑☒■√✓✔"
_OCR_UNTICKED = "口□☐"


def read_duties(text: str, marks: tuple[tuple[bool, float], ...] | None, conf: float,
                legend: str | None = None) -> tuple[tuple[str, ...], bool, float]:
    """A duties value → (codes, sure, confidence). Six marks read by ink stand for D1..D6 in
    code order. Otherwise the text (with the page's legend, if any, for numbers); when a scan
    lists all six names but not all marks were placed, the glyphs OCR read in the boxes are only
    a guess and go to review."""
    table = parse_legend(legend) if legend else None
    if marks is not None and len(marks) == len(DUTY_CODES):
        codes = tuple(code for code, (ticked, _) in zip(DUTY_CODES, marks, strict=True) if ticked)
        return codes, True, min(min(c for _, c in marks), max(conf, 0.6))
    if marks is not None and len(names_in(text)) >= 5:
        t = text.translate(str.maketrans(_OCR_TICKED, "■" * len(_OCR_TICKED)))
        t = t.translate(str.maketrans(_OCR_UNTICKED, "□" * len(_OCR_UNTICKED)))
        codes, _ = text_to_duties(t, table)
        return codes, False, min(conf, 0.5)
    codes, sure = text_to_duties(text, table)
    return codes, sure, conf


def names_in(text: str) -> list[str]:
    """The duty names a text spells out (white space ignored, one character misread allowed), in
    code order."""
    codes = {code for _, _, code in find_names(_normal(text))}
    return [name for name, code in DUTY_NAMES.items() if code in codes]
