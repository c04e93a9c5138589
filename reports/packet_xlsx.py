"""packet.xlsx: the quarterly meeting packet as a print-ready Excel workbook (in Chinese)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from zhidao.context import RunContext
from zhidao.frames import rows_of
from zhidao.results import Ingested, Validated
from zhidao.validate.rules import RULES

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDE6F0")
_OK_FILL = PatternFill("solid", fgColor="C6EFCE")
_BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
_MISSING_FILL = PatternFill("solid", fgColor="EEEEEE")
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


def _table(ws: Worksheet, title: str, header: list[str], rows: list[list[Any]], widths: list[int]) -> None:
    """Title row, header row (repeated on every printed page), bordered body, print setup."""
    ws.append([title])
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.append(header)
    for c in range(1, len(header) + 1):
        cell = ws.cell(2, c)
        cell.font = Font(bold=True)
        cell.fill = _HEAD_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER
    for row in rows:
        ws.append(row)
    for r in range(3, ws.max_row + 1):
        for c in range(1, len(header) + 1):
            ws.cell(r, c).border = _BORDER
            ws.cell(r, c).alignment = Alignment(vertical="center", wrap_text=True)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "B3"
    ws.print_title_rows = "2:2"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if sum(widths) > 100 else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _overview(ws: Worksheet, ctx: RunContext, ingested: Ingested, validated: Validated) -> None:
    findings = validated.findings
    inbox = ingested.files[ingested.files["role"] == "inbox"]
    rows: list[list[Any]] = [
        ["季度", ctx.quarter.label],
        ["核查基准日", ctx.as_of.isoformat()],
        ["指导员人数", int(ingested.roster["name"].nunique())],
        ["派驻企业数", int(ingested.roster["enterprise"].nunique())],
        ["收到文件数", len(inbox)],
        ["无法读取的文件数", int((inbox["status"] == "error").sum())],
        ["工作记录条数", len(ingested.records)],
        ["待人工核对的记录条数", int((ingested.records["review"].fillna("") != "").sum())],
    ]
    for sev in ("error", "warning", "info"):
        rows.append([f"核查发现（{SEVERITY_ZH[sev]}）", int((findings["severity"] == sev).sum())])
    rows.append(["生成时间", dt.datetime.now().strftime("%Y-%m-%d %H:%M")])
    _table(ws, f"{ctx.quarter.label}非公企业党建工作指导员工作情况概览", ["项目", "数值"], rows, [28, 30])


def _days(ws: Worksheet, ctx: RunContext, ingested: Ingested, validated: Validated) -> None:
    att = validated.attendance
    months = list(ctx.quarter.months)
    reported = set(zip(validated.matches["instructor"], validated.matches["month"], strict=True))
    header = ["指导员", "派驻企业", *[f"{m[:4]}年{int(m[5:])}月" for m in months], "季度合计"]
    rows, status = [], []
    for (name, enterprise), grp in att.groupby(["instructor", "enterprise"], sort=True):
        by_month = dict(zip(grp["month"], grp["days"], strict=True))
        cells: list[Any] = [name, enterprise]
        marks = []
        for m in months:
            if (name, m) not in reported and m < ctx.as_of.isoformat()[:7]:
                cells.append("未报送")
                marks.append(_MISSING_FILL)
            else:
                days = int(by_month.get(m, 0))
                cells.append(days)
                marks.append(_OK_FILL if days >= ctx.profile.days_min else _BAD_FILL)
        cells.append(int(grp["days"].sum()))
        rows.append(cells)
        status.append(marks)
    _table(ws, f"驻企天数（每月不少于 {ctx.profile.days_min} 天）", header, rows, [12, 34, 12, 12, 12, 12])
    for r, marks in enumerate(status, start=3):
        for c, fill in enumerate(marks, start=3):
            ws.cell(r, c).fill = fill
            ws.cell(r, c).alignment = Alignment(horizontal="center")


def _findings(ws: Worksheet, validated: Validated) -> None:
    rows = []
    for f in rows_of(validated.findings):
        sources = "；".join(json.loads(f["sources"])) if f["sources"] else ""
        rows.append([SEVERITY_ZH.get(f["severity"], f["severity"]), RULES[f["rule"]].title, f["rule"],
                     f["instructor"], f["enterprise"], f["month"], f["date"], f["message"], sources])
    header = ["级别", "问题", "规则", "指导员", "企业", "月份", "日期", "说明", "来源文件"]
    _table(ws, "核查发现", header, rows, [8, 16, 20, 10, 28, 10, 12, 50, 40])


def _sources(ws: Worksheet, ingested: Ingested) -> None:
    rows = [[f["path"], {"roster": "名单", "inbox": "工作记录"}.get(f["role"], f["role"]), f["medium"],
             {"ok": "已读取", "partial": "部分读取", "error": "无法读取"}.get(f["status"], f["status"]),
             f["items"], f["error_message"], f["sha256"]]
            for f in rows_of(ingested.files)]
    header = ["文件", "类别", "格式", "状态", "记录数", "说明", "SHA-256"]
    _table(ws, "数据来源", header, rows, [50, 10, 8, 10, 8, 40, 66])


def write_packet_xlsx(path: Path, ctx: RunContext, ingested: Ingested, validated: Validated) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "概览"
    _overview(ws, ctx, ingested, validated)
    _days(wb.create_sheet("驻企天数"), ctx, ingested, validated)
    _findings(wb.create_sheet("核查发现"), validated)
    _sources(wb.create_sheet("数据来源"), ingested)
    wb.save(path)
    return path
