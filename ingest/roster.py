"""Roster (附件1) tables of any medium → roster items, by header labels.

Readers turn a sheet into rows of :class:`Cell`; this module finds the header row, maps the
columns by the synonyms in :mod:`zhidao.ingest.labels`, keeps unknown columns in ``extra``,
and splits 'A公司、B公司' into one row per enterprise.
"""

from __future__ import annotations

import re
from pathlib import Path

from zhidao.errors import roster_no_header
from zhidao.model import Item, SourceFile, Value
from zhidao.text import clean_name, collapse_ws, fold, parse_education, parse_gender, parse_month

from .labels import ROSTER_MATCHER
from .layout import Cell

EXTRACTOR = "roster/1"
_SPLIT_ENTERPRISES = re.compile(r"[、；;\n]+")
_HEADER_SCAN_ROWS = 30


def find_header(rows: list[list[Cell]]) -> int | None:
    for i, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        keys = {ROSTER_MATCHER.match(c.text) for c in row if c.text.strip() and len(c.text) <= 14}
        if "name" in keys and len(keys - {None}) >= 3:
            return i
    return None


def _is_note(row: list[Cell]) -> bool:
    first = next((c.text.strip() for c in row if c.text.strip()), "")
    return first.startswith(("注", "备注：", "说明"))


def rows_to_items(rows: list[list[Cell]], source: SourceFile, sheet: str, first_index: int) -> list[Item]:
    """One sheet's rows → roster items. Raises InputError when no header is found."""
    h = find_header(rows)
    if h is None:
        seen = [fold(c.text) for row in rows[:10] for c in row if c.text.strip()]
        raise roster_no_header(source.path, sheet, seen)
    header = rows[h]
    keys = [ROSTER_MATCHER.match(c.text) if c.text.strip() else None for c in header]
    items: list[Item] = []
    for row in rows[h + 1 :]:
        if not any(c.text.strip() for c in row) or _is_note(row):
            continue
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
            review = tuple(k for k in ("name", "enterprise") if values[k].value is None)
            items.append(Item("roster", source, 1, first_index + len(items), values, review, EXTRACTOR,
                              extra))
    return items


def _row_values(by_key: dict[str, Cell], enterprise: str) -> dict[str, Value]:
    def val(key: str, normalise: object) -> Value:
        cell = by_key.get(key)
        if cell is None:
            return Value(None, None, 1.0, None)
        raw = enterprise if key == "enterprise" else cell.text
        value = normalise(raw) if callable(normalise) else raw
        return Value(value, raw, cell.confidence, cell.location)

    def text(raw: str) -> str | None:
        return collapse_ws(fold(raw))

    def phone(raw: str) -> str | None:
        digits = re.sub(r"[^\d\-]", "", fold(raw))
        return digits or None

    return {
        "name": val("name", clean_name),
        "gender": val("gender", parse_gender),
        "birth": val("birth", parse_month),
        "unit": val("unit", text),
        "position": val("position", text),
        "party_join": val("party_join", parse_month),
        "education": val("education", parse_education),
        "enterprise": val("enterprise", text),
        "phone": val("phone", phone),
        "remarks": val("remarks", text),
    }


def sheet_label(path: Path, sheet: str) -> str:
    return f"{path.name}:{sheet}"
