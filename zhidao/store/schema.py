"""The ledger's tables, declared once with SQLAlchemy Core (the same for SQLite and PostgreSQL).

Every table carries the county key: two counties in one ledger never mix. A file's reading is
keyed by what made it (the file's sha256 and a reading key: reader code, engine and model,
settings), so a rerun reuses what was read and a changed reader reads again while the ledger
keeps both readings; records and field values belong to a reading. Provenance is typed: page,
bbox, cell and line are columns, preprocessing steps are structured JSON.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

SCHEMA_VERSION = 3
metadata = MetaData()

meta = Table("meta", metadata, Column("key", String(64), primary_key=True), Column("value", Text, nullable=False))

files = Table(
    "files", metadata,
    Column("county", String(64), primary_key=True),
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("path", Text, nullable=False),  # the name it first arrived under
    Column("received", String(10)),  # the day it first arrived (kept across runs)
    Column("first_run", Integer),
)

file_paths = Table(
    "file_paths", metadata,
    Column("county", String(64), primary_key=True),
    Column("sha256", String(64), primary_key=True),
    Column("path", Text, primary_key=True),
)

readings = Table(
    "readings", metadata,
    Column("reading_id", Integer, primary_key=True, autoincrement=True),
    Column("county", String(64), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("reading_key", String(64), nullable=False),
    Column("made_by", JSON, nullable=False),  # reader code digest, engine, model, settings
    Column("read_at", String(32), nullable=False),
    Column("run_id", Integer),
    Column("medium", String(16)),
    Column("status", String(16), nullable=False),
    Column("error_code", String(64)),
    Column("error_message", Text),
    Column("outcome", JSON, nullable=False),  # the whole FileOutcome (zhidao.store.codec), for reuse
    Column("current", Boolean, nullable=False),  # the reading the latest run counted
)
# A file read again the same way (--reread) adds a reading with the same key: the latest is reused.
Index("readings_by_key", readings.c.county, readings.c.sha256, readings.c.reading_key)

records = Table(
    "records", metadata,
    Column("reading_id", Integer, primary_key=True),
    Column("record_id", String(64), primary_key=True),
    Column("county", String(64), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("page", Integer),
    Column("instructor", Text),
    Column("enterprise", Text),
    Column("visit_date", String(10)),
    Column("review", JSON, nullable=False),
    Column("extractor", String(64)),
    Column("steps", JSON, nullable=False),  # scan preprocessing
    Column("fields", JSON, nullable=False),  # the whole frames.RECORDS row
    ForeignKeyConstraint(["reading_id"], ["readings.reading_id"]),
)
Index("records_by_id", records.c.county, records.c.record_id)

field_values = Table(
    "field_values", metadata,
    Column("reading_id", Integer, primary_key=True),
    Column("record_id", String(64), primary_key=True),
    Column("field", String(32), primary_key=True),
    Column("value", Text),
    Column("raw", Text),
    Column("confidence", Float),
    Column("page", Integer),
    Column("bbox", JSON),  # [x0, top, x1, bottom] in PDF points or image pixels
    Column("cell", Text),
    Column("line", Text),
    Column("extractor", String(64)),
    ForeignKeyConstraint(["reading_id"], ["readings.reading_id"]),
)

runs = Table(
    "runs", metadata,
    Column("run_id", Integer, primary_key=True, autoincrement=True),
    Column("county", String(64), nullable=False),
    Column("started", String(32), nullable=False),
    Column("finished", String(32)),
    Column("version", String(32)),
    Column("quarter", String(16)),
    Column("inbox", Text),
    Column("roster", Text),
    Column("out", Text),
    Column("counts", JSON),
    Column("anchor_seq", Integer),  # the chain head its packet was issued on
    Column("anchor_hash", String(64)),
)

run_files = Table(
    "run_files", metadata,
    Column("run_id", Integer, primary_key=True),
    Column("sha256", String(64), primary_key=True),
    Column("path", Text, primary_key=True),
    Column("role", String(16)),
    Column("reading_id", Integer),
    Column("status", String(16)),
    Column("medium", String(16)),
    Column("error_code", String(64)),
    Column("error_message", Text),
)

run_records = Table(
    "run_records", metadata,
    Column("run_id", Integer, primary_key=True),
    Column("record_id", String(64), primary_key=True),
    Column("reading_id", Integer),
    Column("instructor", Text),
    Column("enterprise", Text),
    Column("month", String(7)),
    Column("status", String(32)),
    Column("counted", Boolean),
)

findings = Table(
    "findings", metadata,
    Column("finding_id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, nullable=False),
    Column("county", String(64), nullable=False),
    Column("rule", String(32), nullable=False),
    Column("severity", String(16)),
    Column("instructor", Text),
    Column("enterprise", Text),
    Column("month", String(7)),
    Column("date", String(10)),
    Column("sources", JSON),
    Column("message", Text),
)

events = Table(
    "events", metadata,
    Column("county", String(64), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", String(32), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

corrections = Table(
    "corrections", metadata,
    Column("correction_id", Integer, primary_key=True, autoincrement=True),
    Column("county", String(64), nullable=False),
    Column("at", String(32), nullable=False),
    Column("who", Text, nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("field", String(32), nullable=False),
    Column("old", Text),
    Column("new", Text),
    Column("reason", Text),
    Column("event_seq", Integer, nullable=False),
)

TABLES = tuple(metadata.tables)
