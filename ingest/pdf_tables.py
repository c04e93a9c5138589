"""Tables of a PDF's text layer (pdfplumber: ruling lines → cells), with cell boxes."""

from __future__ import annotations

from pathlib import Path

from zhidao.model import Limits, Location

from .layout import Cell
from .limits import check_pdf
from .pdf import pdf_errors


def pdf_table_rows(path: Path, limits: Limits) -> list[list[Cell]]:
    """Every table row of every page, in reading order; each cell keeps page and bbox."""
    import pdfplumber

    check_pdf(path, limits)
    rows: list[list[Cell]] = []
    with pdf_errors(path), pdfplumber.open(path) as pdf:
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
    return rows
