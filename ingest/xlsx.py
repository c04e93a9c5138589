"""Work records in Excel workbooks (.xlsx/.xlsm and old .xls): one page per sheet.

Stored values only: openpyxl with ``data_only=True`` and xlrd never evaluate a formula or run
a macro.
"""

from __future__ import annotations

import io
import re
import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from zhidao.errors import file_damaged, file_encrypted, no_form_found, xml_unsafe
from zhidao.model import Item, Limits, ReadOptions, SourceFile

from .forms import page_to_items, seen_labels
from .layout import Page
from .limits import OFFICE_ZIP_ERRORS, check_file_size, check_office_zip
from .roster_xlsx import cell_text
from .sheets import grid_to_page

EXTRACTOR = "xlsx/1"
FORM_CELL_BYTES = 32  # sheet XML per cell, generously: a sheet part larger than this per form cell is no form


def _a1_ref(sheet: str, letter: Callable[[int], str]) -> Callable[[int, int], str]:
    return lambda r, c: f"{sheet}!{letter(c + 1)}{r + 1}"


def _rc_ref(sheet: str) -> Callable[[int, int], str]:
    return lambda r, c: f"{sheet}!R{r + 1}C{c + 1}"


@contextmanager
def openpyxl_errors(path: Path, what: str = "Excel 文件") -> Iterator[None]:
    """What openpyxl raises on a malformed or hostile package → typed errors (defusedxml's
    refusal of an entity declaration is a ValueError: XML_UNSAFE, not FILE_DAMAGED)."""
    from defusedxml import DefusedXmlException

    try:
        yield
    except (*OFFICE_ZIP_ERRORS, OSError, TypeError) as exc:  # TypeError: openpyxl's typed attributes
        if _caused_by(exc, DefusedXmlException):  # openpyxl wraps what a worksheet's parser raised
            raise xml_unsafe(path) from exc
        raise file_damaged(path, f"{what}无法打开（{type(exc).__name__}）") from exc


def _caused_by(exc: BaseException | None, kind: type[BaseException]) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, kind):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


_MERGE = re.compile(rb"<(?:[\w.-]+:)?mergeCell\s[^>]*?ref=[\"']\$?([A-Z]{1,3})\$?(\d{1,7}):\$?([A-Z]{1,3})\$?(\d{1,7})")


def _column(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def _merged_cells(fh: IO[bytes]) -> int:
    """Cells covered by the merged ranges a worksheet part declares (openpyxl makes an object
    for every one of them when it loads the sheet), by a streamed scan of the part."""
    total, tail = 0, b""
    for chunk in iter(lambda: fh.read(1 << 20), b""):
        data = tail + chunk
        end = 0
        for m in _MERGE.finditer(data):
            c0, r0, c1, r1 = _column(m[1]), int(m[2]), _column(m[3]), int(m[4])
            total += (abs(r1 - r0) + 1) * (abs(c1 - c0) + 1)
            end = m.end()
        tail = data[max(end, len(data) - 256):]
    return total


def too_large_for_a_form(path: Path, limits: Limits) -> bool:
    """Whether a workbook's sheets are too large to hold a work-record form: their parts, or
    the cells their merged ranges cover, over what ``limits.form_cells`` allows."""
    import zipfile

    with zipfile.ZipFile(path) as zf:
        sheets = [i for i in zf.infolist() if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")]
        if sum(i.file_size for i in sheets) > limits.form_cells * FORM_CELL_BYTES:
            return True
        for info in sheets:
            with zf.open(info) as fh:
                if _merged_cells(fh) > limits.form_cells:
                    return True
    return False


def xlsx_to_pages(path: Path, limits: Limits) -> list[Page]:
    """Every sheet of a workbook, whatever the file is named. A sheet too large to be a form
    (over ``limits.form_cells``) is left empty: the roster reader streams such a workbook."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    check_office_zip(path, limits)
    if too_large_for_a_form(path, limits):
        return []  # no work-record form is this large: not loaded whole into memory
    pages = []
    with path.open("rb") as fh, openpyxl_errors(path):  # a file object: openpyxl then ignores the name
        wb = openpyxl.load_workbook(fh, data_only=True, keep_vba=False)
        for number, ws in enumerate(wb.worksheets, start=1):
            if ws.max_row * ws.max_column > limits.form_cells:
                pages.append(Page(number, ()))
                continue
            values = [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
            merges = [(m.min_row - 1, m.max_row - 1, m.min_col - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
            pages.append(grid_to_page(number, values, merges, _a1_ref(ws.title, get_column_letter)))
        wb.close()
    return pages


def open_xls(path: Path, limits: Limits, formatting_info: bool = False) -> Any:
    """An old .xls workbook (xlrd), whatever the file is named; FILE_ENCRYPTED for a password."""
    import xlrd

    check_file_size(path, limits)
    try:
        return xlrd.open_workbook(str(path), formatting_info=formatting_info, logfile=io.StringIO())
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc):
            raise file_encrypted(path, "Excel 文件") from exc
        raise file_damaged(path, f"旧版 Excel 文件无法打开（{type(exc).__name__}）") from exc
    except (OSError, AssertionError, IndexError, struct.error, ValueError) as exc:  # xlrd on a truncated file
        raise file_damaged(path, f"旧版 Excel 文件无法打开（{type(exc).__name__}）") from exc


def xls_values(book: Any, sheet: Any) -> list[list[str]]:
    """One sheet's cell texts, dates as dates."""
    import xlrd

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
    return values


def xls_to_pages(path: Path, limits: Limits) -> list[Page]:
    """Every sheet of an old .xls, with its merged cells; a sheet too large to be a form is left empty."""
    book = open_xls(path, limits, formatting_info=True)
    pages = []
    for number, sheet in enumerate(book.sheets(), start=1):
        if sheet.nrows * sheet.ncols > limits.form_cells:
            pages.append(Page(number, ()))
            continue
        merges = [(r0, r1 - 1, c0, c1 - 1) for r0, r1, c0, c1 in sheet.merged_cells]
        pages.append(grid_to_page(number, xls_values(book, sheet), merges, _rc_ref(sheet.name)))
    return pages


def pages_to_items(path: Path, source: SourceFile, pages: list[Page], extractor: str) -> list[Item]:
    """Every sheet that holds a form; NO_FORM_FOUND naming the labels seen when none does."""
    items: list[Item] = []
    for page in pages:
        items += page_to_items(page, source, extractor, len(items))
    if not items:
        raise no_form_found(path, [label for page in pages for label in seen_labels(page)])
    return items


def read(path: Path, source: SourceFile, options: ReadOptions) -> list[Item]:
    return pages_to_items(path, source, xlsx_to_pages(path, options.limits), EXTRACTOR)


def read_xls(path: Path, source: SourceFile, options: ReadOptions) -> list[Item]:
    return pages_to_items(path, source, xls_to_pages(path, options.limits), "xls/1")
