"""Read a filled review.xlsx back (the only reading of it is here, in ingest): the rows whose
"更正为" was filled in, after checking the sheet still has its columns."""

from __future__ import annotations

from pathlib import Path

from zhidao.errors import REVIEW_SHEET_INVALID, InputError
from zhidao.model import Limits

from .limits import check_office_zip


def read_review_sheet(path: Path, header: tuple[str, ...]) -> list[tuple[int, str, str, str]]:
    """(sheet row, record id, field code, corrected text) of every filled row."""
    import openpyxl

    from .xlsx import openpyxl_errors

    check_office_zip(path, Limits())
    with path.open("rb") as fh, openpyxl_errors(path, "核对表"):
        wb = openpyxl.load_workbook(fh, data_only=True, read_only=True)
        try:
            if "待核对" not in wb.sheetnames:
                raise InputError(REVIEW_SHEET_INVALID, "找不到“待核对”工作表", path,
                                 "请使用 zhidao review export 导出的核对表")
            rows = list(wb["待核对"].iter_rows(values_only=True))
        finally:
            wb.close()
    got = tuple(str(v).strip() if v is not None else "" for v in (rows[0] if rows else ()))[: len(header)]
    if got != header:
        missing = [h for h in header if h not in got]
        what = "缺少：" + "、".join(missing) if missing else "栏目顺序不对"
        raise InputError(REVIEW_SHEET_INVALID, f"核对表的表头被改动（{what}），未做任何更改", path,
                         "请重新导出核对表，只在“更正为”一栏填写")
    fix, rid, code = header.index("更正为"), header.index("记录编号"), header.index("栏目代码")
    out = []
    for number, row in enumerate(rows[1:], start=2):
        value = row[fix] if len(row) > fix else None
        if value is None or str(value).strip() == "":
            continue
        text = value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else str(value)
        out.append((number, str(row[rid] or ""), str(row[code] or ""), text))
    return out
