"""Roster (附件1) tables of any medium → roster items, by header labels.

Readers turn a sheet (or a document table) into rows of :class:`Cell`; this module finds the
header (on any row, one or two rows high), maps the columns by the synonyms in
:mod:`zhidao.ingest.labels`, keeps unknown columns in ``extra``, splits 'A公司、B公司' into one
row per enterprise, and reports a duplicated person × enterprise once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from zhidao.errors import roster_no_header
from zhidao.model import Item, Location, SourceFile, Value
from zhidao.text import clean_name, collapse_ws, fold, parse_date, parse_education, parse_gender, parse_month

from .labels import ROSTER_MATCHER
from .layout import Cell

EXTRACTOR = "roster/1"
_SPLIT_ENTERPRISES = re.compile(r"[、；;\n]+")
_HEADER_SCAN_ROWS = 30
_LABEL_MAX_LEN = 14

Rows = list[list[Cell]]


def _keys(texts: Iterable[str]) -> set[str]:
    keys = {ROSTER_MATCHER.match(t) for t in texts if t.strip() and len(t.strip()) <= _LABEL_MAX_LEN}
    return {k for k in keys if k is not None}


def merge_header(top: list[Cell], bottom: list[Cell]) -> list[Cell]:
    """Two header rows → one: a parent label spreads over its blank (merged) neighbours and a
    label in the second row wins over its parent ('联系方式' over '手机 | 办公电话')."""
    out: list[Cell] = []
    parent = Cell("", Location())
    for i in range(max(len(top), len(bottom))):
        t = top[i] if i < len(top) else Cell("", Location())
        b = bottom[i] if i < len(bottom) else Cell("", Location())
        if t.text.strip():
            parent = t
        out.append(b if b.text.strip() else parent)
    return out


def _looks_like_data(row: list[Cell]) -> bool:
    return any(re.fullmatch(r"\d{1,4}", c.text.strip()) or re.search(r"\d{5,}", c.text) for c in row)


def find_header(rows: Rows) -> tuple[int, list[Cell]] | None:
    """(index of the last header row, the header cells), or None when there is no header."""
    for i, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        single = _keys(c.text for c in row)
        if i + 1 < len(rows) and not _looks_like_data(rows[i + 1]):
            merged = merge_header(row, rows[i + 1])
            both = _keys(c.text for c in merged)
            if "name" in both and len(both) >= 3 and len(both) > len(single):
                return i + 1, merged
        if "name" in single and len(single) >= 3:
            return i, row
    return None


def _is_note(row: list[Cell]) -> bool:
    first = next((c.text.strip() for c in row if c.text.strip()), "")
    return first.startswith(("注：", "注:", "备注：", "说明：", "填表说明"))


def rows_to_items(rows: Rows, source: SourceFile, sheet: str, first_index: int) -> list[Item]:
    """One sheet's rows → roster items. Raises InputError listing what it saw if no header."""
    found = find_header(rows)
    if found is None:
        seen = [fold(c.text) for row in rows[:12] for c in row if c.text.strip() and len(c.text) <= 20]
        raise roster_no_header(source.path, sheet, seen)
    h, header = found
    keys = [ROSTER_MATCHER.match(c.text) if c.text.strip() else None for c in header]
    header_keys = _keys(c.text for c in header)
    items: list[Item] = []
    for row in rows[h + 1 :]:
        if not any(c.text.strip() for c in row) or _is_note(row) or _keys(c.text for c in row) == header_keys:
            continue  # blank, a note under the table, or the header repeated on a new page
        by_key: dict[str, Cell] = {}
        extra: dict[str, str] = {}
        for key, head, cell in zip(keys, header, row, strict=False):
            if key is None:
                if head.text.strip() and cell.text.strip():
                    extra[fold(head.text)] = cell.text.strip()
            elif key != "seq":
                by_key.setdefault(key, cell)
        ent_cell = by_key.get("enterprise")
        enterprises = [e for e in _SPLIT_ENTERPRISES.split(ent_cell.text) if e.strip()] if ent_cell else []
        for enterprise in enterprises or [""]:
            values = _row_values(by_key, enterprise)
            review = tuple(k for k, v in values.items()
                           if (k in ("name", "enterprise") and v.value is None) or v.confidence < 0.8)
            items.append(Item("roster", source, by_key.get("name", row[0]).location.page,
                              first_index + len(items), values, review, EXTRACTOR, extra))
    return items


def dedupe(items: list[Item]) -> list[Item]:
    """The same person and enterprise listed twice → once (the first row)."""
    seen: set[tuple[object, object]] = set()
    out = []
    for it in items:
        key = (it.get("name"), it.get("enterprise"))
        if key[0] is not None and key in seen:
            continue
        seen.add(key)
        out.append(it)
    return out


def _text(raw: str) -> str | None:
    return collapse_ws(fold(raw))


def _day(raw: str) -> str | None:
    """A date written to the day, or to the month (its first day)."""
    day, _ = parse_date(raw)
    month = parse_month(raw)
    return day or (f"{month}-01" if month else None)


def _phone(raw: str) -> str | None:
    return re.sub(r"[^\d\-]", "", fold(raw)) or None


_NORMALISE = {
    "name": clean_name, "gender": parse_gender, "birth": parse_month, "unit": _text, "position": _text,
    "party_join": parse_month, "education": parse_education, "enterprise": _text, "phone": _phone,
    "remarks": _text, "dispatch_start": _day, "dispatch_end": _day, "aliases": _text,
}
_OPTIONAL_COLUMNS = ("dispatch_start", "dispatch_end", "aliases")


def _row_values(by_key: dict[str, Cell], enterprise: str) -> dict[str, Value]:
    values: dict[str, Value] = {}
    for key, normalise in _NORMALISE.items():
        cell = by_key.get(key)
        if cell is None:
            if key not in _OPTIONAL_COLUMNS:
                values[key] = Value(None, None, 1.0, None)
            continue
        raw = enterprise if key == "enterprise" else cell.text
        value = normalise(raw)
        unsure = bool(raw.strip()) and value is None and key in ("birth", "party_join", "education", "gender")
        values[key] = Value(value, raw, 0.5 if unsure else cell.confidence, cell.location)
    return values
