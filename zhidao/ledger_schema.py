"""The ledger's SQLite schema (tables, append-only triggers) and its version."""

from __future__ import annotations

SCHEMA_VERSION = 2
TABLES = ("files", "file_paths", "records", "field_values", "runs", "findings", "events", "corrections",
          "run_records", "run_files")
# The record fields a reviewer may correct (SPEC.md's canonical fields, plus the form's month).
CORRECTABLE = ("instructor", "unit", "enterprise", "visit_date", "content", "duties", "problems", "signed",
               "report_date", "remarks", "form_month")
SCHEMA = """
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
