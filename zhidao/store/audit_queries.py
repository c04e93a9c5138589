"""The reads behind `zhidao audit verify`: one county's table rows as the events described them,
and the rows no event announced (SQLAlchemy Core, nothing dialect-specific)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from zhidao.audit import EventRow

from . import schema as t

Row = dict[str, Any]


def _one(conn: Connection, query: Any) -> Row | None:
    row = conn.execute(query).mappings().first()
    return None if row is None else dict(row)


def county_events(conn: Connection, county: str) -> list[EventRow]:
    """The county's event log in seq order (read in the caller's transaction, so that the
    tables checked against it are seen as of the same moment)."""
    e = t.events.c
    rows = conn.execute(select(e.seq, e.at, e.kind, e.payload, e.prev_hash, e.hash).where(e.county == county)
                        .order_by(e.seq))
    return [EventRow(int(r[0]), r[1], r[2], r[3], r[4], r[5]) for r in rows]


def file_row(conn: Connection, county: str, sha256: str) -> Row | None:
    """The files row of a received file (what its ``file_received`` event recorded)."""
    f = t.files.c
    return _one(conn, select(f.sha256, f.path, f.size, f.received).where(f.county == county, f.sha256 == sha256))


def reading_row(conn: Connection, county: str, reading_id: int) -> Row | None:
    """The readings row a ``file_extracted`` event announced."""
    r = t.readings.c
    return _one(conn, select(r.sha256, r.reading_key, r.status, r.error_code).where(
        r.county == county, r.reading_id == reading_id))


def reading_record_ids(conn: Connection, reading_id: int) -> list[str]:
    rec = t.records.c
    return sorted(str(r[0]) for r in conn.execute(select(rec.record_id).where(rec.reading_id == reading_id)))


def run_row(conn: Connection, county: str, run_id: int) -> Row | None:
    """The runs row a ``run_started`` / ``run_finished`` event announced."""
    r = t.runs.c
    return _one(conn, select(r.run_id, r.version, r.quarter, r.inbox, r.roster, r.out, r.finished, r.counts,
                             r.anchor_seq, r.anchor_hash).where(r.county == county, r.run_id == run_id))


def correction_row(conn: Connection, county: str, event_seq: int) -> Row | None:
    """The corrections row a ``value_corrected`` event announced."""
    c = t.corrections.c
    return _one(conn, select(c.record_id, c.field, c.old, c.new, c.who, c.at, c.reason).where(
        c.county == county, c.event_seq == event_seq))


# -- rows no event announced ----------------------------------------------------------------------

def county_files(conn: Connection, county: str) -> list[tuple[str, str]]:
    """(sha256, path) of every file the county's ledger holds."""
    f = t.files.c
    return [(str(s), str(p)) for s, p in conn.execute(select(f.sha256, f.path).where(f.county == county)
                                                       .order_by(f.sha256))]


def county_readings(conn: Connection, county: str) -> list[tuple[int, str]]:
    """(reading id, sha256) of every reading of the county."""
    r = t.readings.c
    return [(int(i), str(s)) for i, s in conn.execute(select(r.reading_id, r.sha256).where(r.county == county)
                                                       .order_by(r.reading_id))]


def county_records(conn: Connection, county: str) -> list[tuple[int, str]]:
    """(reading id, record id) of every record of the county."""
    rec = t.records.c
    return [(int(i), str(r)) for i, r in conn.execute(select(rec.reading_id, rec.record_id).where(
        rec.county == county).order_by(rec.reading_id, rec.record_id))]


def orphan_values(conn: Connection) -> list[tuple[int, str]]:
    """(reading id, record id) of field values whose reading no longer exists (any county:
    such a row belongs to no one)."""
    v, r = t.field_values.c, t.readings.c
    query = select(v.reading_id, v.record_id).where(v.reading_id.not_in(select(r.reading_id))).distinct()
    return [(int(i), str(rid)) for i, rid in conn.execute(query)]


def county_runs(conn: Connection, county: str) -> list[Row]:
    r = t.runs.c
    return [dict(row) for row in conn.execute(select(r.run_id, r.finished, r.anchor_seq, r.anchor_hash).where(
        r.county == county).order_by(r.run_id)).mappings()]


def run_row_owners(conn: Connection, county: str) -> dict[str, set[int]]:
    """table → the run ids its rows belong to, for the county's runs and for runs that no longer
    exist (run_files and run_records carry no county: they belong to their run)."""
    runs = {int(i) for (i,) in conn.execute(select(t.runs.c.run_id))}
    mine = {int(i) for (i,) in conn.execute(select(t.runs.c.run_id).where(t.runs.c.county == county))}
    out: dict[str, set[int]] = {}
    for table in (t.run_files, t.run_records):
        ids = {int(i) for (i,) in conn.execute(select(table.c.run_id).distinct())}
        out[table.name] = {i for i in ids if i in mine or i not in runs}
    f = t.findings.c
    out["findings"] = {int(i) for (i,) in conn.execute(select(f.run_id).where(f.county == county).distinct())}
    return out


def county_corrections(conn: Connection, county: str) -> list[tuple[int, int]]:
    """(correction id, event seq) of every correction of the county."""
    c = t.corrections.c
    return [(int(i), int(s)) for i, s in conn.execute(select(c.correction_id, c.event_seq).where(
        c.county == county).order_by(c.correction_id))]
