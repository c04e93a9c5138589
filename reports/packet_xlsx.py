"""packet.xlsx: the meeting packet as a print-ready Excel workbook, in Chinese (openpyxl):
A4, landscape where wide, header rows repeated on every page, fit to width, frozen panes,
达标/未达标 coloured, and a native Excel chart of days per instructor per month."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from zhidao.anchor import PROPERTY, Anchor

from .inert import inert_row
from .packet_data import MISSING, PENDING, UNCHECKED, Packet, Table

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDE6F0")
_OK_FILL = PatternFill("solid", fgColor="C6EFCE")
_BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
_MISSING_FILL = PatternFill("solid", fgColor="E7E6E6")
_PENDING_FILL = PatternFill("solid", fgColor="FFEB9C")
_DRAFT_FONT = Font(bold=True, size=14, color="C00000")
_HEAD_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
_BODY_ALIGN = Alignment(vertical="center", wrap_text=True)
_CENTRE = Alignment(horizontal="center", vertical="center")
_BOLD = Font(bold=True)
SHEETS = ("概览", "驻企天数", "报送情况", "六项职责", "核查发现", "问题清单", "签到表", "数据来源")
FIRST_DATA_ROW = 3  # row 1: title, row 2: header


BODY, HEAD = "zhidao-body", "zhidao-head"


def _named_styles(wb: Workbook) -> None:
    """Cell styles registered once: a named style is cheap to give to thousands of cells."""
    wb.add_named_style(NamedStyle(BODY, border=_BORDER, alignment=_BODY_ALIGN))
    wb.add_named_style(NamedStyle(HEAD, border=_BORDER, alignment=_HEAD_ALIGN, font=_BOLD, fill=_HEAD_FILL))


def write_table(ws: Worksheet, table: Table, draft: str = "") -> None:
    """Title row, header row (repeated on every printed page), bordered body, print setup; a
    draft's mark leads the title row and heads every printed page."""
    ws.append(inert_row(ws, [f"【{draft}】{table.title}" if draft else table.title]))
    ws.cell(1, 1).font = _DRAFT_FONT if draft else Font(bold=True, size=14)
    if draft:
        for header in (ws.oddHeader, ws.evenHeader, ws.firstHeader):
            header.center.text = draft
            header.center.color = "C00000"
    ws.append(inert_row(ws, table.header, HEAD))
    for row in table.rows:  # text from the forms and the roster: never a formula (reports.inert)
        ws.append(inert_row(ws, row, BODY))
    for i, width in enumerate(table.widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "B3"
    ws.print_title_rows = "2:2"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if sum(table.widths) > 90 else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True


def _colour_days(ws: Worksheet, packet: Packet) -> None:
    for r in range(FIRST_DATA_ROW, FIRST_DATA_ROW + len(packet.days.rows)):
        for c in range(3, 3 + len(packet.months)):
            cell = ws.cell(r, c)
            cell.alignment = _CENTRE
            if cell.value == MISSING:
                cell.fill = _MISSING_FILL
            elif cell.value == PENDING:
                cell.fill = _PENDING_FILL
            elif isinstance(cell.value, int):
                cell.fill = _OK_FILL if cell.value >= packet.days_min else _BAD_FILL


def _mark_unchecked(ws: Worksheet, packet: Packet) -> None:
    """A finding resting on an unchecked value, a month received but unchecked: filled yellow."""
    for row in ws.iter_rows(min_row=FIRST_DATA_ROW):
        for cell in row:
            if cell.value in (UNCHECKED, PENDING):
                cell.fill = _PENDING_FILL


def _chart(ws: Worksheet, packet: Packet) -> None:
    """A clustered bar chart: days per instructor (and enterprise) per month, native to Excel."""
    n = len(packet.days.rows)
    if n == 0:
        return
    chart = BarChart()
    chart.type = "col"
    chart.title = "各指导员每月驻企天数"
    chart.y_axis.title = "天数"
    chart.height, chart.width = 9, max(16, n * 1.6)
    data = Reference(ws, min_col=3, max_col=2 + len(packet.months), min_row=2, max_row=1 + n + 1)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=FIRST_DATA_ROW, max_row=FIRST_DATA_ROW + n - 1))
    ws.add_chart(chart, f"A{FIRST_DATA_ROW + n + 2}")


def _anchor(wb: Workbook, anchor: Anchor) -> None:
    """The chain head the packet is issued on: a custom document property and a row below the
    数据来源 table (read back by `zhidao audit verify --anchor packet.xlsx`)."""
    wb.custom_doc_props.append(StringProperty(name=PROPERTY, value=anchor.text()))
    ws = wb["数据来源"]
    ws.append([])
    ws.append(inert_row(ws, [f"台账锚点（事件日志第 {anchor.seq} 条）", None, None, None, None,
                             "印发时台账事件日志的末条哈希；可用 zhidao audit verify --anchor packet.xlsx 核对台账",
                             anchor.text()]))
    ws.cell(ws.max_row, 1).font = _BOLD


def write_packet_xlsx(path: Path, packet: Packet) -> Path:
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    _named_styles(wb)
    tables = (packet.overview, packet.days, packet.submissions, packet.duties, packet.findings, packet.problems,
              packet.sign_in, packet.sources)
    for name, table in zip(SHEETS, tables, strict=True):
        write_table(wb.create_sheet(name), table, packet.draft)
    if packet.half_year:
        for name, table in zip(("半年总结", "考核参考"), packet.half_year, strict=True):
            write_table(wb.create_sheet(name, index=len(wb.sheetnames) - 1), table, packet.draft)
    _mark_unchecked(wb["核查发现"], packet)
    _mark_unchecked(wb["报送情况"], packet)
    _colour_days(wb["驻企天数"], packet)
    _chart(wb["驻企天数"], packet)
    sign_in = wb["签到表"]
    for r in range(FIRST_DATA_ROW, sign_in.max_row + 1):
        sign_in.row_dimensions[r].height = 30
    if packet.anchor is not None:
        _anchor(wb, packet.anchor)
    wb.save(path)
    return path
