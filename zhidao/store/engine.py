"""The dialect set-up: the only place that knows which database is behind the ledger.

SQLite (the default, one file): WAL so that readers are not blocked, a busy timeout so that a
second writer waits, every transaction ``BEGIN IMMEDIATE`` so that appends to the hash chain are
serialised, and append-only triggers on events and corrections. PostgreSQL: a transaction-level
advisory lock per county serialises the chain; the same triggers in PL/pgSQL.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text

from .schema import metadata

_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb} BEFORE {verb.upper()} ON {table} "
    f"BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END"
    for table in ("events", "corrections") for verb in ("update", "delete")
]
_PG_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION zhidao_append_only() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION '% are append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql",
    *[f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '{table}_append_only') THEN "
      f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
      f"FOR EACH ROW EXECUTE FUNCTION zhidao_append_only(); END IF; END $$"
      for table in ("events", "corrections")],
]


def url_of(db: Path | str) -> str:
    """A path is an SQLite file; a text with '://' is an SQLAlchemy URL (postgresql://…)."""
    text_db = str(db)
    if "://" in text_db:
        return text_db.replace("postgresql://", "postgresql+psycopg://", 1) if text_db.startswith(
            "postgresql://") else text_db
    return f"sqlite:///{Path(db).absolute()}"


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
    return create_engine(url, pool_pre_ping=True,
                         connect_args={"options": f"-c lock_timeout={int(wait_seconds * 1000)}"})


def create_schema(engine: Engine) -> None:
    with engine.begin() as conn:
        metadata.create_all(conn)
        for ddl in _SQLITE_TRIGGERS if engine.dialect.name == "sqlite" else _PG_TRIGGERS:
            conn.exec_driver_sql(ddl)


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
