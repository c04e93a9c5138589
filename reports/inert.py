"""Text from the inputs written as inert text: never a formula in a spreadsheet, never markup
in the PDF.

* xlsx: openpyxl turns any str starting with "=" into a formula (and "#N/A" into an error
  value). :func:`guard` makes a cell holding text a plain string cell (``data_type`` "s") and,
  when the text starts with = + - @ tab or CR, marks it with the ``quotePrefix`` style, so
  Excel, WPS and LibreOffice keep it as text even when someone edits the cell. The value itself
  is not changed.
* csv: the OWASP convention — a field starting with = + - @ tab or CR gets a leading single
  quote (:func:`csv_field`).
* PDF: :func:`pdf_markup` escapes a text for ReportLab's Paragraph markup; :func:`pdf_plain`
  readies a text drawn as it is (table cells, chart labels).

Numbers stay numbers (a negative number is not text), and so do dates.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Iterable
from numbers import Number
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_LEADS = frozenset("=+-@\t\r")
XLSX_MAX_TEXT = 32767  # the most characters an Excel cell holds
# Characters the xlsx XML cannot hold (openpyxl raises on them): C0 controls but tab, LF, CR.
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Characters a PDF text cannot show: C0 controls but LF (tabs become spaces first), and DEL.
_PDF_ILLEGAL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")  # a lone surrogate (an undecodable file name) cannot be encoded
_KEPT_TYPES = (bool, Number, dt.date, dt.time, dt.timedelta)


def is_formula_like(text: str) -> bool:
    """Would a spreadsheet read this text as a formula (or a DDE command)?"""
    return text[:1] in FORMULA_LEADS


def csv_field(value: Any) -> Any:
    """A csv field: text starting with = + - @ tab or CR gets a leading ``'``; others as they are."""
    return f"'{value}" if isinstance(value, str) and is_formula_like(value) else value


def xlsx_value(value: Any) -> Any:
    """A value openpyxl can write: numbers, dates and None as they are; anything else as text,
    without the control characters the file format cannot hold, cut to Excel's cell limit."""
    if value is None or isinstance(value, _KEPT_TYPES):
        return value
    return _XLSX_ILLEGAL.sub("", _SURROGATE.sub("\ufffd", str(value)))[:XLSX_MAX_TEXT]


def guard(cell: Cell) -> Cell:
    """Make a cell holding text a string cell; quote-prefix text that starts like a formula.
    Call it after the cell's named style is set (setting ``style`` resets ``quotePrefix``)."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if is_formula_like(cell.value):
            cell.quotePrefix = True
    return cell


def inert_cell(ws: Worksheet, value: Any, style: str | None = None) -> Cell:
    """A new cell for ``ws.append``: the value as inert text (or a number), in a named style."""
    return _inert_cell(ws, value, None if style is None else _named(ws, style))


def _named(ws: Worksheet, style: str) -> StyleArray:
    """The style array of a registered named style (what ``cell.style = name`` would copy in;
    looked up once a row, not once a cell: openpyxl lists every named style on each set)."""
    styles = ws.parent._named_styles
    named: StyleArray = styles[styles.names.index(style)].as_tuple()
    return named


def _inert_cell(ws: Worksheet, value: Any, named: StyleArray | None) -> Cell:
    cell = Cell(ws, value=xlsx_value(value))
    if named is not None:
        date_format = cell.number_format if cell.data_type == "d" else None
        cell._style = copy.copy(named)
        if date_format is not None:  # a date stays a date cell: the style's General format would make it a number
            cell.number_format = date_format
    return guard(cell)


def inert_row(ws: Worksheet, values: Iterable[Any], style: str | None = None) -> list[Cell]:
    """A row of inert cells for ``ws.append``."""
    named = None if style is None else _named(ws, style)
    return [_inert_cell(ws, v, named) for v in values]


def pdf_plain(value: Any) -> str:
    """A text drawn as it is (no markup is parsed): None → "", a tab as a space, other control
    characters (CR included) dropped; line feeds kept."""
    return "" if value is None else _PDF_ILLEGAL.sub("", _SURROGATE.sub("\ufffd", str(value).replace("\t", " ")))


def pdf_markup(value: Any) -> str:
    """A text for a ReportLab Paragraph: ``& < >`` escaped, so markup in a form prints literally."""
    return pdf_plain(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
