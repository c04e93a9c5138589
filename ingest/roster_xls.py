"""Roster in an old Excel 97–2003 workbook (.xls), read with xlrd (no macro, no formula runs)."""

from __future__ import annotations

from pathlib import Path

from zhidao.model import Item, Location, ReadOptions, SourceFile

from .layout import Cell
from .roster_xlsx import sheets_to_items
from .xlsx import xls_sheets


def read(path: Path, source: SourceFile, options: ReadOptions) -> list[Item]:
    sheets = [(name, [[Cell(text, Location(1, cell=f"{name}!R{r + 1}C{c + 1}")) for c, text in enumerate(row)]
                      for r, row in enumerate(values)])
              for name, values, _ in xls_sheets(path)]
    return sheets_to_items(sheets, source)
