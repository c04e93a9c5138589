"""Read a filled review.xlsx back (the only reading of it is here, in ingest): every row's
核对结果 and 更正为, after checking the sheet still has its columns, and every cell typed
where no input belongs (compared with the copy of each row kept in the hidden sheet)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zhidao.errors import REVIEW_SHEET_INVALID, InputError
from zhidao.model import Limits

from .limits import check_office_zip


@dataclass(frozen=True)
class FilledRow:
    row: int  # the sheet row
    record_id: str
    field: str
    verdict: str  # 核对结果 as chosen ("" when left empty)
    text: str  # 更正为 as typed ("" when left empty)


@dataclass(frozen=True)
class FilledSheet:
    sheet_id: str  # "" for a sheet without the hidden copy (made by hand or by an older zhidao)
    upto: int  # the ledger's last event seq when the sheet was exported
    rows: list[FilledRow]  # every row of the sheet, filled or not
    misplaced: list[str]  # in Chinese: a value typed in a column (or outside the table) not for input


def _text(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return str(value.strftime("%Y-%m-%d"))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_review_sheet(path: Path, header: tuple[str, ...], sheet: str = "待核对", hidden: str = "_zhidao",
                      inputs: tuple[str, ...] = ("核对结果", "更正为")) -> FilledSheet:
    """Every row of the sheet with its inputs; the cells typed where they do not belong."""
    import openpyxl

    from .xlsx import openpyxl_errors

    check_office_zip(path, Limits())
    with path.open("rb") as fh, openpyxl_errors(path, "核对表"):
        wb = openpyxl.load_workbook(fh, data_only=True, read_only=True)
        try:
            if sheet not in wb.sheetnames:
                raise InputError(REVIEW_SHEET_INVALID, f"找不到“{sheet}”工作表", path,
                                 "请使用 zhidao review export 导出的核对表")
            rows = [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]
            copy = [tuple(r) for r in wb[hidden].iter_rows(values_only=True)] if hidden in wb.sheetnames else []
        finally:
            wb.close()
    got = tuple(_text(v) for v in (rows[0] if rows else ()))[: len(header)]
    if got != header:
        missing = [h for h in header if h not in got]
        what = "缺少：" + "、".join(missing) if missing else "栏目顺序不对"
        raise InputError(REVIEW_SHEET_INVALID, f"核对表的表头被改动（{what}），未做任何更改", path,
                         "请重新导出核对表，只在“核对结果”“更正为”两栏填写")
    sheet_id, upto = "", 0
    if copy and copy[0] and copy[0][0] == "sheet_id":
        sheet_id, upto = _text(copy[0][1]), int(copy[0][3] or 0)
    originals = copy[2:] if sheet_id else []
    at = {h: header.index(h) for h in ("记录编号", "栏目代码", *inputs)}
    open_columns = {header.index(h) for h in inputs}
    out, misplaced = [], []
    for number, row in enumerate(rows[1:], start=2):
        cells = [_text(v) for v in row]
        cells += [""] * (len(header) - len(cells))
        original = originals[number - 2] if number - 2 < len(originals) else None
        if original is None:
            if any(cells) and sheet_id:
                misplaced.append(f"第{number}行：在表格下方填写了内容（新加的行不能导入）")
            elif any(cells):  # a sheet without its copy: a row is what its key columns say
                out.append(FilledRow(number, cells[at["记录编号"]], cells[at["栏目代码"]], cells[at[inputs[0]]],
                                     cells[at[inputs[1]]]))
            continue
        before = [_text(v) for v in original] + [""] * len(header)
        changed = [header[c] for c in range(len(header)) if c not in open_columns and cells[c] != before[c]]
        outside = [c for c in range(len(header), len(cells)) if cells[c]]
        if changed:
            misplaced.append(f"第{number}行：改动了不能填写的“{'”“'.join(changed)}”栏（更正值请填在“更正为”栏）")
        if outside:
            misplaced.append(f"第{number}行：在表格右侧（第{outside[0] + 1}列）填写了内容（更正值请填在“更正为”栏）")
        # the keys are taken from the copy, so a changed key column cannot point a correction elsewhere
        out.append(FilledRow(number, before[at["记录编号"]], before[at["栏目代码"]], cells[at[inputs[0]]],
                             cells[at[inputs[1]]]))
    return FilledSheet(sheet_id, upto, out, misplaced)
