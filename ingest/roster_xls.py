"""Roster in an old Excel 97–2003 workbook (.xls), read with xlrd (no macro, no formula runs)."""

from __future__ import annotations

from pathlib import Path

from zhidao.errors import file_damaged
from zhidao.model import Item, Location, ReadOptions, SourceFile

from .layout import Cell
from .roster_xlsx import cell_text, sheets_to_items


def read(path: Path, source: SourceFile, options: ReadOptions) -> list[Item]:
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except (xlrd.XLRDError, OSError, AssertionError, IndexError) as exc:
        raise file_damaged(path, f"旧版 Excel 文件无法打开（{type(exc).__name__}）") from exc
    sheets = []
    try:
        for sheet in book.sheets():
            rows = []
            for r in range(sheet.nrows):
                row = []
                for c in range(sheet.ncols):
                    cell = sheet.cell(r, c)
                    value: object = cell.value
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        value = xlrd.xldate_as_datetime(cell.value, book.datemode)
                    row.append(Cell(cell_text(value), Location(1, cell=f"{sheet.name}!R{r + 1}C{c + 1}")))
                rows.append(row)
            sheets.append((sheet.name, rows))
    finally:
        book.release_resources()
    return sheets_to_items(sheets, source)
