"""The reads behind `zhidao trace` and the review loop: typed rows out of the store, one county
at a time (SQLAlchemy Core, nothing dialect-specific). A run's records are read from the reading
that run counted (``run_records.reading_id``), never from whichever reading is current now."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from zhidao.audit import RUN_FINISHED, RUN_STARTED
from zhidao.model import Location

from . import schema as t
from .ledger import current_reading_ids


@dataclass(frozen=True)
class RunRow:
    run_id: int
    quarter: str
    started: str
    finished: str | None


@dataclass(frozen=True)
class StoredValue:
    """One field value of a reading, with its typed source."""

    record_id: str
    field: str
    value: str | None
    raw: str | None
    confidence: float | None
    page: int | None
    bbox: tuple[float, float, float, float] | None
    cell: str | None
    line: str | None

    def location(self, page: int | None = None) -> Location:
        return Location(self.page or page or 1, self.bbox, self.cell, self.line)

    def describe(self, page: int | None = None) -> str:
        """Where the value stands, as a person looks for it ("p1 table 1 row 3 col 2 bbox …")."""
        return self.location(page).describe()


@dataclass(frozen=True)
class RunRecord:
    """A record as a run counted it: its match and the reading it came from."""

    record_id: str
    reading_id: int  # the reading the run counted (the current one for a match that names none)
    sha256: str
    path: str  # the name the run saw the file under (else the one it first arrived under)
    page: int | None
    instructor_written: str | None
    enterprise_written: str | None
    visit_date: str | None  # as read from the form
    review: tuple[str, ...]
    steps: dict[str, str]
    instructor: str | None  # the roster instructor it was matched to
    enterprise: str | None  # the roster enterprise it was matched to
    month: str | None
    status: str | None
    counted: bool


@dataclass(frozen=True)
class FindingRow:
    rule: str
    severity: str | None
    instructor: str | None
    enterprise: str | None
    month: str | None
    date: str | None
    message: str | None


def finished_runs(conn: Connection, county: str) -> list[RunRow]:
    """The county's finished runs, the latest first."""
    r = t.runs.c
    rows = conn.execute(select(r.run_id, r.quarter, r.started, r.finished).where(
        r.county == county, r.finished.is_not(None)).order_by(r.run_id.desc()))
    return [RunRow(int(i), str(q or ""), str(s), f) for i, q, s, f in rows]


def has_matches(conn: Connection, county: str, run_id: int) -> bool:
    m, r = t.run_records.c, t.runs.c
    return conn.execute(select(m.record_id).join(t.runs, r.run_id == m.run_id).where(
        r.county == county, m.run_id == run_id).limit(1)).first() is not None


def run_records(conn: Connection, county: str, run_id: int, instructor: str | None = None,
                month: str | None = None) -> list[RunRecord]:
    """The run's matched records (of one instructor and month, when given), each from the
    reading the run counted, ordered by the date read and the record id."""
    m, r = t.run_records.c, t.runs.c
    query = select(m.record_id, m.reading_id, m.instructor, m.enterprise, m.month, m.status, m.counted).join(
        t.runs, r.run_id == m.run_id).where(r.county == county, m.run_id == run_id)
    if instructor is not None:
        query = query.where(m.instructor == instructor)
    if month is not None:
        query = query.where(m.month == month)
    matches = conn.execute(query).all()
    missing = [str(row[0]) for row in matches if row[1] is None]
    fallback = current_reading_ids(conn, county, missing) if missing else {}
    readings: dict[str, int] = {}
    for row in matches:
        reading = fallback.get(str(row[0])) if row[1] is None else int(row[1])
        if reading is not None:
            readings[str(row[0])] = reading
    stored = _records(conn, county, [(k, rid) for rid, k in readings.items()])
    paths = run_paths(conn, county, run_id)
    out = []
    for rid, _, matched_instructor, enterprise, month_, status, counted in matches:
        rec = stored.get((readings.get(str(rid), -1), str(rid)))
        if rec is None:
            continue  # a match whose reading is gone: nothing to show
        sha = str(rec["sha256"])
        out.append(RunRecord(
            str(rid), int(rec["reading_id"]), sha, paths.get(sha) or str(rec["path"]), rec["page"],
            rec["instructor"], rec["enterprise"], rec["visit_date"], _review(rec["review"]),
            dict(rec["steps"] or {}), matched_instructor, enterprise, month_, status, bool(counted)))
    return sorted(out, key=lambda x: (x.visit_date or "", x.record_id))


def _records(conn: Connection, county: str, keys: list[tuple[int, str]]) -> dict[tuple[int, str], dict[str, Any]]:
    """(reading id, record id) → the stored record, with the path the file first arrived under."""
    rec, f = t.records.c, t.files.c
    wanted = set(keys)
    out: dict[tuple[int, str], dict[str, Any]] = {}
    for chunk in _chunks(sorted({k for k, _ in wanted})):
        rows = conn.execute(select(rec.reading_id, rec.record_id, rec.sha256, rec.page, rec.instructor,
                                   rec.enterprise, rec.visit_date, rec.review, rec.steps, f.path)
                            .join(t.files, (f.county == rec.county) & (f.sha256 == rec.sha256))
                            .where(rec.county == county, rec.reading_id.in_(chunk))).mappings()
        for row in rows:
            key = (int(row["reading_id"]), str(row["record_id"]))
            if key in wanted:
                out[key] = dict(row)
    return out


def run_paths(conn: Connection, county: str, run_id: int) -> dict[str, str]:
    """sha256 → the (first, by name) path a run saw the file under."""
    rf, r = t.run_files.c, t.runs.c
    rows = conn.execute(select(rf.sha256, func.min(rf.path)).join(t.runs, r.run_id == rf.run_id).where(
        r.county == county, rf.run_id == run_id).group_by(rf.sha256))
    return {str(sha): str(path) for sha, path in rows if sha}


def field_values(conn: Connection, keys: Iterable[tuple[int, str]], fields: Iterable[str] | None = None
                 ) -> dict[tuple[str, str], StoredValue]:
    """(record id, field) → the stored value, for (reading id, record id) pairs (readings are
    a county's own: their ids come from the county's runs)."""
    v = t.field_values.c
    wanted = set(keys)
    names = set(fields) if fields is not None else None
    out: dict[tuple[str, str], StoredValue] = {}
    for chunk in _chunks(sorted({k for k, _ in wanted})):
        query = select(v.reading_id, v.record_id, v.field, v.value, v.raw, v.confidence, v.page, v.bbox, v.cell,
                       v.line).where(v.reading_id.in_(chunk))
        if names is not None:
            query = query.where(v.field.in_(sorted(names)))
        for reading, rid, field, value, raw, conf, page, bbox, cell, line in conn.execute(query):
            if (int(reading), str(rid)) in wanted:
                out[(str(rid), str(field))] = StoredValue(
                    str(rid), str(field), value, raw, None if conf is None else float(conf),
                    None if page is None else int(page), _bbox(bbox), cell, line)
    return out


def run_findings(conn: Connection, county: str, run_id: int, instructor: str, month: str) -> list[FindingRow]:
    f = t.findings.c
    rows = conn.execute(select(f.rule, f.severity, f.instructor, f.enterprise, f.month, f.date, f.message).where(
        f.county == county, f.run_id == run_id, f.instructor == instructor, f.month == month
    ).order_by(f.finding_id))
    return [FindingRow(*row) for row in rows]


def run_event_seqs(conn: Connection, county: str, run_id: int) -> tuple[int, int | None]:
    """(seq of the run's start event, the seq up to which the run applied corrections — the
    last correction it read, as its finish event says — or None while it has not finished)."""
    e = t.events.c
    start, finish = 0, None
    rows = conn.execute(select(e.seq, e.kind, e.payload).where(
        e.county == county, e.kind.in_([RUN_STARTED, RUN_FINISHED])).order_by(e.seq))
    for seq, kind, payload in rows:
        if json.loads(payload).get("run_id") == run_id:
            if kind == RUN_STARTED:
                start = int(seq)
            else:
                finish = int(json.loads(payload).get("corrections_upto", seq))
    return start, finish


def _review(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):  # a ledger written as text: "instructor,visit_date"
        return tuple(f for f in value.split(",") if f)
    return tuple(str(f) for f in value or ())


def _bbox(value: Any) -> tuple[float, float, float, float] | None:
    if not value or len(value) != 4:
        return None
    x0, top, x1, bottom = (float(x) for x in value)
    return x0, top, x1, bottom


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]
