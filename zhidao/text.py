"""Pure normalisers for what people write on forms: names, dates, months, education, text.

Every function is total: it returns ``None`` for what it cannot read instead of guessing, and
never raises on odd input.
"""

from __future__ import annotations

import re
import unicodedata

# Dates live in zhidao.dates; parse_date stays importable from here for existing callers.
from zhidao.dates import parse_date as parse_date

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_WS = re.compile(r"\s+")
_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef"


def fold(text: str) -> str:
    """NFKC-fold full-width letters, digits and punctuation; strip the ends."""
    return unicodedata.normalize("NFKC", text).strip()


def clean_name(text: str | None) -> str | None:
    """'李\u3000明' / ' 李  明 ' → '李明'; empty → None."""
    if text is None:
        return None
    out = _WS.sub("", fold(text))
    return out or None


def collapse_ws(text: str | None) -> str | None:
    """Collapse runs of white space; drop white space next to CJK characters."""
    if text is None:
        return None
    t = _WS.sub(" ", text.replace("\u3000", " ")).strip()
    t = re.sub(rf"(?<=[{_CJK}]) | (?=[{_CJK}])", "", t)
    return t or None


def _cn_number(text: str) -> int | None:
    """'二〇二六' → 2026 (digit by digit); '十二' → 12; '二十' → 20; '三十一' → 31."""
    if not text:
        return None
    if "十" in text:
        head, _, tail = text.partition("十")
        tens = _CN_DIGITS.get(head, -1) if head else 1
        ones = _CN_DIGITS.get(tail, -1) if tail else 0
        return None if tens < 0 or ones < 0 or len(head) > 1 or len(tail) > 1 else tens * 10 + ones
    digits = [_CN_DIGITS.get(c) for c in text]
    if any(d is None for d in digits):
        return None
    return int("".join(str(d) for d in digits))


def _to_arabic(text: str) -> str:
    """Replace runs of Chinese numerals with Arabic digits; close gaps inside digit runs
    ('202 5 年 1 0 月', as letter-spaced PDF text extracts)."""
    text = re.sub(r"(?<=\d)\s+(?=\d)", "", text)
    return re.sub(
        r"[〇零○一二三四五六七八九十]+",
        lambda m: str(n) if (n := _cn_number(m.group(0))) is not None else m.group(0),
        text,
    )


_MONTH = re.compile(r"(\d{4})\s*[年./\-]\s*(\d{1,2})(?!\d)")


def parse_month(text: str | None) -> str | None:
    """'2019.07' / '2019年7月' / '二〇一九年七月' / '2019-07-01' / a datetime → '2019-07'."""
    if text is None:
        return None
    t = _to_arabic(fold(text))
    m = _MONTH.search(t) or re.search(r"(?<!\d)(\d{4})(\d{2})(?!\d)", t)
    if not m:
        return None
    y, mo = int(m.group(1)), int(m.group(2))
    if not (1 <= mo <= 12 and 1900 <= y <= 2100):
        return None
    return f"{y:04d}-{mo:02d}"


# Education: ordered levels (index = rank) and the words that name them.
EDUCATION_LEVELS: tuple[str, ...] = ("初中", "高中", "中专", "大专", "本科", "硕士", "博士")
_EDU_WORDS: tuple[tuple[str, str], ...] = (
    ("博士", "博士"),
    ("硕士", "硕士"),
    ("研究生", "硕士"),
    ("大专", "大专"),
    ("专科", "大专"),
    ("高职", "大专"),
    ("本科", "本科"),
    ("大学", "本科"),
    ("学士", "本科"),
    ("中专", "中专"),
    ("中技", "中专"),
    ("技校", "中专"),
    ("职高", "高中"),
    ("高中", "高中"),
    ("初中", "初中"),
)


def parse_education(text: str | None) -> str | None:
    """'大学本科' → 本科, '专科' → 大专, '在职研究生' → 硕士, '党校大专' → 大专, '中专/中技' → 中专."""
    if text is None:
        return None
    t = _WS.sub("", fold(text))
    for word, level in _EDU_WORDS:
        if word in t:
            return level
    return None


def education_rank(level: str | None) -> int | None:
    return EDUCATION_LEVELS.index(level) if level in EDUCATION_LEVELS else None


def parse_gender(text: str | None) -> str | None:
    t = clean_name(text)
    if t in ("男", "女"):
        return t
    return None
