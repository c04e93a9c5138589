"""A tolerant test of "this cell is a label", for value boundaries only.

OCR of a fax or a photo garbles labels beyond what the label matcher accepts ('企业负责人等字',
'作内容' with its first character lost in a rule, '工作内客'). Such a cell must never be taken
as the value of the label before it: the value of 驻企日期 is not the text of the next, garbled
label cell. `is_label_boundary` says whether a cell's text is (near enough) a label to end a
value; it never says which field the label is (that stays with `labels.LabelMatcher`).
"""

from __future__ import annotations

import re

from rapidfuzz.distance import Levenshtein

from .labels import RECORD_LABELS, RECORD_MATCHER, LabelMatcher, norm_label

_LABEL_MAX_LEN = 14  # as forms._LABEL_MAX_LEN: longer text is a value
_COLON_VALUE = re.compile(r"[:：]\s*\S")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SYNONYMS = sorted({norm_label(s) for syns in RECORD_LABELS.values() for s in syns if len(s) >= 3},
                   key=len, reverse=True)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions), by rapidfuzz."""
    return int(Levenshtein.distance(a, b))


def allowed_errors(label: str) -> int:
    """Characters a garbled label may have wrong: one in three or four, two in six or more."""
    return 1 if len(label) < 6 else 2


def near_label(text: str, synonyms: list[str] = _SYNONYMS) -> str | None:
    """The synonym (of three or more characters) that `text` is a garbled form of, if any:
    within `allowed_errors` of it, mostly Chinese, and not much longer or shorter."""
    t = norm_label(text)
    if len(t) < 3 or len(_CJK.findall(t)) < len(t) - 1:
        return None
    for syn in synonyms:
        if abs(len(t) - len(syn)) <= 1 and edit_distance(t, syn) <= allowed_errors(syn):
            return syn
    return None


def is_label_boundary(text: str, matcher: LabelMatcher = RECORD_MATCHER) -> bool:
    """Whether a cell with this text ends the value of the label before it: a label the matcher
    knows, or one garbled by OCR (`near_label`). Long text and 'label：value' are values."""
    t = text.strip()
    if not t or len(t) > _LABEL_MAX_LEN or _COLON_VALUE.search(t):
        return False
    return matcher.match(t) is not None or near_label(t) is not None
