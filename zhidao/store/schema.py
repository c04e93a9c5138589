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
from sqlalchemy.types import TypeDecorator, TypeEngine

SCHEMA_VERSION = 3
metadata = MetaData()


_ESC, _NUL = "\ue000", "\ue001"  # private-use characters: the escape and the NUL it stands for


class PgText(TypeDecorator[str]):
    """PostgreSQL's text refuses NUL (a hostile file's text may hold one; SQLite keeps it): NUL is
    stored escaped and read back as it was, so a value reads back exactly and digests agree."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: object) -> str | None:
        if value is None or ("\x00" not in value and _ESC not in value):
            return value
        return value.replace(_ESC, _ESC + _ESC).replace("\x00", _ESC + _NUL)

    def process_result_value(self, value: str | None, dialect: object) -> str | None:
        if value is None or _ESC not in value:
            return value
        out, i = [], 0
        while i < len(value):
            if value[i] == _ESC and i + 1 < len(value):
                out.append("\x00" if value[i + 1] == _NUL else value[i + 1])
                i += 2
            else:
                out.append(value[i])
                i += 1
        return "".join(out)


def _str(length: int | None = None) -> TypeEngine[str]:
    """Text as SQLite keeps it on PostgreSQL too: compared byte by byte (the "C" collation, so that
    ordered reads — record ids, paths — and the digests built on them do not depend on the
    server's locale), of any length (SQLite does not enforce a VARCHAR's), NUL kept (PgText)."""
    plain: TypeEngine[str] = String(length) if length else Text()
    return plain.with_variant(PgText(collation="C"), "postgresql")


meta = Table("meta", metadata, Column("key", _str(64), primary_key=True), Column("value", _str(), nullable=False))

files = Table(
    "files", metadata,
    Column("county", _str(64), primary_key=True),
    Column("sha256", _str(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("path", _str(), nullable=False),  # the name it first arrived under
    Column("received", _str(10)),  # the day it first arrived (kept across runs)
    Column("first_run", Integer),
)

file_paths = Table(
    "file_paths", metadata,
    Column("county", _str(64), primary_key=True),
    Column("sha256", _str(64), primary_key=True),
    Column("path", _str(), primary_key=True),
)

readings = Table(
    "readings", metadata,
    Column("reading_id", Integer, primary_key=True, autoincrement=True),
    Column("county", _str(64), nullable=False),
    Column("sha256", _str(64), nullable=False),
    Column("reading_key", _str(64), nullable=False),
    Column("made_by", JSON, nullable=False),  # reader code digest, engine, model, settings
    Column("read_at", _str(32), nullable=False),
    Column("run_id", Integer),
    Column("medium", _str(16)),
    Column("status", _str(16), nullable=False),
    Column("error_code", _str(64)),
    Column("error_message", _str()),
    Column("outcome", JSON, nullable=False),  # the whole FileOutcome (zhidao.store.codec), for reuse
    Column("current", Boolean, nullable=False),  # the reading the latest run counted
)
# A file read again the same way (--reread) adds a reading with the same key: the latest is reused.
Index("readings_by_key", readings.c.county, readings.c.sha256, readings.c.reading_key)

records = Table(
    "records", metadata,
    Column("reading_id", Integer, primary_key=True),
    Column("record_id", _str(64), primary_key=True),
    Column("county", _str(64), nullable=False),
    Column("sha256", _str(64), nullable=False),
    Column("page", Integer),
    Column("instructor", _str()),
    Column("enterprise", _str()),
    Column("visit_date", _str(10)),
    Column("review", JSON, nullable=False),
    Column("extractor", _str(64)),
    Column("steps", JSON, nullable=False),  # scan preprocessing
    Column("fields", JSON, nullable=False),  # the whole frames.RECORDS row
    ForeignKeyConstraint(["reading_id"], ["readings.reading_id"]),
)
Index("records_by_id", records.c.county, records.c.record_id)

field_values = Table(
    "field_values", metadata,
    Column("reading_id", Integer, primary_key=True),
    Column("record_id", _str(64), primary_key=True),
    Column("field", _str(32), primary_key=True),
    Column("value", _str()),
    Column("raw", _str()),
    Column("confidence", Float),
    Column("page", Integer),
    Column("bbox", JSON),  # [x0, top, x1, bottom] in PDF points or image pixels
    Column("cell", _str()),
    Column("line", _str()),
    Column("extractor", _str(64)),
    ForeignKeyConstraint(["reading_id"], ["readings.reading_id"]),
)

runs = Table(
    "runs", metadata,
    Column("run_id", Integer, primary_key=True, autoincrement=True),
    Column("county", _str(64), nullable=False),
    Column("started", _str(32), nullable=False),
    Column("finished", _str(32)),
    Column("version", _str(32)),
    Column("quarter", _str(16)),
    Column("inbox", _str()),
    Column("roster", _str()),
    Column("out", _str()),
    Column("counts", JSON),
    Column("anchor_seq", Integer),  # the chain head its packet was issued on
    Column("anchor_hash", _str(64)),
)

run_files = Table(
    "run_files", metadata,
    Column("run_id", Integer, primary_key=True),
    Column("sha256", _str(64), primary_key=True),
    Column("path", _str(), primary_key=True),
    Column("role", _str(16)),
    Column("reading_id", Integer),
    Column("status", _str(16)),
    Column("medium", _str(16)),
    Column("error_code", _str(64)),
    Column("error_message", _str()),
)

run_records = Table(
    "run_records", metadata,
    Column("run_id", Integer, primary_key=True),
    Column("record_id", _str(64), primary_key=True),
    Column("reading_id", Integer),
    Column("instructor", _str()),
    Column("enterprise", _str()),
    Column("month", _str(7)),
    Column("status", _str(32)),
    Column("counted", Boolean),
)

findings = Table(
    "findings", metadata,
    Column("finding_id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, nullable=False),
    Column("county", _str(64), nullable=False),
    Column("rule", _str(32), nullable=False),
    Column("severity", _str(16)),
    Column("instructor", _str()),
    Column("enterprise", _str()),
    Column("month", _str(7)),
    Column("date", _str(10)),
    Column("sources", JSON),
    Column("message", _str()),
)

events = Table(
    "events", metadata,
    Column("county", _str(64), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", _str(32), nullable=False),
    Column("kind", _str(32), nullable=False),
    Column("payload", _str(), nullable=False),
    Column("prev_hash", _str(64), nullable=False),
    Column("hash", _str(64), nullable=False),
)

corrections = Table(
    "corrections", metadata,
    Column("correction_id", Integer, primary_key=True, autoincrement=True),
    Column("county", _str(64), nullable=False),
    Column("at", _str(32), nullable=False),
    Column("who", _str(), nullable=False),
    Column("record_id", _str(64), nullable=False),
    Column("field", _str(32), nullable=False),
    Column("old", _str()),
    Column("new", _str()),
    Column("reason", _str()),
    Column("event_seq", Integer, nullable=False),
)

TABLES = tuple(metadata.tables)
