"""Roster in an Excel workbook (.xlsx/.xlsm): every sheet that has a roster header.

openpyxl reads stored values only (``data_only=True``): no formula is evaluated and no macro
runs (a .xlsm's VBA project is never loaded).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from zhidao.errors import ZhidaoError
from zhidao.model import Item, Limits, Location, ReadOptions, SourceFile

from .layout import Cell
from .limits import check_office_zip, check_roster_shape
from .roster import Rows, dedupe, rows_to_items


def cell_text(value: object) -> str:
    """An Excel cell value as the text a person sees (dates as 1998-08-01, 13800 not 13800.0)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def sheets_to_items(sheets: list[tuple[str, Rows]], source: SourceFile) -> list[Item]:
    """Every sheet with a header contributes rows; if none has one, the first sheet's error."""
    items: list[Item] = []
    errors: list[ZhidaoError] = []
    for title, rows in sheets:
        if not any(c.text.strip() for row in rows for c in row):
            continue
        try:
            items += rows_to_items(rows, source, title, len(items))
        except ZhidaoError as exc:
            errors.append(exc)
    if not items and errors:
        raise errors[0]
    return dedupe(items)


def read(path: Path, source: SourceFile, options: ReadOptions) -> list[Item]:
    """Streamed (read-only mode), whatever the file is named; ROSTER_TOO_LARGE from a sheet's
    declared dimension before it is iterated, and from the rows met while iterating."""
    import openpyxl

    from .xlsx import openpyxl_errors

    check_office_zip(path, options.limits)
    with path.open("rb") as fh, openpyxl_errors(path):  # a file object: openpyxl then ignores the name
        wb = openpyxl.load_workbook(fh, data_only=True, read_only=True, keep_vba=False)
        try:
            sheets = [(ws.title, _sheet_rows(path, ws, options.limits)) for ws in wb.worksheets]
        finally:
            wb.close()
    return sheets_to_items(sheets, source)


def _sheet_rows(path: Path, ws: Any, limits: Limits) -> Rows:
    from openpyxl.utils import get_column_letter

    check_roster_shape(path, getattr(ws, "max_row", None) or 0, getattr(ws, "max_column", None) or 0, limits)
    rows: Rows = []
    for r, row in enumerate(ws.iter_rows(values_only=True)):
        check_roster_shape(path, r + 1, len(row), limits)
        rows.append([Cell(cell_text(v), Location(1, cell=f"{ws.title}!{get_column_letter(c + 1)}{r + 1}"))
                     for c, v in enumerate(row)])
    return rows
