"""`extract --format table`: a plain-text view for a person at a terminal."""

from __future__ import annotations

from zhidao.model import FileOutcome

_COLUMNS = ("instructor", "enterprise", "visit_date", "duties", "signed")


def outcomes_to_table(outcomes: list[FileOutcome]) -> str:
    lines = ["\t".join(("文件", "页", "指导员", "企业", "日期", "职责", "签字", "待核"))]
    for o in outcomes:
        for it in o.items:
            cells = [o.source.display, str(it.page)]
            for key in _COLUMNS:
                v = it.get(key)
                cells.append(",".join(v) if isinstance(v, tuple) else "" if v is None else str(v))
            cells.append(",".join(it.review))
            lines.append("\t".join(cells))
        for err in o.errors:
            lines.append("\t".join((o.source.display, "", f"错误 {err.code}：{err.message}")))
    return "\n".join(lines)
