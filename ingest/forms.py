"""The form interpreter: a :class:`Page` → work records (附件2), by labels, for every medium.

Both families are handled the same way. Labelled values are collected from text lines
('单位：… 驻企时间：…') and from key/value tables (the value is the cell to the right of the
label, or below it). A table whose header row names a date and the work done is a monthly
sheet: each filled row below it is one record, and the page's labelled values fill in the
fields the rows do not carry (instructor, unit, enterprise, report date).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from zhidao.dates import visit_date_value
from zhidao.model import REQUIRED_RECORD_FIELDS, Item, Location, Scalar, SourceFile, Value
from zhidao.text import clean_name, collapse_ws, fold, parse_month

from .confidence import REVIEW_BELOW, field_confidence
from .duties import column_text, duty_code, ink_marks, is_legend, names_in, read_duties
from .label_fuzzy import is_label_boundary
from .labels import RECORD_MATCHER, LabelMatcher
from .layout import Cell, Line, Page, Table

LOST_VALUE_CONFIDENCE = 0.3
_MAY_BE_ABSENT = ("remarks",)  # fields many layouts have no place for
SHIFTED_ROW = 0.4  # a scanned row whose cells do not line up with its header's
_LABEL_MAX_LEN = 14
_COLON_VALUE = re.compile(r"[:：]\s*\S")
_PERSON_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{1,6}·[\u4e00-\u9fff]{1,6}")  # 李明, 阿依·买买提


SIGNED_INK = 0.006  # share of a scanned cell's interior that is ink when something is written there


@dataclass(frozen=True)
class Found:
    """A labelled value as it stands on the page, before normalisation (with what ink says of
    it on a scan)."""

    text: str
    location: Location
    confidence: float
    ink: float | None = None
    marks: tuple[tuple[bool, float], ...] | None = None
    script: str | None = None

    @classmethod
    def of(cls, cell: Cell) -> Found:
        return cls(cell.text, cell.location, cell.confidence, cell.ink, cell.marks, cell.script)


Fields = dict[str, Found]


def _label(matcher: LabelMatcher, cell: Cell) -> str | None:
    """The field a cell labels, or None: a value, long text, or 'label：value' (read inline)."""
    text = cell.text.strip()
    if not text or len(text) > _LABEL_MAX_LEN or _COLON_VALUE.search(text):
        return None
    return matcher.match(text) or (matcher.match(despeckled(text)) if cell.ink is not None else None)


_SPECKS = ".·,，'`‘’、_-~"
_INNER_SPECK = re.compile(rf"(?<=[\u4e00-\u9fff])[{re.escape(_SPECKS)}](?=[\u4e00-\u9fff])")


def despeckled(text: str) -> str:
    """A scanned text with a dust speck OCR read as punctuation taken off its ends, or from
    between two characters ('.驻企日期', '企业负责人.签字', '县委组织部·')."""
    return _INNER_SPECK.sub("", text.strip().strip(_SPECKS))


def _line_fields(matcher: LabelMatcher, text: str, location: Location, conf: float) -> Fields:
    """'单位：县总工会 驻企时间：2026年7月6日' → each value with its own part of the line's box."""
    out: Fields = {}
    at = 0
    for key, label, value in matcher.split_inline(text):
        start = text.find(value, text.find(label, at) + len(label)) if value else -1
        at = max(at, start + len(value)) if start >= 0 else at
        out[key] = Found(value, _part_of(location, text, start, len(value)), conf)
    return out


def _part_of(location: Location, text: str, start: int, length: int) -> Location:
    """The box of ``text[start:start+length]`` within a line's box, by its share of the line's
    characters (CJK text is set in equal widths; good enough to outline a value on its page)."""
    box = location.bbox
    if box is None or start < 0 or not length or not text:
        return location
    width = (box[2] - box[0]) / len(text)
    return replace(location, bbox=(box[0] + start * width, box[1], box[0] + (start + length) * width, box[3]))


def _column_key(matcher: LabelMatcher, cell: Cell) -> str | None:
    """A header cell's field; a cell naming one duty heads that duty's column ('duty:D3')."""
    key = _label(matcher, cell)
    code = None if key else duty_code(cell.text)
    return f"duty:{code}" if code else key


def _header_row(matcher: LabelMatcher, table: Table) -> int | None:
    """Index of a row that heads a table of one record per row (monthly sheet), if any."""
    for i, row in enumerate(table.rows):
        keys = {k for c in row if (k := _column_key(matcher, c)) is not None}
        if len({k for k in keys if k.startswith("duty:")}) >= 4:  # one column per duty
            keys = {k for k in keys if not k.startswith("duty:")} | {"duties"}
        if len(keys) >= 3 and "visit_date" in keys and ({"content", "duties"} & keys):
            return i
    return None


def _kv_rows(matcher: LabelMatcher, rows: tuple[tuple[Cell, ...], ...]) -> Fields:
    """Label/value pairs of a key/value table: the value is what stands right of a label (up
    to the next label, over every row the label spans), else the cell below it."""
    out: Fields = {}
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            key = _label(matcher, cell)
            if key is None:
                if "：" in cell.text or ":" in cell.text:
                    for k, v in _line_fields(matcher, cell.text, cell.location, cell.confidence).items():
                        out.setdefault(k, v)
                continue
            value = _right_of(matcher, rows, r, c) or _below(matcher, rows, r, c)
            if value is None and cell.ink is not None:
                # a scanned label whose value cell was not found: say so, do not leave it out
                value = Found("", cell.location, LOST_VALUE_CONFIDENCE)
            if value is not None:
                out.setdefault(key, value)
    return out


def _right_of(matcher: LabelMatcher, rows: tuple[tuple[Cell, ...], ...], r: int, c: int) -> Found | None:
    label = rows[r][c]
    cells: list[Cell] = []
    for rr in range(r, min(r + label.rowspan, len(rows))):
        start = c + 1 if rr == r else len(rows[rr]) - (len(rows[r]) - c - 1)
        for cell in rows[rr][max(start, 0):]:
            if _label(matcher, cell) is not None or (cell.ink is not None and is_label_boundary(cell.text)):
                break  # a label, or on a scan a label OCR garbled: the next field's, never this value
            cells.append(cell)
    if not cells:
        return None
    text = "\n".join(t for t in (cell.text.strip() for cell in cells) if t)
    inks = [cell.ink for cell in cells if cell.ink is not None]
    marks = tuple(m for cell in cells for m in (cell.marks or ()))
    scripts = {cell.script for cell in cells if cell.text.strip()} - {None}
    return Found(text, cells[0].location, min(cell.confidence for cell in cells),
                 max(inks) if inks else None, marks if any(cell.marks is not None for cell in cells) else None,
                 "hand" if "hand" in scripts else scripts.pop() if scripts else None)


def _below(matcher: LabelMatcher, rows: tuple[tuple[Cell, ...], ...], r: int, c: int) -> Found | None:
    below = rows[r + 1][c] if r + 1 < len(rows) and len(rows[r + 1]) == len(rows[r]) else None
    if below is not None and _label(matcher, below) is None \
            and not (below.ink is not None and is_label_boundary(below.text)):
        return Found.of(below)
    return None


def _row_records(matcher: LabelMatcher, columns: list[str | None], rows: tuple[tuple[Cell, ...], ...]
                 ) -> tuple[list[Fields], Fields]:
    """Rows under a header → one Fields per filled row. A row that carries labels instead of
    data (a '存在问题' row, or '填表人：… 报送日期：…' under the table) → key/values."""
    records: list[Fields] = []
    trailing: Fields = {}
    for i, row in enumerate(rows):
        filled = [c for c in row if c.text.strip()]
        if len(filled) == 1 and matcher.split_inline(filled[0].text):
            for k, v in _line_fields(matcher, filled[0].text, filled[0].location, filled[0].confidence).items():
                trailing.setdefault(k, v)
            continue
        if row and _label(matcher, row[0]) not in (None, "seq") and len(row) != len(columns):
            for k, v in _kv_rows(matcher, rows[i : i + 1]).items():
                trailing.setdefault(k, v)
            continue
        fields: Fields = {}
        # a scanned row with more or fewer cells than its header lost or gained a column border:
        # its values may stand in a neighbour's column, so none of them is sure
        shifted = len(row) != len(columns) and any(cell.ink is not None for cell in row)
        for key, cell in zip(columns, row, strict=False):
            if key is not None:
                found = Found.of(cell)
                fields[key] = replace(found, confidence=min(found.confidence, SHIFTED_ROW)) if shifted else found
        if any(f.text.strip() for k, f in fields.items() if k != "seq"):
            records.append(fields)
    return _duty_columns(records), trailing


DUTY_TICKED_INK = 0.012  # a scanned duty cell: share of ink above the empty ones when ticked
DUTY_EMPTY_INK = 0.004  # and below which it is empty; in between the mark is doubtful


def _duty_columns(records: list[Fields]) -> list[Fields]:
    """A sheet with one column per duty: each row's duty cells → one duties value, in the
    parenthesis form ('建好党的组织（√） 配强组织班子（） …'); on a scan the marks are the cells' ink
    above that of the empty cells of the table (the lower quartile)."""
    cells = [f for fields in records for k, f in fields.items() if k.startswith("duty:")]
    inks = sorted(f.ink for f in cells if f.ink is not None)
    baseline = inks[len(inks) // 4] if inks else 0.0
    out = []
    for fields in records:
        duty = sorted((k[5:], f) for k, f in fields.items() if k.startswith("duty:"))
        if not duty:
            out.append(fields)
            continue
        rest = {k: f for k, f in fields.items() if not k.startswith("duty:")}
        scanned = all(f.ink is not None for _, f in duty) and len(duty) == 6
        marks = ink_marks([f.ink or 0.0 for _, f in duty], baseline, DUTY_TICKED_INK, DUTY_EMPTY_INK) \
            if scanned else None
        rest["duties"] = Found(column_text([(code, f.text) for code, f in duty]), duty[0][1].location,
                               min(f.confidence for _, f in duty), None, marks)
        out.append(rest)
    return out


@dataclass(frozen=True)
class PageFields:
    """What a page says: its labelled values, and the per-row records of a row table (if any)
    with the table's column keys (a table continued on the next page reuses them)."""

    header: Fields
    rows: list[Fields] | None
    columns: list[str | None] | None


def page_to_fields(page: Page, matcher: LabelMatcher = RECORD_MATCHER,
                   continued: list[str | None] | None = None) -> PageFields:
    """Collect the page's labelled values and row records. ``continued`` is the column keys of
    a row table that the previous page ended with: a headerless table of as many columns on
    this page continues it."""
    header: Fields = {}
    rows: list[Fields] | None = None
    columns: list[str | None] | None = None
    open_line: tuple[str, Line] | None = None  # the last Line's last field, while it may wrap on
    legend_open = False  # the last Line was the legend of duty numbers, which may wrap on
    for block in page.blocks:
        if isinstance(block, Line):
            found = _line_fields(matcher, block.text, block.location, block.confidence)
            if not found and open_line is not None and _continues(open_line[1], block):
                key = open_line[0]
                header[key] = _wrapped(header[key], block)
                open_line = (key, block)
                continue
            last = list(found)[-1] if found else None
            open_line = (last, block) if last in WRAPPING and found[last].text.strip() else None
        else:
            open_line = None
            h = _header_row(matcher, block)
            if h is not None:
                columns = [_column_key(matcher, c) for c in block.rows[h]]
                found = _kv_rows(matcher, block.rows[:h])
                body = block.rows[h + 1 :]
            elif continued and block.rows and len(block.rows[0]) == len(continued):
                columns, found, body = continued, {}, block.rows
            else:
                found, body = _kv_rows(matcher, block.rows), ()
            if body:
                table_rows, trailing = _row_records(matcher, columns or [], body)
                rows = (rows or []) + table_rows
                found.update({k: v for k, v in trailing.items() if k not in found})
        for text, location, conf in _texts(block):
            if "duty_legend" not in header and is_legend(text):
                header["duty_legend"] = Found(text, location, conf)
                legend_open = isinstance(block, Line)
            elif legend_open and isinstance(block, Line) and not found and names_in(text):  # the legend wrapped
                header["duty_legend"] = replace(header["duty_legend"], text=f"{header['duty_legend'].text}\n{text}")
            else:
                legend_open = False
        for key, value in found.items():
            if key == "duties" and is_legend(value.text):
                continue  # the page's legend of duty numbers, not a value
            header.setdefault(key, value)
    return PageFields(header, rows, columns)


def _texts(block: Line | Table) -> list[tuple[str, Location, float]]:
    cells = [block] if isinstance(block, Line) else [c for row in block.rows for c in row]
    return [(c.text, c.location, c.confidence) for c in cells]


WRAPPING = ("content", "problems", "remarks", "enterprise", "unit")  # values long enough to wrap


def _continues(above: Line, line: Line) -> bool:
    """Whether ``line`` is the wrapped rest of the value that ends ``above``: a text without
    a label of its own standing right under it (positioned media only: PDF text, scans)."""
    a, b = above.location.bbox, line.location.bbox
    if a is None or b is None or not line.text.strip():
        return False
    height = a[3] - a[1]
    gap = b[1] - a[3]
    return -0.3 * height <= gap <= 0.8 * height and b[0] < a[2] and b[2] > a[0]


def _wrapped(found: Found, line: Line) -> Found:
    """A value with the next line of its text joined on (CJK text wraps without a space)."""
    head, tail = found.text.rstrip(), line.text.strip()
    sep = " " if head[-1:].isascii() and tail[:1].isascii() and head[-1:].isalnum() and tail[:1].isalnum() else ""
    return replace(found, text=head + sep + tail, confidence=min(found.confidence, line.confidence))


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


def _value(key: str, found: Found | None, year: int | None, legend: str | None = None,
           month: str | None = None) -> tuple[Value | None, bool]:
    """Normalise one field. Returns (Value or None when the form has no such field, sure).
    ``month`` is the form's month (YYYY-MM): a visit date outside it is not sure (a report date
    is often written after the month, so only visit dates are held to it)."""
    if found is None:
        return None, True
    raw = found.text
    conf = found.confidence
    scalar: Scalar
    sure = True
    # a speck read as punctuation at a name's ends is not part of it ('县委组织部·'); 阿依·买买提 keeps its ·
    raw_name = raw.strip().strip(_SPECKS) if key in ("instructor", "unit", "enterprise") else raw
    if key == "instructor":
        scalar = clean_name(raw_name)
        sure = scalar is None or bool(_PERSON_NAME.fullmatch(scalar))
    elif key in ("visit_date", "report_date"):
        scalar, sure = visit_date_value(raw, year, month if key == "visit_date" else None)
    elif key == "duties":
        scalar, sure, conf = read_duties(found.text, found.marks, conf, legend)
    elif key == "signed":
        scalar, conf = _signed(found, conf)
    elif key in ("content", "problems", "remarks"):
        scalar = collapse_ws(raw)
    else:
        scalar = collapse_ws(fold(raw_name)) if key in ("unit", "enterprise") else collapse_ws(raw)
        if isinstance(scalar, str):
            scalar = scalar.replace(" ", "")
    return Value(scalar, raw, conf if sure else min(conf, 0.5), found.location), sure


def _signed(found: Found, conf: float) -> tuple[bool, float]:
    """Written text, or on a scan ink in the cell (a signature OCR cannot read)."""
    if found.ink is None:
        return bool(found.text.strip()), conf
    signed = bool(found.text.strip()) or found.ink >= SIGNED_INK
    margin = abs(found.ink - SIGNED_INK) / SIGNED_INK
    return signed, 1.0 if found.text.strip() else min(1.0, 0.5 + margin)


FORM_KEYS = ("instructor", "unit", "enterprise", "visit_date", "content", "duties", "problems",
             "signed", "report_date", "remarks")
_FROM_HEADER_IN_ROWS = ("instructor", "unit", "enterprise", "report_date", "problems", "duty_legend")


def fields_to_item(fields: Fields, source: SourceFile, page: int, index: int, extractor: str,
                   year: int | None, extra: dict[str, str]) -> Item:
    values: dict[str, Value] = {}
    review: list[str] = []
    legend = fields["duty_legend"].text if "duty_legend" in fields else None
    month = parse_month(extra.get("month"))
    for key in FORM_KEYS:
        found = fields.get(key)
        value, sure = _value(key, found, year, legend, month)
        if value is None and "scan" in extractor and key not in _MAY_BE_ABSENT:
            # a scan may have lost the field (a misread label, a lost column): not the form's word
            value = Value(None, None, LOST_VALUE_CONFIDENCE, None)
        elif value is None:
            value = Value(None, None, 0.0 if key in REQUIRED_RECORD_FIELDS else 1.0, None)
        elif found is not None:
            value = replace(value, confidence=field_confidence(key, value.confidence, extractor, found.script))
        values[key] = value
        empty = value.value is None or value.value == ()
        if (not sure) or value.confidence < REVIEW_BELOW or (key in REQUIRED_RECORD_FIELDS and empty):
            review.append(key)
    return Item("record", source, page, index, values, tuple(review), extractor, extra)


def is_form(fields: PageFields) -> bool:
    """A row table, or at least two of a visit's date, work content and duties."""
    return fields.rows is not None or len({"visit_date", "content", "duties"} & fields.header.keys()) >= 2


def fields_to_items(fields: PageFields, source: SourceFile, page: int, extractor: str,
                    first_index: int = 0) -> list[Item]:
    """A form's fields → its records (one for a single-visit form, one per row of a monthly sheet)."""
    header = dict(fields.header)
    year = _year_hint(header)
    extra: dict[str, str] = {k: header[k].text.strip() for k in ("month", "phone") if k in header}
    if "instructor" not in header and "filler" in header:
        header["instructor"] = header["filler"]
    if fields.rows is None:
        return [fields_to_item(header, source, page, first_index, extractor, year, extra)]
    items = []
    for i, row in enumerate(fields.rows):
        merged = dict(row)
        for key in _FROM_HEADER_IN_ROWS:
            if key not in merged and key in header:
                merged[key] = header[key]
        row_page = next((f.location.page for f in row.values()), page)  # a row may stand on a later page
        items.append(fields_to_item(merged, source, row_page, first_index + i, extractor, year, extra))
    return items


def page_to_items(page: Page, source: SourceFile, extractor: str, first_index: int = 0) -> list[Item]:
    """All work records on one page; none when the page carries no form."""
    fields = page_to_fields(page)
    if not is_form(fields):
        return []
    return fields_to_items(fields, source, page.number, extractor, first_index)
