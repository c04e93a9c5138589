"""packet.xlsx: the meeting packet as a print-ready Excel workbook, in Chinese (openpyxl).

Every sheet prints on A4 (landscape where wide) without overprinting in Excel, WPS and
LibreOffice: every row's height is written from the lines its wrapped cells need
(reports.xlsx_fit; none of the three fits a row written by openpyxl), dates are date cells in
columns wide enough for them, the header row repeats on every page under a header naming the
meeting (and the draft mark) and above a 第 N 页 共 M 页 footer. Each table has an autofilter,
驻企天数 colours its days by conditional formatting and carries a native chart of days per
instructor and enterprise per month with the minimum drawn as a line."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.data_source import AxDataSource, MultiLevelStrRef
from openpyxl.formatting.rule import CellIsRule
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from zhidao.anchor import PROPERTY, Anchor

from .inert import guard, inert_row, xlsx_value
from .packet_data import MISSING, PENDING, UNCHECKED, Packet, Table
from .xlsx_fit import BASE_SIZE, DEFAULT_WIDTH, WIDE, cell_height, char_units, fit_widths

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDE6F0")
_MISSING_FILL = PatternFill("solid", fgColor="E7E6E6")
_PENDING_FILL = PatternFill("solid", fgColor="FFEB9C")
# conditional formats (a differential style's solid fill is read from its background colour)
_OK_FILL = PatternFill("solid", start_color="C6EFCE", end_color="C6EFCE")
_BAD_FILL = PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE")
_OK_FONT, _BAD_FONT = Font(color="006100"), Font(color="9C0006")
_DRAFT_FONT = Font(bold=True, size=14, color="C00000")
_TITLE_FONT = Font(bold=True, size=14)
_TITLE_ALIGN = Alignment(vertical="center", wrap_text=True)
_HEAD_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
_BODY_ALIGN = Alignment(vertical="center", wrap_text=True)
_CENTRE = Alignment(horizontal="center", vertical="center")
_BOLD = Font(bold=True)
SHEETS = ("概览", "驻企天数", "报送情况", "六项职责", "核查发现", "问题清单", "签到表", "数据来源")
FIRST_DATA_ROW = 3  # row 1: title, row 2: header
DATE_FORMAT = "yyyy-mm-dd"  # as the findings' messages write dates; sorts and filters as a date
PAGE_FOOTER = "第 &P 页 共 &N 页"
LANDSCAPE_WIDTH = 90  # character units: a wider table prints across A4
SIGN_IN_ROW_PT = 35.0  # over 12 mm (34 pt, which LibreOffice rounds down): room for a signature
SIGN_IN_WIDTH = 30  # the 签到 column, in character units
_HEADER_SIZE = 9  # the meeting's name in the page header and the page numbers, in points
_MARK_SIZE = 10  # the draft mark centred in the page header
_PAGE_PT = {"portrait": 595.0, "landscape": 842.0}  # A4's width, in points

BODY, HEAD = "zhidao-body", "zhidao-head"


def _named_styles(wb: Workbook) -> None:
    """Cell styles registered once: a named style is cheap to give to thousands of cells."""
    wb.add_named_style(NamedStyle(BODY, border=_BORDER, alignment=_BODY_ALIGN))
    wb.add_named_style(NamedStyle(HEAD, border=_BORDER, alignment=_HEAD_ALIGN, font=_BOLD, fill=_HEAD_FILL))


class _Looks:
    """A cell's font size and wrapping, looked up once per (font, alignment) pair of the workbook
    (``cell.font`` and ``cell.alignment`` build a style proxy on every read)."""

    def __init__(self, ws: Worksheet) -> None:
        self.wb = ws.parent
        self.seen: dict[tuple[int, int], tuple[float, bool]] = {}

    def of(self, cell: Any) -> tuple[float, bool]:
        key = (cell._style.fontId, cell._style.alignmentId) if cell.has_style else (0, 0)
        if key not in self.seen:
            self.seen[key] = (cell.font.sz or BASE_SIZE, bool(cell.alignment.wrap_text))
        return self.seen[key]


def fit_rows(ws: Worksheet, min_row: int = 1, max_row: int | None = None, minimum: float = 0.0) -> None:
    """Write each row's height from the lines its cells need at their columns' widths (a cell
    merged across columns: their sum), at least ``minimum`` points."""
    widths = dict.fromkeys(range(1, ws.max_column + 1), DEFAULT_WIDTH)
    for dim in list(ws.column_dimensions.values()):  # a file read back may give a run of columns one <col>
        if dim.width:
            first = dim.min or column_index_from_string(dim.index)
            widths.update(dict.fromkeys(range(first, max(first, dim.max or first) + 1), dim.width))
    merged = {(m.min_row, m.min_col): sum(widths.get(c, DEFAULT_WIDTH) for c in range(m.min_col, m.max_col + 1))
              for m in ws.merged_cells.ranges if m.min_row == m.max_row}
    looks = _Looks(ws)
    for row in ws.iter_rows(min_row=min_row, max_row=max_row or ws.max_row):
        height = minimum
        for cell in row:
            if cell.value is None or not isinstance(cell.column, int):
                continue
            width = merged.get((cell.row, cell.column), widths.get(cell.column, DEFAULT_WIDTH))
            height = max(height, cell_height(cell.value, width, *looks.of(cell)))
        if height:
            ws.row_dimensions[row[0].row].height = round(height, 1)


def _header_size(text: str, room_pt: float) -> float:
    """The font size, in points, at which ``text`` fits on one header line ``room_pt`` long
    (at most the header's usual size, at least a legible 6.5 pt)."""
    ems = sum(char_units(c) for c in text) / WIDE or 1.0
    return max(6.5, min(_HEADER_SIZE, math.floor(room_pt / ems * 2) / 2))


def _page_setup(ws: Worksheet, landscape: bool, draft: str, meeting: str) -> None:
    """A4, landscape when wide, fit to one page wide, the header row on every page; the page
    header names the meeting (left) and the draft mark (centre); the footer numbers the pages."""
    orientation = "landscape" if landscape else "portrait"
    ws.freeze_panes = "B3"
    ws.print_title_rows = "2:2"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = orientation
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    # one line each (a line break does not survive in LibreOffice): the meeting's name left of the
    # centred draft mark, small enough to stay clear of it
    page = _PAGE_PT[orientation] - 72 * (ws.page_margins.left + ws.page_margins.right)
    mark = sum(char_units(c) for c in draft) / WIDE * _MARK_SIZE
    meeting = meeting[:120].replace("&", "&&")  # & starts a header code
    size = _header_size(meeting, (page - mark) / 2 - 12 if draft else page - 12)
    for header in (ws.oddHeader, ws.evenHeader, ws.firstHeader):
        if meeting:
            header.left.text, header.left.size = meeting, size
        if draft:
            header.center.text, header.center.size, header.center.color = draft, _MARK_SIZE, "C00000"
    for footer in (ws.oddFooter, ws.evenFooter, ws.firstFooter):
        footer.center.text = PAGE_FOOTER
        footer.center.size = _HEADER_SIZE


def write_table(ws: Worksheet, table: Table, draft: str = "", meeting: str = "", landscape: bool | None = None
                ) -> None:
    """A table as a sheet: title row (a draft's mark leading it), header row (repeated on every
    printed page, with an autofilter), bordered body with dates as date cells, columns wide
    enough for dates and unbreakable words, every row as tall as its wrapped text, print setup
    (landscape: by default when the table is wider than ``LANDSCAPE_WIDTH``)."""
    n = max(len(table.header), 1)
    widths = fit_widths([table.header, *table.rows], [*table.widths, *[DEFAULT_WIDTH] * (n - len(table.widths))])
    last = get_column_letter(n)
    ws.append(inert_row(ws, [f"【{draft}】{table.title}" if draft else table.title]))
    title = ws.cell(1, 1)
    title.font, title.alignment = _DRAFT_FONT if draft else _TITLE_FONT, _TITLE_ALIGN
    if n > 1:
        ws.merge_cells(f"A1:{last}1")
    ws.append(inert_row(ws, table.header, HEAD))
    for row in table.rows:  # text from the forms and the roster: never a formula (reports.inert)
        cells = inert_row(ws, row, BODY)
        ws.append(cells)  # the cells themselves go in (ws[ws.max_row] would scan every cell: quadratic)
        for cell in cells:
            if isinstance(cell.value, dt.date):
                cell.number_format = DATE_FORMAT
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.auto_filter.ref = f"A2:{last}{max(2, 2 + len(table.rows))}"
    _page_setup(ws, sum(widths) > LANDSCAPE_WIDTH if landscape is None else landscape, draft, meeting)
    fit_rows(ws)


def _numeric_ranges(ws: Worksheet, cols: range, rows: range) -> str:
    """The cells holding numbers in ``cols`` × ``rows``, as a space-separated list of ranges
    (one per run down a column)."""
    ranges = []
    for c in cols:
        letter, start = get_column_letter(c), None
        for r in [*rows, None]:
            numeric = r is not None and isinstance(ws.cell(r, c).value, int | float)
            if numeric and start is None:
                start = r
            elif not numeric and start is not None:
                end = (r or rows.stop) - 1
                ranges.append(f"{letter}{start}" if start == end else f"{letter}{start}:{letter}{end}")
                start = None
    return " ".join(ranges)


def _colour_days(ws: Worksheet, packet: Packet) -> None:
    """Days under the minimum red, at or above it green — by conditional formatting, so a
    corrected number recolours itself; 未报送 grey and 已报送·待核对 yellow."""
    rows = range(FIRST_DATA_ROW, FIRST_DATA_ROW + len(packet.days.rows))
    cols = range(3, 3 + len(packet.months))
    for r in rows:
        for c in cols:
            cell = ws.cell(r, c)
            cell.alignment = _CENTRE
            if cell.value == MISSING:
                cell.fill = _MISSING_FILL
            elif cell.value == PENDING:
                cell.fill = _PENDING_FILL
    numbers = _numeric_ranges(ws, cols, rows)  # numbers only: in Excel a text compares above any number
    if numbers:
        minimum = [str(packet.days_min)]
        ws.conditional_formatting.add(numbers, CellIsRule(operator="lessThan", formula=minimum, fill=_BAD_FILL,
                                                          font=_BAD_FONT))
        ws.conditional_formatting.add(numbers, CellIsRule(operator="greaterThanOrEqual", formula=minimum,
                                                          fill=_OK_FILL, font=_OK_FONT))


def _mark_unchecked(ws: Worksheet) -> None:
    """A finding resting on an unchecked value, a month received but unchecked: filled yellow."""
    for row in ws.iter_rows(min_row=FIRST_DATA_ROW):
        for cell in row:
            if cell.value in (UNCHECKED, PENDING):
                cell.fill = _PENDING_FILL


_COMPANY = re.compile(r"(?:股份有限公司|有限责任公司|有限公司|公司)$")


def short_name(enterprise: str, county: str = "") -> str:
    """An enterprise as a chart labels it: without the county and the company form
    (青川县恒信机械制造有限公司 → 恒信机械制造)."""
    name = _COMPANY.sub("", enterprise.removeprefix(county) if county else enterprise)
    return name or enterprise


def _put(ws: Worksheet, row: int, column: int, value: Any) -> None:
    """A value into a cell, as inert as ``inert_row`` makes it (names come from the forms)."""
    cell = ws.cell(row, column)
    cell.value = xlsx_value(value)
    guard(cell)


def _chart(ws: Worksheet, packet: Packet) -> None:
    """A clustered column chart native to Excel on a page of its own: days per month for each
    instructor and enterprise (two-level category labels: the instructor under the enterprise's
    short name), the minimum as a red dashed line. The labels and the minimum sit in hidden
    columns right of the table."""
    n = len(packet.days.rows)
    if n == 0:
        return
    last = FIRST_DATA_ROW + n - 1
    helper = len(packet.days.header) + 2  # a gap, then: instructor, enterprise, minimum
    for c, head in enumerate(("图表：指导员", "图表：派驻企业", f"每月最少 {packet.days_min} 天"), start=helper):
        _put(ws, 2, c, head)
        ws.column_dimensions[get_column_letter(c)].hidden = True
    previous = None
    for r, (name, enterprise, *_) in enumerate(packet.days.rows, start=FIRST_DATA_ROW):
        _put(ws, r, helper, None if name == previous else name)  # a blank groups the rows under one name
        _put(ws, r, helper + 1, short_name(str(enterprise), packet.county))
        _put(ws, r, helper + 2, packet.days_min)
        previous = name
    categories = AxDataSource(multiLvlStrRef=MultiLevelStrRef(
        f=str(Reference(ws, min_col=helper, max_col=helper + 1, min_row=FIRST_DATA_ROW, max_row=last))))

    bars = BarChart()
    bars.type, bars.grouping = "col", "clustered"
    bars.add_data(Reference(ws, min_col=3, max_col=2 + len(packet.months), min_row=2, max_row=last),
                  titles_from_data=True)
    line = LineChart()
    line.add_data(Reference(ws, min_col=helper + 2, min_row=2, max_row=last), titles_from_data=True)
    minimum = line.series[0]
    minimum.graphicalProperties.line.solidFill = "C00000"
    minimum.graphicalProperties.line.dashStyle = "dash"
    minimum.graphicalProperties.line.width = 28575  # 2.25 pt
    minimum.marker.symbol = "none"
    minimum.smooth = False
    for series in (*bars.series, minimum):
        series.cat = categories
    bars.title = f"各指导员每月驻企天数（红色虚线：每月最少{packet.days_min}天）"
    bars.y_axis.title = "天数"
    bars.x_axis.title = "派驻企业 / 指导员"
    bars.y_axis.scaling.min = 0
    bars.y_axis.majorUnit = 1
    bars.x_axis.delete = bars.y_axis.delete = False
    bars.legend.position = "b"
    bars.visible_cells_only = False  # the minimum's column is hidden
    bars.height, bars.width = 13, min(24.0, max(16.0, n * 2.6))
    bars += line  # openpyxl's combined chart (bar + line): one plot area, the same axes
    ws.row_breaks.append(Break(id=last))  # the chart prints on a page of its own, whole
    ws.add_chart(bars, f"A{last + 2}")


def _anchor(wb: Workbook, anchor: Anchor) -> None:
    """The chain head the packet is issued on: a custom document property and a row below the
    数据来源 table (read back by `zhidao audit verify --anchor packet.xlsx`)."""
    wb.custom_doc_props.append(StringProperty(name=PROPERTY, value=anchor.text()))
    ws = wb["数据来源"]
    ws.append([])
    values = [f"台账锚点（事件日志第 {anchor.seq} 条）", None, None, None, None,
              "印发时台账事件日志的末条哈希；可用 zhidao audit verify --anchor packet.xlsx 核对台账", anchor.text()]
    ws.append(inert_row(ws, values, BODY))
    ws.cell(ws.max_row, 1).font = _BOLD
    letters = [get_column_letter(c) for c in range(1, len(values) + 1)]
    for letter, width in zip(letters, fit_widths([values], [ws.column_dimensions[x].width for x in letters]),
                             strict=True):
        ws.column_dimensions[letter].width = width  # the hash on one line
    fit_rows(ws, ws.max_row)


def new_workbook() -> Workbook:
    """An empty workbook (no default sheet) with zhidao's named cell styles."""
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    _named_styles(wb)
    return wb


def write_packet_xlsx(path: Path, packet: Packet) -> Path:
    wb = new_workbook()
    sign_in = packet.sign_in  # its last column, 签到, wide enough to sign in
    if sign_in.widths and len(sign_in.widths) == len(sign_in.header):
        sign_in = dataclasses.replace(sign_in, widths=[*sign_in.widths[:-1], max(SIGN_IN_WIDTH, sign_in.widths[-1])])
    tables = (packet.overview, packet.days, packet.submissions, packet.duties, packet.findings, packet.problems,
              sign_in, packet.sources)
    for name, table in zip(SHEETS, tables, strict=True):  # the chart below 驻企天数 is wider than a portrait page
        write_table(wb.create_sheet(name), table, packet.draft, packet.meeting,
                    True if table is packet.days and table.rows else None)
    if packet.half_year:
        for name, table in zip(("半年总结", "考核参考"), packet.half_year, strict=True):
            write_table(wb.create_sheet(name, index=len(wb.sheetnames) - 1), table, packet.draft, packet.meeting)
    _mark_unchecked(wb["核查发现"])
    _mark_unchecked(wb["报送情况"])
    _colour_days(wb["驻企天数"], packet)
    _chart(wb["驻企天数"], packet)
    fit_rows(wb["签到表"], FIRST_DATA_ROW, minimum=SIGN_IN_ROW_PT)
    if packet.anchor is not None:
        _anchor(wb, packet.anchor)
    wb.save(path)
    return path
