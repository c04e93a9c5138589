"""The human review loop: the values a person should check, out to an Excel sheet and back.

`export`: one row per field named in `review` by the latest run (and not corrected yet), with
the picture of the value on its page (scans, PDFs) or its location (Word, Excel).
`apply`: a filled sheet is checked as a whole — wrong columns or bad values refuse it and
change nothing — then every correction goes into the ledger (who, when, old → new).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from zhidao.errors import REVIEW_SHEET_INVALID, InputError, LedgerError
from zhidao.model import FIELD_LABELS, ReviewItem
from zhidao.store import Ledger
from zhidao.text import clean_name, parse_date

_BBOX = re.compile(r"bbox (-?\d+),(-?\d+),(-?\d+),(-?\d+)")


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
    """The latest run's fields in review that no one has corrected yet, file by file."""
    conn = ledger.conn
    run = conn.execute("SELECT MAX(run_id) FROM runs").fetchone()[0]
    if run is None:
        raise LedgerError("LEDGER_EMPTY", "台账中还没有任何运行记录", ledger.path, "请先运行 zhidao run")
    corrected = {(c.record_id, c.field) for c in ledger.corrections()}
    rows = conn.execute(
        "SELECT r.record_id, r.review, r.sha256, r.page, r.fields, f.path FROM records r"
        " JOIN run_records rr ON rr.record_id = r.record_id AND rr.run_id = ?"
        " JOIN files f ON f.sha256 = r.sha256 WHERE r.review <> '' ORDER BY f.path, r.record_id", (run,)).fetchall()
    items = []
    for record_id, review, sha, page, fields_json, path in rows:
        steps = json.loads(json.loads(fields_json).get("steps") or "{}")
        for field in (f for f in review.split(",") if f in FIELD_LABELS and (record_id, f) not in corrected):
            value = conn.execute("SELECT value, confidence, location, page FROM field_values WHERE record_id = ?"
                                 " AND field = ?", (record_id, field)).fetchone() or (None, 0.0, None, page)
            location = value[2] or ""
            picture = None
            if with_pictures and (box := _BBOX.search(location)):
                from zhidao.ingest.crops import value_picture

                bbox = tuple(float(v) for v in box.groups())
                picture = value_picture(Path(path), int(value[3] or page), bbox, steps)  # type: ignore[arg-type]
            items.append(ReviewItem(record_id, field, path, sha, int(value[3] or page), location,
                                    shown(field, value[0]), float(value[1] or 0.0), picture))
    return items


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
    for c in corrections:
        ledger.correct(c.record_id, c.field, c.new, who)
    return len(corrections)
