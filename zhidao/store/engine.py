"""The dialect set-up: the only place that knows which database is behind the ledger.

SQLite (the default, one file): WAL so that readers are not blocked, a busy timeout so that a
second writer waits, every transaction ``BEGIN IMMEDIATE`` so that appends to the hash chain are
serialised, and append-only triggers on events and corrections. PostgreSQL (psycopg 3): a
transaction-level advisory lock per county serialises the chain, another one the creation of the
schema (two first runs at once), ``lock_timeout`` makes a writer that waited too long a
LEDGER_BUSY; the same triggers in PL/pgSQL.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url

from .schema import metadata

_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb} BEFORE {verb.upper()} ON {table} "
    f"BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END"
    for table in ("events", "corrections") for verb in ("update", "delete")
]
_PG_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION zhidao_append_only() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION '% are append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql",
    # the trigger of this schema's table (another schema of the same database has its own)
    *[f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '{table}_append_only' "
      f"AND tgrelid = to_regclass('{table}')) THEN "
      f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
      f"FOR EACH ROW EXECUTE FUNCTION zhidao_append_only(); END IF; END $$"
      for table in ("events", "corrections")],
]
# The advisory lock key of the schema's creation (a county's chain keys come from its name's sha256).
_SCHEMA_LOCK = 0x7A686964616F


def is_url(db: Path | str) -> bool:
    return "://" in str(db)


def url_of(db: Path | str) -> str:
    """A path is an SQLite file; a text with '://' is an SQLAlchemy URL (postgresql://…)."""
    text_db = str(db)
    if is_url(text_db):
        for plain in ("postgresql://", "postgres://"):
            if text_db.startswith(plain):
                return "postgresql+psycopg://" + text_db[len(plain):]
        return text_db
    return f"sqlite:///{Path(db).absolute()}"


def shown(db: Path | str) -> str:
    """The ledger as it may be shown to a person: a URL without its password."""
    if not is_url(db):
        return str(db)
    try:
        return make_url(str(db)).render_as_string(hide_password=True)
    except Exception:
        return str(db).split("@")[-1]


def make_engine(db: Path | str, wait_seconds: float) -> Engine:
    url = url_of(db)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": wait_seconds, "isolation_level": None})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi: Any, _record: Any) -> None:
            cur = dbapi.cursor()
            cur.execute(f"PRAGMA busy_timeout = {int(wait_seconds * 1000)}")
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA foreign_keys = ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            # writers take the write lock at once (chain appends serialised); readers do not wait
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("zhidao_read") else "BEGIN IMMEDIATE")

        return engine
    # a writer waits for a county's chain (or a row) at most wait_seconds, then is told LEDGER_BUSY
    options = " ".join(filter(None, [str(make_url(url).query.get("options") or ""),
                                     f"-c lock_timeout={int(wait_seconds * 1000)}"]))
    return create_engine(url, pool_pre_ping=True, connect_args={"options": options})


def create_schema(engine: Engine) -> None:
    with engine.begin() as conn:
        serialise_schema(conn)
        metadata.create_all(conn)
        for ddl in _SQLITE_TRIGGERS if engine.dialect.name == "sqlite" else _PG_TRIGGERS:
            conn.execute(text(ddl))


def has_schema(engine: Engine) -> bool:
    """Does the database hold zhidao's ledger (its events and readings tables)?"""
    with engine.connect() as conn:
        found = inspect(conn)
        return found.has_table("events") and found.has_table("readings")


def serialise_schema(conn: Connection) -> None:
    """Within a transaction on PostgreSQL: no other process creates or stamps the schema until it
    ends (two first runs against an empty database at once)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEMA_LOCK})


def serialise_chain(conn: Connection, county: str) -> None:
    """Within a write transaction: no other writer appends to this county's chain until it ends
    (SQLite's BEGIN IMMEDIATE already holds the database's write lock)."""
    if conn.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(county.encode()).digest()[:8], "big", signed=True)
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def is_busy(exc: BaseException) -> bool:
    """Did the database refuse because another writer holds it?"""
    message = str(getattr(exc, "orig", exc)).lower()
    return any(word in message for word in ("database is locked", "database is busy", "lock timeout",
                                              "could not obtain lock", "canceling statement due to lock"))
