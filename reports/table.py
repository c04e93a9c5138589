"""`extract --format table`: a plain-text view for a person at a terminal. It is tab-separated,
so it may end up in a spreadsheet: text from the files is written inert (reports.inert)."""

from __future__ import annotations

from zhidao.ingest.duties import CODE_NAMES
from zhidao.model import FileOutcome

from .inert import csv_field

_COLUMNS = ("instructor", "enterprise", "visit_date", "duties", "signed")


def tsv_field(text: str) -> str:
    """One field of a tab-separated line: inert for a spreadsheet, on one line, no tab inside."""
    out: str = csv_field(text)
    return out.replace("\r\n", " ").replace("\t", " ").replace("\r", " ").replace("\n", " ")


def cell_text(key: str, value: object) -> str:
    """A value as a person reads it: duty names (not codes), 是/否 for signed."""
    if value is None:
        return ""
    if key == "duties":
        codes = value if isinstance(value, tuple | list) else str(value).split(",")
        return "、".join(CODE_NAMES.get(str(c), str(c)) for c in codes if c)
    if isinstance(value, bool):
        return "是" if value else "否"
    return ",".join(str(v) for v in value) if isinstance(value, tuple) else str(value)


def outcomes_to_table(outcomes: list[FileOutcome]) -> str:
    lines = ["\t".join(("文件", "页", "指导员", "企业", "日期", "职责", "签字", "待核"))]
    for o in outcomes:
        for it in o.items:
            cells = [o.source.display, str(it.page)]
            for key in _COLUMNS:
                cells.append(cell_text(key, it.get(key)))
            cells.append(",".join(it.review))
            lines.append("\t".join(tsv_field(c) for c in cells))
        for err in o.errors:
            lines.append("\t".join(tsv_field(c) for c in (o.source.display, "", f"错误 {err.code}：{err.message}")))
    return "\n".join(lines)
