"""Tables of a PDF's text layer (pdfplumber: ruling lines → cells), with cell boxes."""

from __future__ import annotations

from pathlib import Path

from zhidao.errors import file_damaged
from zhidao.model import Location

from .layout import Cell


def pdf_table_rows(path: Path) -> list[list[Cell]]:
    """Every table row of every page, in reading order; each cell keeps page and bbox."""
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfplumber.utils.exceptions import PdfminerException

    rows: list[list[Cell]] = []
    try:
        with pdfplumber.open(path) as pdf:
            for number, page in enumerate(pdf.pages, start=1):
                for table in page.find_tables():
                    texts = table.extract()
                    for r, (row, boxes) in enumerate(zip(texts, table.rows, strict=True)):
                        cells = []
                        for c, (text, box) in enumerate(zip(row, boxes.cells, strict=True)):
                            bbox = tuple(float(v) for v in box) if box else None
                            cells.append(Cell(text or "", Location(number, bbox=bbox,  # type: ignore[arg-type]
                                                                   cell=f"row {r + 1} col {c + 1}")))
                        rows.append(cells)
    except (PDFSyntaxError, PdfminerException, ValueError, KeyError) as exc:
        raise file_damaged(path, f"PDF 文件无法解析（{type(exc).__name__}）") from exc
    return rows
