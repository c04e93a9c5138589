"""review.xlsx: the values to check, one row each, with the picture of the value embedded."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.drawing.image import Image as XlImage
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from zhidao.model import FIELD_LABELS, ReviewItem

from .inert import inert_row

HEADER = ("序号", "文件", "页", "位置", "栏目", "识别结果", "置信度", "图像", "更正为", "记录编号", "栏目代码")
WIDTHS = (6, 40, 5, 30, 10, 36, 8, 46, 30, 26, 12)
CORRECTION_COLUMN = HEADER.index("更正为") + 1
_GUIDE = (
    "填写说明",
    "1. 每行是一个机器没有把握的数值，请对照“图像”或原文件的“位置”核对。",
    "2. 识别结果有误时，在“更正为”一栏填写正确的值；识别正确的行留空即可。",
    "3. 日期写成 2026-07-15；企业签字填 是 或 否；履行职责写职责名称，多项用顿号分隔。",
    "4. 不要改动表头、“记录编号”和“栏目代码”两列。",
    "5. 填好后运行：zhidao review apply review.xlsx --by 您的姓名。每条更正都会记入台账（何人、何时、原值→新值）。",
)


def write_review_xlsx(path: Path, items: list[ReviewItem]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "待核对"
    ws.append(list(HEADER))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE6F0")
    ws.cell(1, CORRECTION_COLUMN).fill = PatternFill("solid", fgColor="FFF2CC")
    for i, item in enumerate(items, start=1):
        ws.append(inert_row(ws, [i, item.file, item.page, item.location, FIELD_LABELS[item.field], item.value,
                                 round(item.confidence, 2), "" if item.picture else "（无图像，请按位置查看原文件）",
                                 "", item.record_id, item.field]))  # values read from the forms: never formulas
        row = i + 1
        for c in range(1, len(HEADER) + 1):
            ws.cell(row, c).alignment = Alignment(vertical="center", wrap_text=True)
        if item.picture:
            picture = XlImage(io.BytesIO(item.picture))
            scale = min(1.0, 330 / max(1, picture.width), 110 / max(1, picture.height))
            picture.width, picture.height = picture.width * scale, picture.height * scale
            ws.add_image(picture, f"H{row}")
            ws.row_dimensions[row].height = max(30, picture.height * 0.78)
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "B2"
    guide = wb.create_sheet("填写说明")
    for line in _GUIDE:
        guide.append([line])
    guide.column_dimensions["A"].width = 110
    wb.save(path)
    return path
