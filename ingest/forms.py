"""The form interpreter: a :class:`Page` → work records (附件2), by labels, for every medium.

Both families are handled the same way. Labelled values are collected from text lines
('单位：… 驻企时间：…') and from key/value tables (the value is the cell to the right of the
label, or below it). A table whose header row names a date and the work done is a monthly
sheet: each filled row below it is one record, and the page's labelled values fill in the
fields the rows do not carry (instructor, unit, enterprise, report date).
"""

from __future__ import annotations

from dataclasses import dataclass

from zhidao.model import REQUIRED_RECORD_FIELDS, Item, Location, Scalar, SourceFile, Value
from zhidao.text import clean_name, collapse_ws, fold, parse_date, parse_month

from .duties import text_to_duties
from .labels import RECORD_MATCHER, LabelMatcher
from .layout import Cell, Line, Page, Table

REVIEW_BELOW = 0.80  # a value read with less confidence than this is named in `review`
_LABEL_MAX_LEN = 14


@dataclass(frozen=True)
class Found:
    """A labelled value as it stands on the page, before normalisation."""

    text: str
    location: Location
    confidence: float


Fields = dict[str, Found]


def _label(matcher: LabelMatcher, cell: Cell) -> str | None:
    text = cell.text.strip()
    if not text or len(text) > _LABEL_MAX_LEN:
        return None
    return matcher.match(text)


def _line_fields(matcher: LabelMatcher, text: str, location: Location, conf: float) -> Fields:
    return {key: Found(value, location, conf) for key, _, value in matcher.split_inline(text)}


def _header_row(matcher: LabelMatcher, table: Table) -> int | None:
    """Index of a row that heads a table of one record per row (monthly sheet), if any."""
    for i, row in enumerate(table.rows):
        keys = {_label(matcher, c) for c in row} - {None}
        if len(keys) >= 3 and "visit_date" in keys and ({"content", "duties"} & keys):
            return i
    return None


def _kv_rows(matcher: LabelMatcher, rows: tuple[tuple[Cell, ...], ...]) -> Fields:
    """Label/value pairs of a key/value table: value to the right of a label, else below it."""
    out: Fields = {}
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            key = _label(matcher, cell)
            if key is None:
                if "：" in cell.text or ":" in cell.text:
                    for k, v in _line_fields(matcher, cell.text, cell.location, cell.confidence).items():
                        out.setdefault(k, v)
                continue
            value = _neighbour(matcher, rows, r, c)
            if value is not None:
                out.setdefault(key, Found(value.text, value.location, value.confidence))
    return out


def _neighbour(matcher: LabelMatcher, rows: tuple[tuple[Cell, ...], ...], r: int, c: int) -> Cell | None:
    row = rows[r]
    if c + 1 < len(row) and _label(matcher, row[c + 1]) is None:
        return row[c + 1]
    if r + 1 < len(rows) and c < len(rows[r + 1]) and _label(matcher, rows[r + 1][c]) is None:
        below = rows[r + 1][c]
        if len(rows[r + 1]) == len(row):
            return below
    return None


def _row_records(matcher: LabelMatcher, table: Table, h: int) -> tuple[list[Fields], Fields]:
    """Rows below a header row → one Fields per filled row; trailing label rows → key/values."""
    columns = [_label(matcher, c) for c in table.rows[h]]
    records: list[Fields] = []
    trailing: list[tuple[Cell, ...]] = []
    for row in table.rows[h + 1 :]:
        if row and _label(matcher, row[0]) not in (None, "seq") and len(row) != len(columns):
            trailing.append(row)
            continue
        fields: Fields = {}
        for key, cell in zip(columns, row, strict=False):
            if key is not None:
                fields[key] = Found(cell.text, cell.location, cell.confidence)
        if any(f.text.strip() for k, f in fields.items() if k != "seq"):
            records.append(fields)
    return records, _kv_rows(matcher, tuple(trailing))


def page_to_fields(page: Page, matcher: LabelMatcher = RECORD_MATCHER) -> tuple[Fields, list[Fields] | None]:
    """Collect the page's labelled values, and its per-row records if it is a monthly sheet."""
    header: Fields = {}
    rows: list[Fields] | None = None
    for block in page.blocks:
        if isinstance(block, Line):
            found = _line_fields(matcher, block.text, block.location, block.confidence)
        else:
            h = _header_row(matcher, block)
            if h is None:
                found = _kv_rows(matcher, block.rows)
            else:
                found = _kv_rows(matcher, block.rows[:h])
                table_rows, trailing = _row_records(matcher, block, h)
                rows = (rows or []) + table_rows
                found.update({k: v for k, v in trailing.items() if k not in found})
        for key, value in found.items():
            header.setdefault(key, value)
    return header, rows


def seen_labels(page: Page) -> list[str]:
    """Short texts of the page that look like labels (for the error of an unknown layout)."""
    out: list[str] = []
    for block in page.blocks:
        cells = [block] if isinstance(block, Line) else [c for row in block.rows for c in row]
        for cell in cells:
            t = fold(cell.text)
            if t and len(t) <= _LABEL_MAX_LEN and t not in out:
                out.append(t)
    return out[:30]


def _year_hint(header: Fields) -> int | None:
    for key in ("month", "report_date", "visit_date"):
        if key in header and (month := parse_month(header[key].text)):
            return int(month[:4])
    return None


def _value(key: str, found: Found | None, year: int | None) -> tuple[Value | None, bool]:
    """Normalise one field. Returns (Value or None when the form has no such field, sure)."""
    if found is None:
        return None, True
    raw = found.text
    conf = found.confidence
    scalar: Scalar
    sure = True
    if key == "instructor":
        scalar = clean_name(raw)
    elif key in ("visit_date", "report_date"):
        scalar, sure = parse_date(raw, year)
    elif key == "duties":
        scalar, sure = text_to_duties(raw)
    elif key == "signed":
        scalar = bool(raw.strip())
    elif key in ("content", "problems", "remarks"):
        scalar = collapse_ws(raw)
    else:
        scalar = collapse_ws(fold(raw)) if key in ("unit", "enterprise") else collapse_ws(raw)
        if isinstance(scalar, str):
            scalar = scalar.replace(" ", "")
    return Value(scalar, raw, conf if sure else min(conf, 0.5), found.location), sure


FORM_KEYS = ("instructor", "unit", "enterprise", "visit_date", "content", "duties", "problems",
             "signed", "report_date", "remarks")
_FROM_HEADER_IN_ROWS = ("instructor", "unit", "enterprise", "report_date", "problems")


def fields_to_item(fields: Fields, source: SourceFile, page: int, index: int, extractor: str,
                   year: int | None, extra: dict[str, str]) -> Item:
    values: dict[str, Value] = {}
    review: list[str] = []
    for key in FORM_KEYS:
        value, sure = _value(key, fields.get(key), year)
        if value is None:
            value = Value(None, None, 0.0 if key in REQUIRED_RECORD_FIELDS else 1.0, None)
        values[key] = value
        empty = value.value is None or value.value == ()
        if (not sure) or value.confidence < REVIEW_BELOW or (key in REQUIRED_RECORD_FIELDS and empty):
            review.append(key)
    return Item("record", source, page, index, values, tuple(review), extractor, extra)


def page_to_items(page: Page, source: SourceFile, extractor: str, first_index: int = 0) -> list[Item]:
    """All work records on one page (one for a single-visit form, one per row of a monthly sheet)."""
    header, rows = page_to_fields(page)
    year = _year_hint(header)
    extra: dict[str, str] = {k: header[k].text.strip() for k in ("month", "phone") if k in header}
    if "instructor" not in header and "filler" in header:
        header["instructor"] = header["filler"]
    if rows is None:
        if not ({"visit_date", "content", "duties"} & header.keys()):
            return []
        return [fields_to_item(header, source, page.number, first_index, extractor, year, extra)]
    items = []
    for i, row in enumerate(rows):
        merged = dict(row)
        for key in _FROM_HEADER_IN_ROWS:
            if key not in merged and key in header:
                merged[key] = header[key]
        items.append(fields_to_item(merged, source, page.number, first_index + i, extractor, year, extra))
    return items
