"""notice.xlsx: the monthly notice as an Excel workbook — a 通报 sheet (title, issuing unit,
date, the notice's paragraphs) and one sheet per list, printed as the packet's sheets are."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Font, PatternFill

from zhidao.anchor import PROPERTY
from zhidao.dates import date_zh

from .inert import inert_row
from .notice_data import Notice
from .packet_xlsx import FIRST_DATA_ROW, fit_rows, new_workbook, write_table

NOTICE_SHEETS = ("通报", "驻企天数不足", "未报送", "逾期报送", "未签字", "其他发现", "全体情况", "数据来源")
_WRAP = Alignment(wrap_text=True, vertical="top")
_RED = PatternFill("solid", fgColor="FFC7CE")
_GREEN = PatternFill("solid", fgColor="C6EFCE")


def _front(wb: Workbook, notice: Notice) -> None:
    ws = wb.create_sheet(NOTICE_SHEETS[0])
    ws.column_dimensions["A"].width = 100
    lines: list[tuple[str, Font]] = []
    if notice.draft:
        lines.append((f"【{notice.draft}】", Font(bold=True, size=14, color="C00000")))
    lines.append((notice.title, Font(bold=True, size=16)))
    lines += [(p, Font(size=12)) for p in notice.summary]
    lines.append((notice.issuer, Font(size=12)))
    lines.append((date_zh(notice.made), Font(size=12)))
    for text, font in lines:
        ws.append(inert_row(ws, [text]))
        cell = ws.cell(ws.max_row, 1)
        cell.font, cell.alignment = font, _WRAP
    fit_rows(ws, minimum=22)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def write_notice_xlsx(path: Path, notice: Notice) -> Path:
    wb = new_workbook()
    _front(wb, notice)
    for name, table in zip(NOTICE_SHEETS[1:], notice.sections, strict=True):
        write_table(wb.create_sheet(name), table, notice.draft, notice.title.replace("\n", ""))
    everyone = wb["全体情况"]
    last = everyone.max_row
    if last >= FIRST_DATA_ROW:  # the days column: under the minimum red, at or above it green (numbers only:
        # in Excel a text such as 未报送 compares greater than any number)
        top, days = f"D{FIRST_DATA_ROW}", f"D{FIRST_DATA_ROW}:D{last}"
        everyone.conditional_formatting.add(days, FormulaRule(
            formula=[f"AND(ISNUMBER({top}),{top}<{notice.days_min})"], fill=_RED))
        everyone.conditional_formatting.add(days, FormulaRule(
            formula=[f"AND(ISNUMBER({top}),{top}>={notice.days_min})"], fill=_GREEN))
    if notice.anchor is not None:
        wb.custom_doc_props.append(StringProperty(name=PROPERTY, value=notice.anchor.text()))
    wb.save(path)
    return path
