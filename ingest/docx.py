"""Word (.docx) work records: paragraphs and tables, in body order, → one :class:`Page`."""

from __future__ import annotations

from pathlib import Path

from zhidao.errors import file_damaged, no_form_found
from zhidao.model import Item, Limits, Location, ReadOptions, SourceFile

from .forms import page_to_items, seen_labels
from .layout import Cell, Line, Page, Table
from .limits import OFFICE_ZIP_ERRORS, check_office_zip

EXTRACTOR = "docx/1"


def docx_to_page(path: Path, limits: Limits) -> Page:
    """Read the body of a .docx in reading order, whatever the file is named. Raises InputError
    for a damaged or hostile file (checked before python-docx inflates anything)."""
    import docx  # python-docx; imported here so `zhidao --help` stays fast
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph

    check_office_zip(path, limits)
    try:
        with path.open("rb") as fh:  # a file object: python-docx then goes by content, not by name
            document = docx.Document(fh)
    except OFFICE_ZIP_ERRORS as exc:
        raise file_damaged(path, f"Word 文件结构不完整（{type(exc).__name__}）") from exc
    blocks: list[Line | Table] = []
    n_par = n_tab = 0
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            n_par += 1
            text = Paragraph(child, document).text
            if text.strip():
                blocks.append(Line(text, Location(1, line=f"paragraph {n_par}")))
        elif tag == "tbl":
            n_tab += 1
            blocks.append(_table(DocxTable(child, document), n_tab))
    return Page(1, tuple(blocks))


def _table(table: object, number: int) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for r, row in enumerate(table.rows):  # type: ignore[attr-defined]
        cells: list[Cell] = []
        last = None
        for c, cell in enumerate(row.cells):
            if cell._tc is last:  # a horizontally merged cell repeats: keep it once
                continue
            last = cell._tc
            cells.append(Cell(cell.text, Location(1, cell=f"table {number} row {r + 1} col {c + 1}")))
        rows.append(tuple(cells))
    return Table(tuple(rows))


def read(path: Path, source: SourceFile, options: ReadOptions) -> list[Item]:
    page = docx_to_page(path, options.limits)
    items = page_to_items(page, source, EXTRACTOR)
    if not items:
        raise no_form_found(path, seen_labels(page))
    return items
