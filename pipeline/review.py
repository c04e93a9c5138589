"""The human review loop: the values a person should check, out to an Excel sheet and back.

`export`: one row per field named in `review` by the latest run (and not corrected yet), with
the picture of the value on its page (scans, PDFs) or its location (Word, Excel).
`apply`: a filled sheet is checked as a whole — wrong columns or bad values refuse it and
change nothing — then every correction goes into the ledger (who, when, old → new).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from zhidao.errors import REVIEW_SHEET_INVALID, InputError, LedgerError
from zhidao.model import FIELD_LABELS, Location, ReviewItem
from zhidao.store import Ledger
from zhidao.store import queries as q
from zhidao.store.ledger import now
from zhidao.store.queries import RunRecord, StoredValue
from zhidao.text import clean_name, parse_date


@dataclass(frozen=True)
class Correction:
    row: int  # the sheet row it came from
    record_id: str
    field: str
    new: str | None


def shown(field: str, value: str | None) -> str:
    """A stored value as the clerk reads it."""
    if value is None:
        return ""
    if field == "signed":
        return {"true": "是", "false": "否"}.get(value, value)
    if field == "duties":
        from zhidao.ingest.duties import CODE_NAMES

        return "、".join(CODE_NAMES.get(c, c) for c in value.split(",") if c)
    return value


def review_items(ledger: Ledger, with_pictures: bool = True) -> list[ReviewItem]:
    """The fields in review in the latest run of the county that no one has corrected yet, file
    by file, each as read in the reading that run counted."""
    with ledger.read() as conn:
        runs = q.finished_runs(conn, ledger.county)
        if not runs:
            raise LedgerError("LEDGER_EMPTY", "台账中还没有任何运行记录", Path(str(ledger.path)), "请先运行 zhidao run")
        records = sorted((r for r in q.run_records(conn, ledger.county, runs[0].run_id) if r.review),
                         key=lambda r: (r.path, r.record_id))
        values = q.field_values(conn, [(r.reading_id, r.record_id) for r in records])
    corrected = {(c.record_id, c.field) for c in ledger.corrections([r.record_id for r in records])}
    return [_item(r, field, values.get((r.record_id, field)), with_pictures) for r in records
            for field in r.review if field in FIELD_LABELS and (r.record_id, field) not in corrected]


def _item(record: RunRecord, field: str, value: StoredValue | None, with_picture: bool) -> ReviewItem:
    page = (value.page if value else None) or record.page or 1
    location = value.describe(page) if value else Location(page).describe()
    picture = None
    if with_picture and value is not None and value.bbox is not None:
        from zhidao.ingest.crops import value_picture

        picture = value_picture(Path(record.path), page, value.bbox, record.steps)
    return ReviewItem(record.record_id, field, record.path, record.sha256, page, location,
                      shown(field, value.value if value else None), float(value.confidence or 0.0) if value else 0.0,
                      picture)


def parse_value(field: str, text: str) -> tuple[str | None, str | None]:
    """(stored text, None) for a valid corrected value, or (None, why not) in Chinese."""
    t = text.strip()
    if field in ("visit_date", "report_date"):
        day, ok = parse_date(t)
        return (day, None) if day and ok else (None, f"「{t}」不是有效日期（请写成 2026-07-15）")
    if field == "signed":
        yes = {"是": "true", "有": "true", "已签": "true", "否": "false", "无": "false", "未签": "false"}
        return (yes[t], None) if t in yes else (None, f"「{t}」应填 是 或 否")
    if field == "duties":
        from zhidao.ingest.duties import DUTY_NAMES

        parts = [p for p in re.split(r"[、,，;；\s]+", t) if p]
        codes = {DUTY_NAMES.get(p, p.upper()) for p in parts}
        if not parts or not all(re.fullmatch(r"D[1-6]", c) for c in codes):
            return None, f"「{t}」不是职责名称（如 建好党的组织、配强组织班子）"
        return ",".join(sorted(codes)), None
    if field == "instructor":
        name = clean_name(t)
        return (name, None) if name and re.fullmatch(r"[\u4e00-\u9fff·]{2,12}", name) else (None, f"「{t}」不像人名")
    return t, None


def check_corrections(rows: list[tuple[int, str, str, str]], known: set[str], path: Path) -> list[Correction]:
    """(sheet row, record id, field, new text) → corrections; refuses the sheet on any problem."""
    problems, out = [], []
    for row, record_id, field, text in rows:
        if field not in FIELD_LABELS:
            problems.append(f"第{row}行：栏目代码「{field}」不存在")
        elif record_id not in known:
            problems.append(f"第{row}行：记录编号「{record_id}」不在台账中")
        else:
            value, why = parse_value(field, text)
            if why:
                problems.append(f"第{row}行（{FIELD_LABELS[field]}）：{why}")
            else:
                out.append(Correction(row, record_id, field, value))
    if problems:
        raise InputError(REVIEW_SHEET_INVALID, "核对表有误，未做任何更改：" + "；".join(problems[:10]), path,
                         "请改正后重新导入；不要改动表头、记录编号和栏目代码两列")
    return out


def apply_corrections(ledger: Ledger, corrections: list[Correction], who: str) -> int:
    """Every correction in one write transaction: all are recorded, or (on any error) none."""
    at = now()
    with ledger.write() as conn:
        for c in corrections:
            ledger.correct(c.record_id, c.field, c.new, who, at=at, conn=conn)
    return len(corrections)
