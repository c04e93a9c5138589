"""Work records in PDFs with a text layer (pdfplumber): words with positions, ruling-line
tables and their cells, → one page of the layout model per PDF page.

Several forms in one PDF are read page by page; a monthly sheet whose table runs onto the
next page is continued there. A page without a text layer is left to the scan path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zhidao.errors import NEEDS_OCR, InputError, file_damaged, no_form_found
from zhidao.model import Item, Location, SourceFile

from .forms import PageFields, fields_to_items, is_form, page_to_fields, seen_labels
from .layout import Cell, Line, Page, Table

EXTRACTOR = "pdf-text/1"
_LINE_TOLERANCE = 3.0  # points: words whose tops differ less stand on one line
# What a page holding only the end of the previous form may add to it.
_FOOTER_KEYS = frozenset({"report_date", "filler", "problems", "remarks", "month", "phone"})


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


def pdf_to_pages(path: Path) -> tuple[list[Page], list[int]]:
    """(text-layer pages, numbers of pages without text)."""
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfplumber.utils.exceptions import PdfminerException

    pages: list[Page] = []
    no_text: list[int] = []
    try:
        with pdfplumber.open(path) as pdf:
            for number, page in enumerate(pdf.pages, start=1):
                if not page.chars:
                    no_text.append(number)
                    continue
                tables = page.find_tables()
                boxes = [t.bbox for t in tables]
                words = [w for w in page.extract_words() if not any(_inside(w, b) for b in boxes)]
                blocks: list[tuple[float, Line | Table]] = list(_lines(words, number))
                blocks += [(t.bbox[1], _table(t, number, i + 1)) for i, t in enumerate(tables)]
                blocks.sort(key=lambda b: b[0])
                pages.append(Page(number, tuple(b for _, b in blocks)))
    except (PDFSyntaxError, PdfminerException, ValueError, KeyError, TypeError) as exc:
        raise file_damaged(path, f"PDF 文件无法解析（{type(exc).__name__}）") from exc
    return pages, no_text


def _continues(prev: PageFields | None, fields: PageFields) -> bool:
    """A page continues the previous monthly sheet when it brings rows but no form header."""
    return (prev is not None and prev.rows is not None and fields.rows is not None
            and not ({"instructor", "enterprise", "month", "unit"} & fields.header.keys()))


def read(path: Path, source: SourceFile) -> list[Item]:
    pages, _no_text = pdf_to_pages(path)
    if not pages:
        raise InputError(NEEDS_OCR, "这是扫描件（PDF 中没有文字层），需要文字识别（OCR）", path,
                         "请安装 OCR 组件后重试，或向报送人索取 Word/PDF 电子版")
    forms: list[tuple[int, PageFields]] = []
    for page in pages:
        prev = forms[-1][1] if forms else None
        fields = page_to_fields(page, continued=prev.columns if prev and prev.rows is not None else None)
        if _continues(prev, fields) and prev is not None:
            header = dict(prev.header)
            for key, value in fields.header.items():
                header.setdefault(key, value)
            forms[-1] = (forms[-1][0], PageFields(header, (prev.rows or []) + (fields.rows or []), prev.columns))
        elif is_form(fields):
            forms.append((page.number, fields))
        elif prev is not None and fields.header:  # a footer that slipped onto the next page
            header = dict(prev.header)
            for key in _FOOTER_KEYS & fields.header.keys():
                header.setdefault(key, fields.header[key])
            forms[-1] = (forms[-1][0], PageFields(header, prev.rows, prev.columns))
    items: list[Item] = []
    for number, fields in forms:
        items += fields_to_items(fields, source, number, EXTRACTOR, len(items))
    if not items:
        raise no_form_found(path, [label for page in pages for label in seen_labels(page)])
    return items
