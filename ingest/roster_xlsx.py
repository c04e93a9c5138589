"""Roster in an Excel workbook (.xlsx/.xlsm): every sheet that has a roster header.

openpyxl reads stored values only (``data_only=True``): no formula is evaluated and no macro
runs.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

from zhidao.errors import ZhidaoError, file_damaged
from zhidao.model import Item, Location, SourceFile

from .layout import Cell
from .roster import rows_to_items


def cell_text(value: object) -> str:
    """An Excel cell value as the text a person sees (dates as 1998-08-01, 13800 not 13800.0)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read(path: Path, source: SourceFile) -> list[Item]:
    import openpyxl
    from openpyxl.utils import get_column_letter

    try:
        wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise file_damaged(path, f"Excel 文件无法打开（{type(exc).__name__}）") from exc
    items: list[Item] = []
    errors: list[ZhidaoError] = []
    try:
        for ws in wb.worksheets:
            rows = [
                [Cell(cell_text(v), Location(1, cell=f"{ws.title}!{get_column_letter(c + 1)}{r + 1}"))
                 for c, v in enumerate(row)]
                for r, row in enumerate(ws.iter_rows(values_only=True))
            ]
            if not any(c.text.strip() for row in rows for c in row):
                continue
            try:
                items += rows_to_items(rows, source, ws.title, len(items))
            except ZhidaoError as exc:
                errors.append(exc)
    finally:
        wb.close()
    if not items and errors:
        raise errors[0]
    return items
