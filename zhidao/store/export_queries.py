"""The reads behind `zhidao audit export`: one county's run, the records of the readings it
counted with their field values and matches, its findings, the files, the packets issued and
the event log, as plain JSON-ready rows (SQLAlchemy Core, nothing dialect-specific)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from . import schema as t

Row = dict[str, Any]


def _chunks(ids: list[Any], size: int = 500) -> Iterable[list[Any]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def latest_run(conn: Connection, county: str, quarter: str) -> Row | None:
    """The county's latest finished run of ``quarter``."""
    r = t.runs.c
    row = conn.execute(select(t.runs).where(r.county == county, r.quarter == quarter, r.finished.is_not(None))
                       .order_by(r.run_id.desc()).limit(1)).mappings().first()
    return None if row is None else dict(row)


def quarter_run_ids(conn: Connection, county: str, quarter: str) -> list[int]:
    r = t.runs.c
    return [int(i) for (i,) in conn.execute(select(r.run_id).where(r.county == county, r.quarter == quarter)
                                            .order_by(r.run_id))]


def counted_readings(conn: Connection, run_id: int) -> list[int]:
    """The readings a run counted (one per file it read or reused)."""
    rf = t.run_files.c
    return sorted({int(i) for (i,) in conn.execute(select(rf.reading_id).where(
        rf.run_id == run_id, rf.reading_id.is_not(None)))})


def reading_records(conn: Connection, reading_ids: list[int]) -> list[Row]:
    rec = t.records.c
    rows: list[Row] = []
    for chunk in _chunks(reading_ids):
        rows += [dict(r) for r in conn.execute(select(
            rec.reading_id, rec.record_id, rec.sha256, rec.page, rec.instructor, rec.enterprise, rec.visit_date,
            rec.review, rec.extractor, rec.steps, rec.fields).where(rec.reading_id.in_(chunk))).mappings()]
    return sorted(rows, key=lambda r: (r["reading_id"], r["record_id"]))


def reading_values(conn: Connection, reading_ids: list[int]) -> dict[tuple[int, str], list[Row]]:
    """(reading id, record id) → its field values with their typed source, by field."""
    v = t.field_values.c
    out: dict[tuple[int, str], list[Row]] = {}
    for chunk in _chunks(reading_ids):
        for row in conn.execute(select(v.reading_id, v.record_id, v.field, v.value, v.raw, v.confidence, v.page,
                                       v.bbox, v.cell, v.line, v.extractor).where(v.reading_id.in_(chunk))
                                .order_by(v.reading_id, v.record_id, v.field)).mappings():
            value = dict(row)
            key = (int(value.pop("reading_id")), str(value.pop("record_id")))
            out.setdefault(key, []).append(value)
    return out


def run_matches(conn: Connection, run_id: int) -> dict[str, Row]:
    m = t.run_records.c
    rows = conn.execute(select(m.record_id, m.reading_id, m.instructor, m.enterprise, m.month, m.status, m.counted)
                        .where(m.run_id == run_id)).mappings()
    return {str(r["record_id"]): {k: v for k, v in r.items() if k != "record_id"} for r in rows}


def run_findings(conn: Connection, run_id: int) -> list[Row]:
    f = t.findings.c
    return [dict(r) for r in conn.execute(select(f.rule, f.severity, f.instructor, f.enterprise, f.month, f.date,
                                                 f.sources, f.message).where(f.run_id == run_id)
                                          .order_by(f.finding_id)).mappings()]


def sources(conn: Connection, county: str, run_id: int, run_ids: list[int], shas: set[str]) -> list[Row]:
    """Every file the quarter's runs saw or ``shas`` names, with every path it came under and
    what ``run_id`` made of it (medium, status, error code)."""
    f, p, rf = t.files.c, t.file_paths.c, t.run_files.c
    seen = set(shas)
    for chunk in _chunks(run_ids):
        seen |= {str(s) for (s,) in conn.execute(select(rf.sha256).where(rf.run_id.in_(chunk)))}
        seen |= {str(s) for (s,) in conn.execute(select(f.sha256).where(f.county == county, f.first_run.in_(chunk)))}
    paths: dict[str, list[str]] = {}
    for sha, path in conn.execute(select(p.sha256, p.path).where(p.county == county).order_by(p.path)):
        paths.setdefault(str(sha), []).append(str(path))
    fate = {str(r["sha256"]): r for r in conn.execute(select(rf.sha256, rf.medium, rf.status, rf.error_code).where(
        rf.run_id == run_id)).mappings()}
    out = []
    for row in conn.execute(select(f.sha256, f.size, f.path, f.received, f.first_run).where(f.county == county)
                            .order_by(f.first_run, f.path)).mappings():
        sha = str(row["sha256"])
        if sha in seen:
            done = fate.get(sha)
            out.append({**row, "paths": paths.get(sha, []), "medium": done["medium"] if done else None,
                        "status": done["status"] if done else None, "error_code": done["error_code"] if done else None})
    return out


def event_rows(conn: Connection, county: str) -> list[Row]:
    """The county's event log, in order, as exported (events.jsonl)."""
    e = t.events.c
    return [dict(r) for r in conn.execute(select(e.seq, e.at, e.kind, e.payload, e.prev_hash, e.hash).where(
        e.county == county).order_by(e.seq)).mappings()]

