"""Roster in an old Excel 97–2003 workbook (.xls), read with xlrd (no macro, no formula runs)."""

from __future__ import annotations

from pathlib import Path

from zhidao.model import Item, Location, ReadOptions, SourceFile

from .layout import Cell
from .limits import check_roster_shape
from .roster_xlsx import sheets_to_items
from .xlsx import open_xls, xls_values


def read(path: Path, source: SourceFile, options: ReadOptions) -> list[Item]:
    book = open_xls(path, options.limits)
    sheets = []
    for sheet in book.sheets():
        check_roster_shape(path, sheet.nrows, sheet.ncols, options.limits)
        name = sheet.name
        sheets.append((name, [[Cell(text, Location(1, cell=f"{name}!R{r + 1}C{c + 1}")) for c, text in enumerate(row)]
                              for r, row in enumerate(xls_values(book, sheet))]))
    return sheets_to_items(sheets, source)
