"""The ledger: an embedded SQLite file of received files, records with their sources, runs,
findings, corrections and a hash-chained, append-only event log (zhidao.audit).

Files are keyed by sha256 and records by their stable id, so ingesting the same inbox twice
adds nothing twice (and appends no second "received"/"extracted" event); every run is appended.
Every event goes through :meth:`Ledger.append_event`.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd

from zhidao import __version__
from zhidao.audit import (
    CORRECTED,
    EXTRACTED,
    GENESIS,
    PACKET_ISSUED,
    RECEIVED,
    RUN_FINISHED,
    RUN_STARTED,
    UPGRADED,
    EventRow,
    canonical,
    digest,
    event_hash,
)
from zhidao.errors import BAD_OPTION, ConfigError, LedgerError

SCHEMA_VERSION = 2
TABLES = ("files", "file_paths", "records", "field_values", "runs", "findings", "events", "corrections",
          "run_records", "run_files")
# The record fields a reviewer may correct (SPEC.md's canonical fields, plus the form's month).
CORRECTABLE = ("instructor", "unit", "enterprise", "visit_date", "content", "duties", "problems", "signed",
               "report_date", "remarks", "form_month")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, path TEXT NOT NULL, medium TEXT,
    status TEXT NOT NULL, error_code TEXT, error_message TEXT, received TEXT, first_run INTEGER
);
CREATE TABLE IF NOT EXISTS file_paths (
    sha256 TEXT NOT NULL REFERENCES files(sha256), path TEXT NOT NULL, PRIMARY KEY (sha256, path)
);
CREATE TABLE IF NOT EXISTS records (
    record_id TEXT PRIMARY KEY, sha256 TEXT NOT NULL REFERENCES files(sha256), page INTEGER,
    instructor TEXT, enterprise TEXT, visit_date TEXT, review TEXT, extractor TEXT, fields TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS field_values (
    record_id TEXT NOT NULL, field TEXT NOT NULL, value TEXT, raw TEXT, confidence REAL,
    page INTEGER, location TEXT, extractor TEXT, PRIMARY KEY (record_id, field)
);
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT, started TEXT NOT NULL, finished TEXT, version TEXT,
    quarter TEXT, inbox TEXT, roster TEXT, out TEXT, counts TEXT
);
CREATE TABLE IF NOT EXISTS findings (
    run_id INTEGER NOT NULL REFERENCES runs(run_id), rule TEXT NOT NULL, severity TEXT,
    instructor TEXT, enterprise TEXT, month TEXT, date TEXT, sources TEXT, message TEXT
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL, hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS corrections (
    correction_id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, who TEXT NOT NULL,
    record_id TEXT NOT NULL, field TEXT NOT NULL, old TEXT, new TEXT, reason TEXT, event_seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS run_records (
    run_id INTEGER NOT NULL, record_id TEXT NOT NULL, instructor TEXT, enterprise TEXT, month TEXT,
    status TEXT, counted INTEGER, PRIMARY KEY (run_id, record_id)
);
CREATE TABLE IF NOT EXISTS run_files (
    run_id INTEGER NOT NULL, sha256 TEXT NOT NULL, path TEXT NOT NULL, role TEXT,
    PRIMARY KEY (run_id, sha256, path)
);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS corrections_no_update BEFORE UPDATE ON corrections
    BEGIN SELECT RAISE(ABORT, 'corrections are append-only'); END;
CREATE TRIGGER IF NOT EXISTS corrections_no_delete BEFORE DELETE ON corrections
    BEGIN SELECT RAISE(ABORT, 'corrections are append-only'); END;
"""
_IDS = "SELECT value FROM json_each(?)"  # a JSON array of ids as a subquery (no variable limit)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _rows(df: pd.DataFrame, columns: list[str]) -> list[tuple[Any, ...]]:
    sub = df[columns].astype(object).where(df[columns].notna(), None)
    return [tuple(r) for r in sub.itertuples(index=False)]


class Ledger:
    """Open with ``with Ledger(path) as ledger:``; every method commits on exit."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(path)
            self.conn.executescript(_SCHEMA)
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            elif version > SCHEMA_VERSION:
                raise LedgerError("LEDGER_TOO_NEW", f"台账数据库版本（{version}）比本程序新", path,
                                  "请升级 zhidao")
        except sqlite3.DatabaseError as exc:
            raise LedgerError("LEDGER_UNREADABLE", f"无法打开台账数据库：{exc}", path,
                              "请确认该文件是 zhidao 的台账，或用 --db 指定新的文件") from exc

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.conn.commit()
        self.conn.close()

    def start_run(self, quarter: str, inbox: str, roster: str, out: str) -> int:
        cur = self.conn.execute(
            "INSERT INTO runs (started, version, quarter, inbox, roster, out) VALUES (?,?,?,?,?,?)",
            (_now(), __version__, quarter, inbox, roster, out))
        assert cur.lastrowid is not None
        return cur.lastrowid

    def finish_run(self, run_id: int, counts: dict[str, int]) -> None:
        self.conn.execute("UPDATE runs SET finished = ?, counts = ? WHERE run_id = ?",
                          (_now(), json.dumps(counts), run_id))

    def add_files(self, files: pd.DataFrame, run_id: int) -> None:
        rows = _rows(files, ["sha256", "size", "path", "medium", "status", "error_code", "error_message",
                             "received"])
        self.conn.executemany(
            "INSERT OR IGNORE INTO files (sha256, size, path, medium, status, error_code, error_message,"
            " received, first_run) VALUES (?,?,?,?,?,?,?,?,?)", [(*r, run_id) for r in rows])
        self.conn.executemany("INSERT OR IGNORE INTO file_paths (sha256, path) VALUES (?, ?)",
                              _rows(files, ["sha256", "path"]))

    def add_records(self, records: pd.DataFrame, values: pd.DataFrame) -> None:
        fields = records.drop(columns=["source", "sha256", "page", "extractor", "record_id"])
        payload = [json.dumps({k: (None if pd.isna(v) else v) for k, v in row.items()},
                              ensure_ascii=False, default=str)
                   for row in fields.astype(object).to_dict("records")]
        base = _rows(records, ["record_id", "sha256", "page", "instructor", "enterprise", "visit_date",
                               "review", "extractor"])
        self.conn.executemany(
            "INSERT OR IGNORE INTO records (record_id, sha256, page, instructor, enterprise, visit_date,"
            " review, extractor, fields) VALUES (?,?,?,?,?,?,?,?,?)",
            [(*b, p) for b, p in zip(base, payload, strict=True)])
        self.conn.executemany(
            "INSERT OR IGNORE INTO field_values (record_id, field, value, raw, confidence, page, location,"
            " extractor) VALUES (?,?,?,?,?,?,?,?)",
            _rows(values, ["record_id", "field", "value", "raw", "confidence", "page", "location",
                           "extractor"]))

    def add_findings(self, run_id: int, findings: pd.DataFrame) -> None:
        self.conn.executemany(
            "INSERT INTO findings (run_id, rule, severity, instructor, enterprise, month, date, sources,"
            " message) VALUES (?,?,?,?,?,?,?,?,?)",
            [(run_id, *r) for r in _rows(findings, ["rule", "severity", "instructor", "enterprise", "month",
                                                     "date", "sources", "message"])])

    def count(self, table: str) -> int:
        if table not in ("files", "file_paths", "records", "field_values", "runs", "findings"):
            raise ValueError(table)
        return int(self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    def received_dates(self) -> dict[str, str]:
        """sha256 → the date the file was first received (kept across runs)."""
        return {s: r for s, r in self.conn.execute("SELECT sha256, received FROM files") if r}
