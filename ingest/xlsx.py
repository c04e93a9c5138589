"""Work records in Excel workbooks (.xlsx/.xlsm and old .xls): one page per sheet.

Stored values only: openpyxl with ``data_only=True`` and xlrd never evaluate a formula or run
a macro.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

from zhidao.errors import file_damaged, no_form_found
from zhidao.model import Item, ReadOptions, SourceFile

from .forms import page_to_items, seen_labels
from .layout import Page
from .roster_xlsx import cell_text
from .sheets import Merge, grid_to_page

EXTRACTOR = "xlsx/1"


def _a1_ref(sheet: str, letter: Callable[[int], str]) -> Callable[[int, int], str]:
    return lambda r, c: f"{sheet}!{letter(c + 1)}{r + 1}"


def _rc_ref(sheet: str) -> Callable[[int, int], str]:
    return lambda r, c: f"{sheet}!R{r + 1}C{c + 1}"


def xlsx_to_pages(path: Path) -> list[Page]:
    import openpyxl
    from openpyxl.utils import get_column_letter

    try:
        wb = openpyxl.load_workbook(path, data_only=True, keep_vba=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise file_damaged(path, f"Excel 文件无法打开（{type(exc).__name__}）") from exc
    pages = []
    for number, ws in enumerate(wb.worksheets, start=1):
        values = [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        merges = [(m.min_row - 1, m.max_row - 1, m.min_col - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
        pages.append(grid_to_page(number, values, merges, _a1_ref(ws.title, get_column_letter)))
    wb.close()
    return pages


def xls_sheets(path: Path, formatting_info: bool = False) -> list[tuple[str, list[list[str]], list[Merge]]]:
    """Every sheet of an old .xls as (name, cell texts, merged ranges), dates as dates."""
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), formatting_info=formatting_info)
    except (xlrd.XLRDError, OSError, AssertionError, IndexError) as exc:
        raise file_damaged(path, f"旧版 Excel 文件无法打开（{type(exc).__name__}）") from exc
    sheets = []
    for sheet in book.sheets():
        values = []
        for r in range(sheet.nrows):
            row = []
            for c in range(sheet.ncols):
                cell = sheet.cell(r, c)
                value: object = cell.value
                if cell.ctype == xlrd.XL_CELL_DATE:
                    value = xlrd.xldate_as_datetime(cell.value, book.datemode)
                row.append(cell_text(value))
            values.append(row)
        merges = [(r0, r1 - 1, c0, c1 - 1) for r0, r1, c0, c1 in sheet.merged_cells] if formatting_info else []
        sheets.append((sheet.name, values, merges))
    return sheets


def xls_to_pages(path: Path) -> list[Page]:
    return [grid_to_page(number, values, merges, _rc_ref(name))
            for number, (name, values, merges) in enumerate(xls_sheets(path, formatting_info=True), start=1)]


def pages_to_items(path: Path, source: SourceFile, pages: list[Page], extractor: str) -> list[Item]:
    """Every sheet that holds a form; NO_FORM_FOUND naming the labels seen when none does."""
    items: list[Item] = []
    for page in pages:
        items += page_to_items(page, source, extractor, len(items))
    if not items:
        raise no_form_found(path, [label for page in pages for label in seen_labels(page)])
    return items


def read(path: Path, source: SourceFile, options: ReadOptions) -> list[Item]:
    return pages_to_items(path, source, xlsx_to_pages(path), EXTRACTOR)


def read_xls(path: Path, source: SourceFile, options: ReadOptions) -> list[Item]:
    return pages_to_items(path, source, xls_to_pages(path), "xls/1")
