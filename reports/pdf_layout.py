"""The printed document's frame, shared by zhidao's PDFs (the meeting packet; later the monthly
notice): a 公文-style cover (title large and centred, the issuing unit and the date at the foot),
a contents page (目录, ReportLab's TableOfContents with dotted leaders), and on every page but
the cover a running header and a footer with "第 N 页 共 M 页". One layout pass: the contents'
entries (the sections' titles) are known up front, so it is laid out at its size at once, and
:class:`NumberedCanvas` keeps the pages until the end, when the page count and the page each
heading landed on are known, and draws the numbers and the contents then. The cover is not
counted: the contents page is 第 1 页.

A document calls :func:`build_pdf` with a :class:`Cover`, a list of :class:`Section` (a title
and its flowables) and the :class:`Running` texts; every text given here is plain text from the
data and is escaped here (reports/inert.py), never read as markup. :func:`data_table` lays out
a table of data: columns sized to their content (a date or a short word never wraps), long text
wrapped inside its cell, the header row repeated on each page.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import re
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    FrameBreak,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.paragraph import cleanBlockQuotedText, textTransformFrags
from reportlab.platypus.paraparser import ParaParser
from reportlab.platypus.tableofcontents import TableOfContents, drawPageNumbers

from zhidao.fonts import register_cjk_font, register_serif_font

from .inert import pdf_markup, pdf_plain

PAGE_W, PAGE_H = A4
MARGIN_X = 16 * mm
TEXT_WIDTH = PAGE_W - 2 * MARGIN_X
FRAME_TOP = PAGE_H - 18 * mm
FRAME_BOTTOM = 19 * mm
FRAME_HEIGHT = FRAME_TOP - FRAME_BOTTOM
RED = colors.HexColor("#C00000")
_HEADER_Y = PAGE_H - 12 * mm
_FOOTER_Y = 11 * mm  # the footer text and the page number
_SMALL_Y = 6.5 * mm  # the small print (the ledger anchor) and the mark
_HEADING = 30  # a heading's height (h1)
_KEEP = 80  # of a table (it splits), the height its heading is kept with: its header and first rows


@dataclass(frozen=True)
class Fonts:
    serif: str  # body text and tables (宋/明 style)
    sans: str  # headings (黑体 style)


def fonts() -> Fonts:
    return Fonts(serif=register_serif_font(), sans=register_cjk_font())


class Styles:
    """The paragraph styles of a printed document."""

    def __init__(self, f: Fonts) -> None:
        self.fonts = f
        self.h1 = ParagraphStyle("h1", fontName=f.sans, fontSize=14, leading=21, spaceAfter=6, wordWrap="CJK")
        self.h2 = ParagraphStyle("h2", fontName=f.sans, fontSize=11.5, leading=18, spaceBefore=6, spaceAfter=3,
                                 keepWithNext=1, wordWrap="CJK")
        self.body = ParagraphStyle("body", fontName=f.serif, fontSize=10.5, leading=17, wordWrap="CJK")
        self.small = ParagraphStyle("small", parent=self.body, fontSize=9, leading=14)
        self.cell = ParagraphStyle("cell", fontName=f.serif, fontSize=8, leading=10.5, wordWrap="CJK")
        self.head = ParagraphStyle("head", fontName=f.sans, fontSize=8, leading=10.5, alignment=1, wordWrap="CJK")
        self.cover_title = ParagraphStyle("cover_title", fontName=f.sans, fontSize=26, leading=40, alignment=1,
                                          wordWrap="CJK")
        self.cover_foot = ParagraphStyle("cover_foot", fontName=f.serif, fontSize=16, leading=28, alignment=1,
                                         wordWrap="CJK")
        self.mark = ParagraphStyle("mark", fontName=f.sans, fontSize=18, leading=28, alignment=1, textColor=RED,
                                   wordWrap="CJK")
        self.note = ParagraphStyle("note", fontName=f.serif, fontSize=11, leading=18, alignment=1, wordWrap="CJK")
        self.doc_title = ParagraphStyle("doc_title", fontName=f.sans, fontSize=18, leading=28, alignment=1,
                                        spaceBefore=6, spaceAfter=12, wordWrap="CJK")
        self.sign = ParagraphStyle("sign", fontName=f.serif, fontSize=12, leading=22, alignment=2, wordWrap="CJK")
        self.prose = ParagraphStyle("prose", fontName=f.serif, fontSize=12, leading=22, firstLineIndent=24,
                                    wordWrap="CJK")
        self.contents = ParagraphStyle("contents", fontName=f.sans, fontSize=18, leading=26, alignment=1,
                                       spaceAfter=14)
        self.toc = [ParagraphStyle("toc0", fontName=f.serif, fontSize=12, leading=20, wordWrap="CJK",
                                   rightIndent=24),
                    ParagraphStyle("toc1", fontName=f.serif, fontSize=11, leading=18, leftIndent=2 * 11,
                                   wordWrap="CJK", rightIndent=24)]


def para(text: Any, style: ParagraphStyle) -> Paragraph:
    """A paragraph of text from the data: escaped, so markup in a form prints literally."""
    return _plain_paragraph(Paragraph, pdf_plain(text), style)


@dataclass(frozen=True)
class Cover:
    title: str  # large, centred
    issuer: str = ""  # 发文单位, at the foot; not printed when ""
    date: str = ""  # "2026年12月1日", under the issuer
    mark: str = ""  # red, under the title (a draft's mark)
    note: str = ""  # under the mark


@dataclass(frozen=True)
class Section:
    """A part of the document: its heading (a contents entry and a bookmark) and its flowables.
    ``toc``: the contents entry (default: the title); ``level`` 0 or 1; ``group``: an entry one
    level up at the same place, opening a group (各指导员工作汇报提纲 before the first one's)."""

    title: str
    flowables: Sequence[Flowable]
    toc: str = ""
    level: int = 0
    new_page: bool = False
    group: str = ""
    style: ParagraphStyle | None = None  # the heading's style (default: Styles.h1)


@dataclass(frozen=True)
class Running:
    """Texts on every page: ``header`` (small, top left) and ``footer`` (bottom left) on every
    page but the cover; ``small_print`` (grey, the lowest line) and ``mark`` (red, top right
    and bottom right) on the cover too."""

    header: str
    footer: str = ""
    small_print: str = ""
    mark: str = ""


class _Heading(Paragraph):  # type: ignore[misc]
    """A section's heading, carrying its contents entries: (level, text, key)."""

    def __init__(self, text: str, style: ParagraphStyle, entries: list[tuple[int, str, str]]) -> None:
        super().__init__(pdf_markup(text), style)
        self.entries = entries


class NumberedCanvas(Canvas):  # type: ignore[misc]
    """Keeps every page until the document is saved, then draws on each what was drawn
    :meth:`later` (the contents, whose page numbers are known only then) and "第 N 页 共 M 页"
    on each but the first ``skip`` (the cover): the page count and the contents in one pass."""

    def __init__(self, *args: Any, number_font: str = "Helvetica", skip: int = 1, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self._later: dict[int, list[Callable[[], None]]] = {}
        self._number_font = number_font
        self._skip = skip

    def later(self, draw: Callable[[], None]) -> None:
        """Call ``draw`` at save, on this page, once every page is laid out."""
        self._later.setdefault(len(self._pages), []).append(draw)

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        # The page is written at save; count it now, so a bookmark made on the next page refers to it.
        self._doc.pageCounter += 1
        self._startPage()

    def save(self) -> None:
        self._doc.pageCounter -= len(self._pages)
        total = len(self._pages) - self._skip
        if self._skip and total > 0:  # a viewer's page numbers as printed: 封面, 1, 2, …
            self.addPageLabel(0, prefix="封面")
            self.addPageLabel(self._skip, style="D", start=1)
        later, annotations = self._later, int(getattr(self, "_annotationCount", 0))
        for index, state in enumerate(self._pages):
            self.__dict__.update(state)
            self._annotationCount = annotations  # the document's count (a link drawn later is a new one)
            for draw in later.get(index, ()):
                draw()
            annotations = self._annotationCount
            number = index + 1 - self._skip
            if number >= 1:
                self.setFont(self._number_font, 9)
                self.setFillColor(colors.black)
                self.drawRightString(PAGE_W - MARGIN_X, _FOOTER_Y, f"第 {number} 页 共 {total} 页")
            super().showPage()
        super().save()


class _Later(Table):  # type: ignore[misc]
    """A table drawn at save (:meth:`NumberedCanvas.later`), as are its splits."""

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        canvas.later(lambda: Table.drawOn(self, canvas, x, y, _sW))


class _Contents(TableOfContents):  # type: ignore[misc]
    """The contents, laid out from its entries (known before the sections are laid out: their
    titles) and drawn at save with the pages the headings landed on (:meth:`place`)."""

    def __init__(self, styles: Styles, entries: Sequence[tuple[int, str, str]]) -> None:
        style = TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                            ("FONTNAME", (0, 0), (-1, -1), styles.fonts.serif)])  # not the default Helvetica
        super().__init__(levelStyles=styles.toc, dotsMinLevel=0, tableStyle=style)
        self.entries = list(entries)  # (level, text, key)
        self.pages: dict[str, int] = {}  # key → page number
        self._laid: tuple[float, Table] | None = None

    def place(self, key: str, page: int) -> None:
        self.pages[key] = page

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if self._laid is None or self._laid[0] != availWidth:
            self._laid = (availWidth, self._table_of(availWidth, availHeight))
        self._table = self._laid[1]
        self.width, self.height = self._table.wrapOn(self.canv, availWidth, availHeight)
        return self.width, self.height

    def _table_of(self, availWidth: float, availHeight: float) -> Table:
        def entry_end(canvas: Canvas, _kind: str, label: str) -> None:  # the dots and the page number
            level, key = label.split(",", 1)
            style = self.getLevelStyle(int(level))
            drawPageNumbers(canvas, style, [(self.pages[key], key)], availWidth, availHeight, " . ")

        self.canv.setNamedCB("drawTOCEntryEnd", entry_end)
        rows = [[Paragraph(f'<a href="#{key}">{pdf_markup(text)}</a><onDraw name="drawTOCEntryEnd" '
                           f'label="{level},{key}"/>', self.getLevelStyle(level))]
                for level, text, key in self.entries] or [[Spacer(1, 1)]]
        return _Later(rows, colWidths=(availWidth,), style=self.tableStyle)


class _Document(BaseDocTemplate):  # type: ignore[misc]
    """Registers each heading's PDF bookmark, and its page with the contents, on the page it
    lands on."""

    def __init__(self, path: Path, cover_pages: int, contents: _Contents | None, **kwargs: Any) -> None:
        super().__init__(str(path), **kwargs)
        self._cover_pages = cover_pages
        self._contents = contents

    def afterFlowable(self, flowable: Flowable) -> None:
        if isinstance(flowable, _Heading):
            for level, text, key in flowable.entries:
                self.canv.bookmarkPage(key)
                self.canv.addOutlineEntry(pdf_plain(text), key, level)
                if self._contents is not None:
                    self._contents.place(key, self.page - self._cover_pages)


class Chart(Drawing):  # type: ignore[misc]
    """A chart (a drawing) in a document."""


_TEMPLATES: weakref.WeakKeyDictionary[ParagraphStyle, Any] = weakref.WeakKeyDictionary()  # a style's fragment


def _plain_paragraph(kind: type[Paragraph], text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text, escaped (never markup). A text without ``& < >`` is one text
    fragment in the style, as ReportLab's markup parser makes it: the parser's fragment for a
    letter, given the text (the parser was most of the cost of a paragraph of a table cell)."""
    clean = cleanBlockQuotedText(text)
    if not clean or "&" in text or "<" in text or ">" in text:
        return kind(pdf_markup(text), style)
    template = _TEMPLATES.get(style)
    if template is None:
        template = _TEMPLATES[style] = ParaParser().parse("x", style)[1][0]
    frag = copy.copy(template)
    frag.text = clean
    frags = [frag]
    textTransformFrags(frags, style)
    return kind(clean, style, frags=frags)


class _CellText(Paragraph):  # type: ignore[misc]
    """A cell's paragraph: wrapped once for its width (a table measures it, then draws it;
    cells with the same text and width share one)."""

    _wrapped: tuple[float, tuple[float, float]] | None = None

    def wrap(self, width: float, height: float) -> tuple[float, float]:
        if self._wrapped is None or self._wrapped[0] != width:
            self._wrapped = (width, super().wrap(width, height))
        return self._wrapped[1]


class _Rows(Flowable):  # type: ignore[misc]
    """A table of data laid out a page at a time. It splits where a Table would (between rows,
    the first row repeated on each page: ReportLab's rule, on the same row heights) but makes a
    Table of only the rows of the page: a Table's split copies and restyles all the rows left, on
    every page, which made a long table quadratic. Drawn, a page's part is a Table as a split of
    the whole one would be."""

    def __init__(self, data: list[list[Any]], widths: list[float], heights: list[float], style: TableStyle,
                 start: int = 1, sums: list[float] | None = None) -> None:
        super().__init__()
        self._data, self._widths, self._heights, self._style, self._start = data, widths, heights, style, start
        self._sums = sums if sums is not None else [0.0, *itertools.accumulate(heights[1:])]  # of the body rows
        self.hAlign = "LEFT"
        self.width = sum(widths)
        self._part: Table | None = None

    def _table(self, stop: int) -> Table:
        return Table([self._data[0], *self._data[self._start:stop]], colWidths=self._widths,
                     rowHeights=[self._heights[0], *self._heights[self._start:stop]], repeatRows=1,
                     style=self._style, hAlign="LEFT")

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        rough = self._heights[0] + self._sums[-1] - self._sums[self._start - 1]
        if rough > availHeight + 1:  # more than the room: it splits, whatever its last digits
            self._part, self.height = None, rough
            return self.width, rough
        self._part = self._table(len(self._data))  # about a page: its height as the Table has it
        self.width, self.height = self._part.wrap(availWidth, availHeight)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        height, fit = 0.0, 0  # the rows that fit, counted as Table._getFirstPossibleSplitRowPosition does
        for rh in itertools.chain(self._heights[:1], itertools.islice(self._heights, self._start, None)):
            if height + rh > availHeight:
                break
            height += rh
            fit += 1
        if fit <= 1:  # not a row under the header
            return []
        stop = self._start + fit - 1
        if stop == len(self._data):
            return [self]
        return [self._table(stop), _Rows(self._data, self._widths, self._heights, self._style, stop, self._sums)]

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        part = self._part
        if part is None:
            part = self._table(len(self._data))
            part.wrap(self.width, FRAME_HEIGHT)
        part.drawOn(canvas, x, y, _sW)


def fit(text: str, font: str, size: float, width: float, smallest: float = 6) -> tuple[str, float]:
    """A one-line text and its font size, made smaller (then cut, with …) to fit ``width``."""
    while size > smallest and stringWidth(text, font, size) > width:
        size -= 0.5
    while len(text) > 1 and stringWidth(text, font, size) > width:
        text = text[:-2] + "…"
    return text, size


_TOKEN = re.compile(r"[A-Za-z0-9.\-]+[）》」』”、，。：；]*|.[）》」』”、，。：；]*", re.S)


def balanced_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """A title broken into lines of about equal width (not a full first line and a short last
    one); a run of Latin letters or digits, and closing punctuation, are never broken from."""
    total = stringWidth(text, font, size)
    if total <= width:
        return [text]
    count = int(total * 1.04 // width) + 1
    target = total / count
    lines, line = [], ""
    for token in _TOKEN.findall(text):
        if line and stringWidth(line + token, font, size) > target * 1.02:
            lines.append(line)
            line = ""
        line += token
    return [*lines, line] if line else lines


def _cover_title(text: str, style: ParagraphStyle) -> Paragraph:
    width = PAGE_W - 50 * mm
    size = next((s for s in (26, 22, 18) if len(balanced_lines(text, style.fontName, s, width)) <= 3), 15)
    lines = balanced_lines(text, style.fontName, size, width)
    sized = ParagraphStyle("cover_title_sized", parent=style, fontSize=size, leading=size * 1.55)
    return Paragraph("<br/>".join(pdf_markup(line) for line in lines), sized)


def _cover(cover: Cover, st: Styles) -> list[Flowable]:
    out: list[Flowable] = [Spacer(1, 40 * mm), _cover_title(cover.title, st.cover_title)]
    if cover.mark:
        out += [Spacer(1, 18 * mm), para(cover.mark, st.mark)]
    if cover.note:
        out += [Spacer(1, 4 * mm), para(cover.note, st.note)]
    out.append(FrameBreak())
    out += [para(text, st.cover_foot) for text in (cover.issuer, cover.date) if text]
    return out


def _page_texts(running: Running, f: Fonts, numbered: bool) -> Any:
    """The onPage callback: header and footer texts (the page number comes at save)."""

    def draw(canvas: Canvas, _doc: Any) -> None:
        canvas.saveState()
        mark_w = stringWidth(running.mark, f.sans, 9) + 4 * mm if running.mark else 0
        if numbered:
            text, size = fit(pdf_plain(running.header), f.serif, 8, TEXT_WIDTH - mark_w)
            canvas.setFont(f.serif, size)
            canvas.setFillColor(colors.HexColor("#404040"))
            canvas.drawString(MARGIN_X, _HEADER_Y, text)
            canvas.setStrokeColor(colors.HexColor("#808080"))
            canvas.setLineWidth(0.5)
            canvas.line(MARGIN_X, _HEADER_Y - 2 * mm, PAGE_W - MARGIN_X, _HEADER_Y - 2 * mm)
            canvas.line(MARGIN_X, FRAME_BOTTOM - 3.5 * mm, PAGE_W - MARGIN_X, FRAME_BOTTOM - 3.5 * mm)
            if running.footer:
                text, size = fit(pdf_plain(running.footer), f.serif, 8, TEXT_WIDTH - 40 * mm)
                canvas.setFont(f.serif, size)
                canvas.drawString(MARGIN_X, _FOOTER_Y, text)
        if running.small_print:
            text, size = fit(pdf_plain(running.small_print), f.serif, 6.5, TEXT_WIDTH - mark_w)
            canvas.setFont(f.serif, size)
            canvas.setFillColor(colors.grey)
            canvas.drawString(MARGIN_X, _SMALL_Y, text)
        if running.mark:
            canvas.setFillColor(RED)
            canvas.setFont(f.sans, 9)
            canvas.drawRightString(PAGE_W - MARGIN_X, _HEADER_Y, pdf_plain(running.mark))
            canvas.drawRightString(PAGE_W - MARGIN_X, _SMALL_Y, pdf_plain(running.mark))
        canvas.restoreState()

    return draw


def build_pdf(path: Path, *, cover: Cover | None, sections: Sequence[Section], running: Running, title: str,
              styles: Styles, keywords: str = "", contents: str = "目　录") -> Path:
    """Write the document: the cover, the contents (when ``contents`` is not ""), the sections."""
    f = styles.fonts
    cover_pages = 1 if cover is not None else 0
    body = Frame(MARGIN_X, FRAME_BOTTOM, TEXT_WIDTH, FRAME_HEIGHT, leftPadding=0, rightPadding=0, topPadding=0,
                 bottomPadding=0, id="body")
    templates = [PageTemplate("body", [body], onPage=_page_texts(running, f, numbered=True))]
    story: list[Flowable] = []
    if cover is not None:
        top = Frame(25 * mm, 95 * mm, PAGE_W - 50 * mm, PAGE_H - 125 * mm, id="cover_top")
        foot = Frame(25 * mm, 25 * mm, PAGE_W - 50 * mm, 65 * mm, id="cover_foot")
        templates.insert(0, PageTemplate("cover", [top, foot], onPage=_page_texts(running, f, numbered=False)))
        story += [*_cover(cover, styles), NextPageTemplate("body"), PageBreak()]
    toc = _Contents(styles, []) if contents else None
    if toc is not None:
        story += [Paragraph(pdf_markup(contents), styles.contents), toc, PageBreak()]
    fresh = True  # at the top of a page
    for i, section in enumerate(sections):
        if section.new_page and not fresh:
            story.append(PageBreak())
        elif not fresh:  # not a heading alone at the foot of a page: it goes with its first flowable
            first = section.flowables[0] if section.flowables else None
            height = first.wrap(TEXT_WIDTH, FRAME_HEIGHT)[1] if first is not None else 0
            story.append(CondPageBreak(_HEADING + (min(height, _KEEP) if isinstance(first, Table | _Rows) else height)))
        entries = [(section.level - 1, section.group, f"g{i}")] if section.group else []
        entries.append((section.level, section.toc or section.title, f"s{i}"))
        story.append(_Heading(section.title, section.style or styles.h1, entries))
        story += section.flowables
        fresh = False
        if toc is not None:
            toc.entries += entries
    doc = _Document(path, cover_pages, toc, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X,
                    topMargin=PAGE_H - FRAME_TOP, bottomMargin=FRAME_BOTTOM, title=pdf_plain(title),
                    author="zhidao", keywords=keywords, initialFontName=f.serif, pageTemplates=templates)
    doc.build(story, canvasmaker=_canvas_maker(f.serif, cover_pages))
    return path


def _canvas_maker(font: str, skip: int) -> Any:
    def make(*args: Any, **kwargs: Any) -> NumberedCanvas:
        return NumberedCanvas(*args, number_font=font, skip=skip, **kwargs)

    return make


# -- tables ---------------------------------------------------------------------------------------

_PAD_X, _PAD_Y = 3.0, 2.5
_WORD = 7  # a text of up to this many characters without a space is a word: its column fits it whole


def cell_text(value: Any) -> str:
    """A table value as printed: a date as 2026-10-12, None as ""; text readied by pdf_plain."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return pdf_plain(value)


def _whole(value: Any, text: str) -> bool:
    return isinstance(value, dt.date | int | float) or (len(text) <= _WORD and not any(c.isspace() for c in text))


def column_widths(weights: Sequence[float], need: Sequence[float], want: Sequence[float], total: float) -> list[float]:
    """Widths in proportion to ``weights`` with each column at least ``need`` (its widest
    unbreakable value) and none wider than ``want`` (its widest value on one line) while
    another could use the room; the table spans ``total``."""
    n = len(weights)
    fixed: dict[int, float] = {}
    while len(fixed) < n:
        free = [c for c in range(n) if c not in fixed]
        rest, weight = total - sum(fixed.values()), sum(weights[c] for c in free) or 1.0
        share = {c: rest * weights[c] / weight for c in free}
        narrow = {c: need[c] for c in free if share[c] < need[c]}
        roomy = {} if narrow else {c: want[c] for c in free if share[c] > want[c]}
        if not narrow and not roomy:
            fixed |= share
            break
        fixed |= narrow or roomy
    widths = [fixed[c] for c in range(n)]
    used = sum(widths)
    if used > total:  # the words do not fit side by side: shrink them all (some will wrap)
        return [w * total / used for w in widths]
    spare, weight = total - used, sum(weights) or 1.0
    widths = [w + spare * weights[c] / weight for c, w in enumerate(widths)]
    for c in sorted(range(n), key=lambda c: want[c] - widths[c]):  # a text a little too long for its column:
        short = want[c] - widths[c]  # widen the column, taken from a column of long text (it wraps anyway)
        donors = [d for d in range(n) if d != c and want[d] > 1.5 * widths[d] and widths[d] - short >= 60]
        if 0 < short <= 0.3 * widths[c] and donors:
            donor = max(donors, key=lambda d: widths[d])
            widths[donor] -= short
            widths[c] += short
    return widths


def data_table(header: Sequence[Any], rows: Sequence[Sequence[Any]], weights: Sequence[float], st: Styles, *,
               width: float = TEXT_WIDTH, min_widths: dict[int, float] | None = None, min_row: float = 0,
               empty: str = "（无）") -> Flowable:
    """A table of data values (text from the data is never read as markup)."""
    cell, head = st.cell, st.head
    texts = [[cell_text(v) for v in row] for row in rows] or [[empty] + [""] * (len(header) - 1)]
    values = list(rows) or texts
    heads = [cell_text(h) for h in header]
    ncol = len(heads)
    measured: dict[str, float] = {}  # a table repeats its names, months and dates

    def measure(text: str) -> float:
        w = measured.get(text)
        if w is None:
            w = measured[text] = stringWidth(text, cell.fontName, cell.fontSize)
        return w

    need, want = [0.0] * ncol, [0.0] * ncol
    for c in range(ncol):
        hw = stringWidth(heads[c], head.fontName, head.fontSize)
        need[c], want[c] = (hw if len(heads[c]) <= 4 else 0.0), hw
        for row, vals in zip(texts, values, strict=True):
            w = max((measure(line) for line in row[c].split("\n")), default=0)
            want[c] = max(want[c], w)
            if _whole(vals[c], row[c]):
                need[c] = max(need[c], w)
        need[c] = max(need[c] + 2 * _PAD_X + 1, (min_widths or {}).get(c, 0))
        want[c] = max(want[c] + 2 * _PAD_X + 1, need[c])
    widths = column_widths(weights if len(weights) == ncol else [1] * ncol, need, want, width)
    plain_h = cell.leading + 2 * _PAD_Y
    data: list[list[Any]] = []
    heights: list[float] = []
    wrapped: dict[tuple[str, float], tuple[_CellText, float]] = {}  # a text wrapped to a width: one paragraph
    for r, row in enumerate([heads, *texts]):
        style = head if r == 0 else cell
        out: list[Any] = []
        height = max(plain_h, min_row if r else 0)
        for text, w in zip(row, widths, strict=True):
            if "\n" not in text and (measure(text) if r else stringWidth(text, style.fontName, style.fontSize)) \
                    <= w - 2 * _PAD_X:
                out.append(text)
                continue
            made = wrapped.get((text, w)) if r else None
            if made is None:
                p = _plain_paragraph(_CellText, text, style)
                made = (p, p.wrap(w - 2 * _PAD_X, FRAME_HEIGHT)[1])
                if r:
                    wrapped[text, w] = made
            height = max(height, made[1] + 2 * _PAD_Y)
            out.append(made[0])
        data.append(out)
        heights.append(height)
    centred = [c for c in range(ncol) if rows and all(isinstance(row[c], dt.date | int | float) or
                                                        not cell_text(row[c]) for row in rows)]
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), cell.fontName), ("FONTSIZE", (0, 0), (-1, -1), cell.fontSize),
        ("FONTNAME", (0, 0), (-1, 0), head.fontName), ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("LEFTPADDING", (0, 0), (-1, -1), _PAD_X), ("RIGHTPADDING", (0, 0), (-1, -1), _PAD_X),
        ("TOPPADDING", (0, 0), (-1, -1), _PAD_Y), ("BOTTOMPADDING", (0, 0), (-1, -1), _PAD_Y),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#707070")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E4E9F0")), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        *[("ALIGN", (c, 1), (c, -1), "CENTER") for c in centred],
    ]
    return _Rows(data, widths, heights, TableStyle(commands))
