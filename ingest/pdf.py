"""Work records in PDFs with a text layer (pdfplumber): words with positions, ruling-line
tables and their cells, → one page of the layout model per PDF page.

Several forms in one PDF are read page by page; a monthly sheet whose table runs onto the
next page is continued there. A page without a text layer is left to the scan path.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from zhidao.errors import file_damaged, file_encrypted
from zhidao.model import ErrorInfo, Item, Limits, Location, ReadOptions, SourceFile

from .layout import Cell, Line, Page, Table
from .limits import check_image_pixels, check_pdf, render_scale
from .stack import stack_to_items

EXTRACTOR = "pdf-text/1"
_LINE_TOLERANCE = 3.0  # points: words whose tops differ less stand on one line


def _inside(word: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    x = (float(word["x0"]) + float(word["x1"])) / 2
    y = (float(word["top"]) + float(word["bottom"])) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _lines(words: list[dict[str, Any]], number: int) -> list[tuple[float, Line]]:
    groups: list[list[dict[str, Any]]] = []
    for word in sorted(words, key=lambda w: (w["top"], w["x0"])):
        if groups and abs(groups[-1][0]["top"] - word["top"]) < _LINE_TOLERANCE:
            groups[-1].append(word)
        else:
            groups.append([word])
    out: list[tuple[float, Line]] = []
    for group in groups:
        group.sort(key=lambda w: w["x0"])
        box = (min(w["x0"] for w in group), min(w["top"] for w in group),
               max(w["x1"] for w in group), max(w["bottom"] for w in group))
        text = " ".join(w["text"] for w in group)
        out.append((box[1], Line(text, Location(number, bbox=box, line=f"line {len(out) + 1}"))))
    return out


def _table(table: Any, number: int, index: int) -> Table:
    """pdfplumber table → Table. A missing cell under a taller cell keeps the column (empty
    placeholder, the taller cell's rowspan grows); a missing cell beside one is dropped."""
    texts = table.extract()
    rows: list[list[Cell]] = []
    spans: dict[int, tuple[int, float]] = {}  # column → (row of the open tall cell, its bottom)
    for r, (row_text, row) in enumerate(zip(texts, table.rows, strict=True)):
        cells: list[Cell] = []
        for c, (text, box) in enumerate(zip(row_text, row.cells, strict=True)):
            ref = f"table {index} row {r + 1} col {c + 1}"
            if box is None:
                open_span = spans.get(c)
                if open_span and open_span[1] > row.bbox[1] + 1:
                    anchor_row, _ = open_span
                    anchor = rows[anchor_row][_col_index(rows[anchor_row], c)]
                    rows[anchor_row][_col_index(rows[anchor_row], c)] = Cell(
                        anchor.text, anchor.location, anchor.confidence, anchor.rowspan + 1)
                    cells.append(Cell("", Location(number, cell=ref)))
                continue
            bbox = (float(box[0]), float(box[1]), float(box[2]), float(box[3]))
            spans[c] = (r, bbox[3])
            cells.append(Cell(text or "", Location(number, bbox=bbox, cell=ref)))
        rows.append(cells)
    return Table(tuple(tuple(r) for r in rows))


def _col_index(cells: list[Cell], col: int) -> int:
    """Position in a row's cell list of the cell whose reference names column ``col``."""
    suffix = f" col {col + 1}"
    return next(i for i, cell in enumerate(cells) if (cell.location.cell or "").endswith(suffix))


def _text_page(page: Any, number: int) -> Page:
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]
    words = [w for w in page.extract_words() if not any(_inside(w, b) for b in boxes)]
    blocks: list[tuple[float, Line | Table]] = list(_lines(words, number))
    blocks += [(t.bbox[1], _table(t, number, i + 1)) for i, t in enumerate(tables)]
    blocks.sort(key=lambda b: b[0])
    return Page(number, tuple(b for _, b in blocks))


def pdf_to_pages(path: Path, options: ReadOptions) -> tuple[list[Page], dict[int, dict[str, str]]]:
    """Every page: read from its text layer, or — a page without one — rendered and read by the
    scan path. Returns the pages and the scan steps of the scanned ones."""
    import pdfplumber

    check_pdf(path, options.limits)
    pages: list[Page] = []
    scanned: list[int] = []
    with pdf_errors(path), pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            if page.chars:
                pages.append(_text_page(page, number))
            else:
                scanned.append(number)
                pages.append(Page(number, ()))
    steps: dict[int, dict[str, str]] = {}
    if scanned:
        from . import scan
        from .engines import load_engine

        check_pictures(path, scanned, options.limits)  # before the OCR engine is loaded
        engine = load_engine(options.ocr_engine)
        for number, image in zip(scanned, render_pages(path, scanned, limits=options.limits), strict=True):
            pages[number - 1], steps[number] = scan.image_to_page(image, number, engine)
    return pages, steps


@contextmanager
def pdf_errors(path: Path) -> Iterator[None]:
    """What pdfplumber and pdfminer raise on a malformed PDF → FILE_DAMAGED; a password → FILE_ENCRYPTED."""
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.psexceptions import PSException
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        yield
    except PdfminerException as exc:
        if exc.args and isinstance(exc.args[0], PDFPasswordIncorrect):
            raise file_encrypted(path, "PDF 文件") from exc
        raise file_damaged(path, f"PDF 文件无法解析（{type(exc).__name__}）") from exc
    except PDFPasswordIncorrect as exc:
        raise file_encrypted(path, "PDF 文件") from exc
    except (PSException, ValueError, KeyError, TypeError) as exc:
        raise file_damaged(path, f"PDF 文件无法解析（{type(exc).__name__}）") from exc


def render_pages(path: Path, numbers: list[int], dpi: int = 200, limits: Limits | None = None
                 ) -> Iterator[np.ndarray]:
    """Rasterise PDF pages (1-based numbers) to grayscale at ``dpi`` with PDFium, one at a time;
    a page that would exceed the pixel budget at ``dpi`` is rendered at a lower resolution, and
    an embedded picture over the image limit is refused before it is decoded."""
    import pypdfium2 as pdfium

    limits = limits or Limits()
    doc = pdfium.PdfDocument(str(path))
    try:
        for n in numbers:
            page = doc[n - 1]
            _check_pictures(path, page, n, limits)
            width, height = page.get_size()
            scale = render_scale(width, height, dpi, limits)
            yield np.asarray(page.render(scale=scale, grayscale=True).to_pil().convert("L"))
    finally:
        doc.close()


def check_pictures(path: Path, numbers: list[int], limits: Limits) -> None:
    """IMAGE_TOO_LARGE for a picture on these pages over the image limit, before any is decoded."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        for n in numbers:
            _check_pictures(path, doc[n - 1], n, limits)
    finally:
        doc.close()


def _check_pictures(path: Path, page: Any, number: int, limits: Limits) -> None:
    """A picture's pixel size comes from its dictionary: nothing is decoded to learn it."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)):
        try:
            width, height = obj.get_px_size()
        except pdfium.PdfiumError:
            continue
        check_image_pixels(path, width, height, limits, number)


def read(path: Path, source: SourceFile, options: ReadOptions) -> list[Item | ErrorInfo]:
    pages, steps = pdf_to_pages(path, options)
    if not steps:
        extractor = EXTRACTOR
    else:
        from .engines import load_engine

        extractor = f"{EXTRACTOR}+scan/{load_engine(options.ocr_engine).name}"
    return stack_to_items(path, source, pages, steps, extractor)
