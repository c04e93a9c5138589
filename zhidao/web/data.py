"""What the station's pages show, read from the ledger (through zhidao.store) and from the
latest run's published outputs in OUT (findings.jsonl, attendance.csv, the packet)."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from zhidao.model import FIELD_LABELS, ReviewItem
from zhidao.pipeline.review import review_items, shown
from zhidao.store import CORRECTABLE, Correction, Ledger
from zhidao.store import queries as q
from zhidao.store.ledger import current_reading_ids
from zhidao.store.queries import RunRecord, RunRow, StoredValue

LABELS = {**FIELD_LABELS, "form_month": "所属月份"}
SEVERITY = {"error": "问题", "warning": "提醒", "info": "说明"}
STATUS = {
    "ok": "计入", "missing_instructor": "没有填写指导员", "unknown_instructor": "指导员不在名单中",
    "enterprise_missing": "没有填写驻企企业", "enterprise_mismatch": "企业不是派驻企业",
    "enterprise_ambiguous": "企业名称无法确定", "date_missing": "没有驻企日期", "date_future": "日期晚于核查基准日",
    "date_outside_month": "日期不在该表所属月份",
}
PACKET_FILES = ("packet.pdf", "packet.xlsx")
DOWNLOADS = (*PACKET_FILES, "findings.jsonl", "attendance.csv", "records.jsonl")


@dataclass(frozen=True)
class FieldView:
    field: str
    label: str
    value: str  # after every correction, as the clerk reads it
    read: str  # as read from the file
    raw: str | None
    confidence: float | None
    location: str
    flagged: bool  # named for review by the run
    has_box: bool  # a page picture with the value's box can be drawn
    corrections: tuple[Correction, ...]

    @property
    def checked(self) -> bool:
        return bool(self.corrections)


@dataclass(frozen=True)
class RecordView:
    record_id: str
    record: RunRecord | None  # as the latest run counted it (None: not in that run)
    fields: tuple[FieldView, ...]

    @property
    def file(self) -> str:
        """The file's name as the clerk knows it (the machine path is in the trace)."""
        return PurePath(self.record.path).name if self.record else ""

    def field(self, name: str) -> FieldView | None:
        return next((f for f in self.fields if f.field == name), None)


@dataclass(frozen=True)
class Overview:
    run: RunRow | None
    pending: int  # corrections made after the latest run (not yet in its findings)
    corrections: int


def latest_run(ledger: Ledger) -> RunRow | None:
    with ledger.read() as conn:
        runs = q.finished_runs(conn, ledger.county)
    return runs[0] if runs else None


def overview(ledger: Ledger) -> Overview:
    with ledger.read() as conn:
        runs = q.finished_runs(conn, ledger.county)
        upto = q.run_event_seqs(conn, ledger.county, runs[0].run_id)[1] if runs else None
    corrections = ledger.corrections()
    pending = sum(1 for c in corrections if upto is None or c.event_seq > upto)
    return Overview(runs[0] if runs else None, pending if runs else 0, len(corrections))


def queue(ledger: Ledger) -> list[ReviewItem]:
    """The values to check, most doubtful first: the lowest confidence, empty values first."""
    if latest_run(ledger) is None:
        return []
    items = review_items(ledger, with_pictures=False)
    return sorted(items, key=lambda i: (i.confidence, bool(i.value), i.file, i.record_id, i.field))


def run_records(ledger: Ledger, instructor: str | None = None) -> list[RunRecord]:
    with ledger.read() as conn:
        runs = q.finished_runs(conn, ledger.county)
        if not runs:
            return []
        return q.run_records(conn, ledger.county, runs[0].run_id, instructor)


def record_view(ledger: Ledger, record_id: str) -> RecordView | None:
    """Every field of a record: as the latest run counted it, else from its current reading."""
    with ledger.read() as conn:
        runs = q.finished_runs(conn, ledger.county)
        record = next((r for r in q.run_records(conn, ledger.county, runs[0].run_id) if r.record_id == record_id),
                      None) if runs else None
        reading = record.reading_id if record else current_reading_ids(conn, ledger.county, [record_id]).get(
            record_id)
        if reading is None:
            return None
        values = q.field_values(conn, [(reading, record_id)])
    fixes: dict[str, list[Correction]] = {}
    for c in ledger.corrections([record_id]):
        fixes.setdefault(c.field, []).append(c)
    flagged = set(record.review) if record else set()
    fields = [_field(name, values.get((record_id, name)), fixes.get(name, []), name in flagged)
              for name in CORRECTABLE if name in LABELS and (name in FIELD_LABELS or (record_id, name) in values)]
    return RecordView(record_id, record, tuple(fields))


def _field(name: str, v: StoredValue | None, fixes: list[Correction], flagged: bool) -> FieldView:
    read = v.value if v else None
    current = fixes[-1].new if fixes else read
    return FieldView(name, LABELS[name], shown(name, current), shown(name, read), v.raw if v else None,
                     v.confidence if v else None, v.describe() if v else "（表上没有找到）", flagged and not fixes,
                     bool(v and v.bbox), tuple(fixes))


def stored_value(ledger: Ledger, record_id: str, field: str) -> tuple[RunRecord | None, StoredValue | None]:
    with ledger.read() as conn:
        runs = q.finished_runs(conn, ledger.county)
        record = next((r for r in q.run_records(conn, ledger.county, runs[0].run_id) if r.record_id == record_id),
                      None) if runs else None
        if record is None:
            return None, None
        return record, q.field_values(conn, [(record.reading_id, record_id)], [field]).get((record_id, field))


# -- the published outputs of the latest run ------------------------------------------------------


def findings(out: Path) -> list[dict[str, Any]]:
    path = out / "findings.jsonl"
    if not path.is_file():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    order = {"error": 0, "warning": 1}
    return sorted(rows, key=lambda f: (order.get(f.get("severity") or "", 2), f.get("instructor") or "",
                                       f.get("month") or "", f.get("rule") or ""))


def attendance(out: Path) -> list[dict[str, str]]:
    path = out / "attendance.csv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@dataclass(frozen=True)
class InstructorDays:
    instructor: str
    months: tuple[str, ...]
    rows: tuple[tuple[str, tuple[int, ...]], ...]  # (enterprise, days per month)

    @property
    def totals(self) -> tuple[int, ...]:
        return tuple(sum(days[i] for _, days in self.rows) for i in range(len(self.months)))


def instructors(out: Path) -> list[InstructorDays]:
    """Days per month of each instructor (attendance.csv), in the roster's order."""
    rows = attendance(out)
    months = tuple(sorted({r["month"] for r in rows}))
    table: dict[str, dict[str, dict[str, int]]] = {}
    for r in rows:
        per = table.setdefault(r["instructor"], {}).setdefault(r["enterprise"], {})
        per[r["month"]] = per.get(r["month"], 0) + int(float(r["days"] or 0))
    return [InstructorDays(name, months, tuple((e, tuple(days.get(m, 0) for m in months))
                                               for e, days in per.items())) for name, per in table.items()]


@dataclass(frozen=True)
class OutputFile:
    name: str
    size: int
    sha256: str


def outputs(out: Path, names: Iterable[str] = PACKET_FILES) -> list[OutputFile]:
    found = []
    for name in names:
        path = out / name
        if path.is_file():
            data = path.read_bytes()
            found.append(OutputFile(name, len(data), hashlib.sha256(data).hexdigest()))
    return found
