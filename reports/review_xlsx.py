"""review.xlsx: the values to check, one row each, with the picture of the value embedded.

Sheet 1 使用说明 (how to fill it), sheet 2 待核对 (the rows), and a very hidden sheet
``_zhidao`` holding the sheet's id, the ledger head it was exported at, and a copy of every row
as written — so `review apply` sees a value typed into a column that is not for input, and a
sheet applied twice. Only 核对结果 and 更正为 are unlocked (sheet protection without a
password: the hidden copy catches an edit made after unprotecting).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.drawing.image import Image as XlImage
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from zhidao.ingest.duties import CODE_NAMES
from zhidao.model import FIELD_LABELS

from .inert import inert_row

SHEET, GUIDE, HIDDEN = "待核对", "使用说明", "_zhidao"
CONFIRM, CORRECT = "确认无误", "更正"
VERDICTS = (CONFIRM, CORRECT)
FLAGGED, CORRECTED, CONFIRMED = "待核对", "已更正", "已确认"  # the 状态 column

HEADER = ("序号", "文件", "页", "位置", "指导员", "驻企单位", "驻企日期", "栏目", "识别结果", "原文", "置信度", "状态",
          "图像", "核对结果", "更正为", "记录编号", "栏目代码")
WIDTHS = (5, 18, 4, 22, 8, 16, 10, 8, 20, 20, 6, 7, 40, 10, 20, 12, 9)
INPUTS = ("核对结果", "更正为")  # the only columns a person fills in
VERDICT_COLUMN = HEADER.index("核对结果") + 1
CORRECTION_COLUMN = HEADER.index("更正为") + 1
PICTURE_COLUMN = HEADER.index("图像") + 1
NO_PICTURE = "（无图像，请按位置查看原文件）"
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_FLAG_FILL = PatternFill("solid", fgColor="FCE4D6")


@dataclass(frozen=True)
class SheetItem:
    """One value on the sheet: the value as it stands, what was read, where, and in which record."""

    record_id: str
    field: str
    file: str
    sha256: str
    page: int
    location: str  # page, cell/line and box; an Excel cell with the cell's text
    value: str  # as it stands now (the latest correction, else as read), as the clerk reads it
    raw: str  # the text as read (原文)
    confidence: float
    picture: bytes | None
    status: str  # FLAGGED, CORRECTED, CONFIRMED or "" (not flagged)
    instructor: str
    enterprise: str
    date: str


@dataclass(frozen=True)
class SheetInfo:
    sheet_id: str
    exported: str  # when (Asia/Shanghai)
    upto: int  # the ledger's last event seq when exported: later corrections are newer than the sheet
    scope: str  # what it lists, in Chinese


def _guide(info: SheetInfo, items: Sequence[SheetItem]) -> list[str]:
    flagged = sum(1 for i in items if i.status == FLAGGED)
    return [
        "核对表使用说明",
        f"核对表编号：{info.sheet_id}　　导出时间：{info.exported}　　范围：{info.scope}",
        f"本表共 {len(items)} 行，其中机器标记“待核对”的 {flagged} 行。",
        "",
        "1. 在“待核对”工作表中，每行是一条工作记录中的一个栏目。请对照“图像”“原文”或按“文件”“页”“位置”打开原文件核对。",
        f"2. 识别结果正确：在“核对结果”栏选择“{CONFIRM}”。确认后该项不再出现在下次导出的核对表中。",
        f"3. 识别结果有误：在“更正为”栏填写正确的值（“核对结果”可选“{CORRECT}”，也可留空）。",
        "4. 日期写成 2026-07-15；企业签字选 是 或 否；履行职责写职责名称或编号 1–6，多项用顿号分隔（"
        + "　".join(f"{code[1:]} {name}" for code, name in CODE_NAMES.items()) + "）。",
        "5. 只有“核对结果”“更正为”两栏可以填写（黄色）；其他各栏已锁定，不要改动，也不要在表格外填写。"
        "填错栏目的行会被指出，整张表不予导入。",
        "6. 没有把握的行留空即可，下次导出时仍会列出。",
        "7. 填好后运行：zhidao review apply review.xlsx --by 您的姓名。"
        "每条更正、确认都会记入台账（何人、何时、原值→新值）；同一张核对表重复导入不会重复记录。",
        "8. 导入后重新运行 zhidao run，即按核对后的数据核查并生成交流会材料；仍有未核对项时材料标为“草稿”。",
    ]


def _validations(ws: Worksheet, items: Sequence[SheetItem]) -> None:
    """Dropdowns: 核对结果 on every row, 是/否 on 企业签字 rows; prompts for dates and duties."""
    last = len(items) + 1
    if not items:
        return
    verdict = DataValidation(type="list", formula1='"' + ",".join(VERDICTS) + '"', allow_blank=True,
                             showErrorMessage=True, errorTitle="核对结果", error=f"请选择 {CONFIRM} 或 {CORRECT}")
    verdict.add(f"{get_column_letter(VERDICT_COLUMN)}2:{get_column_letter(VERDICT_COLUMN)}{last}")
    ws.add_data_validation(verdict)
    column = get_column_letter(CORRECTION_COLUMN)
    rows: dict[str, list[str]] = {}
    for row, item in enumerate(items, start=2):
        rows.setdefault(item.field, []).append(f"{column}{row}")
    if "signed" in rows:
        signed = DataValidation(type="list", formula1='"是,否"', allow_blank=True, showErrorMessage=True,
                                errorTitle="企业签字", error="请选择 是 或 否")
        signed.sqref = " ".join(rows["signed"])
        ws.add_data_validation(signed)
    duties = "；".join(f"{code[1:]} {name}" for code, name in CODE_NAMES.items())
    prompts = {"duties": ("履行职责", f"写职责名称或编号，多项用顿号分隔，如 1、3。{duties}"[:255]),
               "visit_date": ("驻企日期", "写成 2026-07-15"), "report_date": ("报送日期", "写成 2026-07-15")}
    for field, (title, text) in prompts.items():
        if field in rows:
            hint = DataValidation(showInputMessage=True, promptTitle=title, prompt=text, allow_blank=True)
            hint.sqref = " ".join(rows[field])
            ws.add_data_validation(hint)


def _print_setup(ws: Worksheet) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


def row_values(index: int, item: SheetItem) -> list[object]:
    """The cells of one sheet row, in HEADER order (the inputs empty)."""
    return [index, Path(item.file).name, item.page, item.location, item.instructor, item.enterprise, item.date,
            FIELD_LABELS.get(item.field, item.field), item.value, item.raw, round(item.confidence, 2), item.status,
            "" if item.picture else NO_PICTURE, "", "", item.record_id, item.field]


def write_review_xlsx(path: Path, items: Sequence[SheetItem], info: SheetInfo) -> Path:
    wb = Workbook()
    guide = wb.active
    assert guide is not None
    guide.title = GUIDE
    for line in _guide(info, items):
        guide.append(inert_row(guide, [line]))
    guide.cell(1, 1).font = Font(bold=True, size=14)
    guide.column_dimensions["A"].width = 120
    for r in range(1, guide.max_row + 1):
        guide.cell(r, 1).alignment = Alignment(wrap_text=True, vertical="top")
    _print_setup(guide)

    ws = wb.create_sheet(SHEET)
    ws.append(list(HEADER))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE6F0")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for c in (VERDICT_COLUMN, CORRECTION_COLUMN):
        ws.cell(1, c).fill = _INPUT_FILL
    hidden = wb.create_sheet(HIDDEN)
    hidden.append(["sheet_id", info.sheet_id, "upto", info.upto, "exported", info.exported])
    hidden.append(list(HEADER))
    for i, item in enumerate(items, start=1):
        values = row_values(i, item)
        ws.append(inert_row(ws, values))  # values read from the forms: never formulas
        hidden.append(inert_row(hidden, values))
        row = i + 1
        for c in range(1, len(HEADER) + 1):
            ws.cell(row, c).alignment = Alignment(vertical="center", wrap_text=True)
        for c in (VERDICT_COLUMN, CORRECTION_COLUMN):
            ws.cell(row, c).protection = Protection(locked=False)
            ws.cell(row, c).fill = _INPUT_FILL
        if item.status == FLAGGED:
            ws.cell(row, HEADER.index("状态") + 1).fill = _FLAG_FILL
        if item.picture:
            picture = XlImage(io.BytesIO(item.picture))
            scale = min(1.0, 330 / max(1, picture.width), 110 / max(1, picture.height))
            picture.width, picture.height = picture.width * scale, picture.height * scale
            ws.add_image(picture, f"{get_column_letter(PICTURE_COLUMN)}{row}")
            ws.row_dimensions[row].height = max(30, picture.height * 0.78)
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "B2"
    _validations(ws, items)
    _print_setup(ws)
    ws.print_area = f"A1:{get_column_letter(CORRECTION_COLUMN)}{len(items) + 1}"  # the keys are not for paper
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # widths and heights may be changed
    ws.protection.formatRows = False
    hidden.sheet_state = "veryHidden"
    hidden.protection.sheet = True
    wb.active = 0  # opens on 使用说明
    wb.save(path)
    return path
