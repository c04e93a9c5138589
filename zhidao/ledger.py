"""The ledger: an embedded SQLite file of received files, records with their sources, runs,
findings, corrections and a hash-chained, append-only event log (zhidao.audit).

Files are keyed by sha256 and records by their stable id, so ingesting the same inbox twice
adds nothing twice (and appends no second "received"/"extracted" event); every run is appended.
Every event goes through :meth:`Ledger.append_event`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from dataclasses import dataclass
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
from zhidao.errors import BAD_OPTION, LEDGER_BUSY, ConfigError, LedgerError
from zhidao.ledger_schema import CORRECTABLE, SCHEMA, SCHEMA_VERSION, TABLES

_IDS = "SELECT value FROM json_each(?)"  # a JSON array of ids as a subquery (no variable limit)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _rows(df: pd.DataFrame, columns: list[str]) -> list[tuple[Any, ...]]:
    sub = df[columns].astype(object).where(df[columns].notna(), None)
    return [tuple(r) for r in sub.itertuples(index=False)]


def _ids(values: Any) -> str:
    return json.dumps(list(values), ensure_ascii=False)


def _locked(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


def ledger_busy(path: Path) -> LedgerError:
    return LedgerError(LEDGER_BUSY, "台账数据库正被另一次运行或核对占用，等待后仍未释放", path,
                       "请等另一次运行或核对结束后再试")


@dataclass(frozen=True)
class Correction:
    """One value corrected by a reviewer (append-only; a later correction supersedes it)."""

    correction_id: int
    at: str
    who: str
    record_id: str
    field: str
    old: str | None
    new: str | None
    reason: str | None
    event_seq: int


class Ledger:
    """Open with ``with Ledger(path) as ledger:``; every method commits on exit.

    ``create=False`` refuses a path that does not exist (for commands that read a ledger).
    """

    def __init__(self, path: Path, create: bool = True, wait_seconds: float = 10.0) -> None:
        self.path = path
        if not create and not path.is_file():
            raise LedgerError("LEDGER_NOT_FOUND", "找不到台账数据库", path,
                              "请用 --db 指定运行 zhidao run 时使用的台账文件")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(path, timeout=wait_seconds)
            self.conn.executescript(SCHEMA)
            self._migrate(int(self.conn.execute("PRAGMA user_version").fetchone()[0]))
        except sqlite3.OperationalError as exc:
            if _locked(exc):
                raise ledger_busy(path) from exc
            raise LedgerError("LEDGER_UNREADABLE", f"无法打开台账数据库：{exc}", path,
                              "请确认该文件是 zhidao 的台账，或用 --db 指定新的文件") from exc
        except sqlite3.DatabaseError as exc:
            raise LedgerError("LEDGER_UNREADABLE", f"无法打开台账数据库：{exc}", path,
                              "请确认该文件是 zhidao 的台账，或用 --db 指定新的文件") from exc

    def _migrate(self, version: int) -> None:
        """Stamp the schema version; a ledger written before the event log gets its existing
        runs (with their digests), files and records announced once, so the chain covers them."""
        if version > SCHEMA_VERSION:
            raise LedgerError("LEDGER_TOO_NEW", f"台账数据库版本（{version}）比本程序新", self.path, "请升级 zhidao")
        if version == SCHEMA_VERSION:
            return
        if (self.count("files") or self.count("runs")) and not self.count("events"):
            runs = [{"run_id": r, **self.run_digests(r)} for (r,) in self.conn.execute("SELECT run_id FROM runs")]
            self.append_event(UPGRADED, {"from": version, "to": SCHEMA_VERSION, "runs": runs})
            shas = [r[0] for r in self.conn.execute("SELECT sha256 FROM files ORDER BY rowid")]
            self._announce_files(shas, {})
            self._announce_records([r[0] for r in self.conn.execute("SELECT record_id FROM records ORDER BY rowid")])
        self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        self.conn.commit()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if exc_type is None:
                self.conn.commit()
        except sqlite3.OperationalError as error:
            self.conn.close()
            if _locked(error):
                raise ledger_busy(self.path) from error
            raise
        self.conn.close()
        if isinstance(exc, sqlite3.OperationalError) and _locked(exc):
            raise ledger_busy(self.path) from exc

    # -- the event log ---------------------------------------------------------------------

    def append_event(self, kind: str, payload: dict[str, Any]) -> EventRow:
        """Append one event to the chain (the only way events are written)."""
        last = self.conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        at, text = _now(), canonical(payload)
        row = EventRow(seq, at, kind, text, prev, event_hash(prev, seq, at, kind, text))
        self.conn.execute("INSERT INTO events (seq, at, kind, payload, prev_hash, hash) VALUES (?,?,?,?,?,?)", row)
        return row

    def events(self) -> list[EventRow]:
        return [EventRow(*r) for r in self.conn.execute(
            "SELECT seq, at, kind, payload, prev_hash, hash FROM events ORDER BY seq")]

    def _announce_files(self, shas: list[str], roles: dict[str, str | None]) -> None:
        columns = ["sha256", "path", "size", "medium", "status", "error_code", "received"]
        for sha in shas:
            row = self.conn.execute(f"SELECT {', '.join(columns)} FROM files WHERE sha256 = ?", (sha,)).fetchone()
            self.append_event(RECEIVED, {**dict(zip(columns, row, strict=True)), "role": roles.get(sha)})

    def _announce_records(self, record_ids: list[str]) -> None:
        by_file: dict[str, list[str]] = {}
        for rid, sha in self.conn.execute(f"SELECT record_id, sha256 FROM records WHERE record_id IN ({_IDS})",
                                          (_ids(record_ids),)):
            by_file.setdefault(sha, []).append(rid)
        order = {rid: i for i, rid in enumerate(record_ids)}
        for sha, ids in sorted(by_file.items(), key=lambda kv: min(order[r] for r in kv[1])):
            self.append_event(EXTRACTED, {"sha256": sha, "records": sorted(ids), **self.extraction_digests(ids)})

    def extraction_digests(self, record_ids: list[str]) -> dict[str, str]:
        """Digests of the stored records and field values of ``record_ids`` (as announced when
        they were extracted; ``audit verify`` recomputes them)."""
        ids = _ids(sorted(record_ids))
        records = self.conn.execute(
            "SELECT record_id, sha256, page, instructor, enterprise, visit_date, review, extractor, fields"
            f" FROM records WHERE record_id IN ({_IDS}) ORDER BY record_id", (ids,)).fetchall()
        values = self.conn.execute(
            "SELECT record_id, field, value, raw, confidence, page, location, extractor"
            f" FROM field_values WHERE record_id IN ({_IDS}) ORDER BY record_id, field", (ids,)).fetchall()
        return {"records_digest": digest(records), "values_digest": digest(values)}

    def run_digests(self, run_id: int) -> dict[str, str]:
        """Digests of a run's findings, matches and files seen (announced when the run finished)."""
        findings = self.conn.execute(
            "SELECT rule, severity, instructor, enterprise, month, date, sources, message FROM findings"
            " WHERE run_id = ? ORDER BY rowid", (run_id,)).fetchall()
        matches = self.conn.execute(
            "SELECT record_id, instructor, enterprise, month, status, counted FROM run_records WHERE run_id = ?"
            " ORDER BY record_id", (run_id,)).fetchall()
        files = self.conn.execute("SELECT sha256, path, role FROM run_files WHERE run_id = ? ORDER BY sha256, path",
                                  (run_id,)).fetchall()
        return {"findings_digest": digest(findings), "matches_digest": digest(matches), "files_digest": digest(files)}

    # -- runs ------------------------------------------------------------------------------

    def start_run(self, quarter: str, inbox: str, roster: str, out: str) -> int:
        cur = self.conn.execute(
            "INSERT INTO runs (started, version, quarter, inbox, roster, out) VALUES (?,?,?,?,?,?)",
            (_now(), __version__, quarter, inbox, roster, out))
        assert cur.lastrowid is not None
        self.append_event(RUN_STARTED, {"run_id": cur.lastrowid, "version": __version__, "quarter": quarter,
                                        "inbox": inbox, "roster": roster, "out": out})
        return cur.lastrowid

    def finish_run(self, run_id: int, counts: dict[str, int]) -> None:
        self.conn.execute("UPDATE runs SET finished = ?, counts = ? WHERE run_id = ?",
                          (_now(), json.dumps(counts), run_id))
        self.append_event(RUN_FINISHED, {"run_id": run_id, "counts": counts, **self.run_digests(run_id)})

    def add_files(self, files: pd.DataFrame, run_id: int) -> None:
        known = {r[0] for r in self.conn.execute("SELECT sha256 FROM files")}
        files = files[files["sha256"].fillna("") != ""]  # entries never opened are in the manifest only
        rows = _rows(files, ["sha256", "size", "path", "medium", "status", "error_code", "error_message",
                             "received"])
        self.conn.executemany(
            "INSERT OR IGNORE INTO files (sha256, size, path, medium, status, error_code, error_message,"
            " received, first_run) VALUES (?,?,?,?,?,?,?,?,?)", [(*r, run_id) for r in rows])
        self.conn.executemany("INSERT OR IGNORE INTO file_paths (sha256, path) VALUES (?, ?)",
                              _rows(files, ["sha256", "path"]))
        self.conn.executemany("INSERT OR IGNORE INTO run_files (run_id, sha256, path, role) VALUES (?,?,?,?)",
                              [(run_id, *r) for r in _rows(files, ["sha256", "path", "role"])])
        roles = {str(s): r for s, r in _rows(files, ["sha256", "role"])}
        self._announce_files([s for s in dict.fromkeys(str(r[0]) for r in rows) if s not in known], roles)

    def add_records(self, records: pd.DataFrame, values: pd.DataFrame) -> None:
        known = {r[0] for r in self.conn.execute("SELECT record_id FROM records")}
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
        self._announce_records([str(b[0]) for b in base if b[0] not in known])

    def add_findings(self, run_id: int, findings: pd.DataFrame) -> None:
        self.conn.executemany(
            "INSERT INTO findings (run_id, rule, severity, instructor, enterprise, month, date, sources,"
            " message) VALUES (?,?,?,?,?,?,?,?,?)",
            [(run_id, *r) for r in _rows(findings, ["rule", "severity", "instructor", "enterprise", "month",
                                                     "date", "sources", "message"])])

    def add_matches(self, run_id: int, matches: pd.DataFrame) -> None:
        """How each record was matched in this run (frames.MATCHES): its roster pair, status and
        whether its day counted (``zhidao trace`` reads it)."""
        self.conn.executemany(
            "INSERT OR REPLACE INTO run_records (run_id, record_id, instructor, enterprise, month, status, counted)"
            " VALUES (?,?,?,?,?,?,?)",
            [(run_id, *r[:5], None if r[5] is None else int(bool(r[5])))
             for r in _rows(matches, ["record_id", "instructor", "enterprise", "month", "status", "counted"])])

    # -- the review loop and deliverables ----------------------------------------------------

    def packet_issued(self, run_id: int, path: Path, published: Path | None = None) -> EventRow:
        """Record that a packet file (packet.xlsx / packet.pdf) was issued, with its sha256;
        ``published`` is where it will stand once the run's outputs are published."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise LedgerError("PACKET_NOT_FOUND", f"无法读取交流会材料文件：{exc}", path) from exc
        return self.append_event(PACKET_ISSUED, {
            "run_id": run_id, "path": str((published or path).resolve()), "name": path.name, "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest()})

    def correct(self, record_id: str, field: str, new: str | None, who: str, reason: str | None = None,
                at: str | None = None) -> Correction:
        """Record a reviewer's correction of one value: the old value is the latest correction's,
        else the extracted one. Stored in ``corrections`` and appended to the event log."""
        if field not in CORRECTABLE:
            raise ConfigError(BAD_OPTION, f"不能更正的栏目：{field!r}",
                              remedy=f"可更正的栏目：{'、'.join(CORRECTABLE)}")
        if not who.strip():
            raise ConfigError(BAD_OPTION, "更正必须写明更正人", remedy="请填写更正人姓名")
        if not self.conn.execute("SELECT 1 FROM records WHERE record_id = ?", (record_id,)).fetchone():
            raise LedgerError("RECORD_UNKNOWN", f"台账中没有这条工作记录：{record_id}", self.path,
                              "请核对记录编号（见 records.jsonl 的 id）")
        old = self.current_value(record_id, field)
        at = at or _now()
        event = self.append_event(CORRECTED, {"record_id": record_id, "field": field, "old": old, "new": new,
                                              "who": who, "at": at, "reason": reason})
        cur = self.conn.execute(
            "INSERT INTO corrections (at, who, record_id, field, old, new, reason, event_seq) VALUES (?,?,?,?,?,?,?,?)",
            (at, who, record_id, field, old, new, reason, event.seq))
        assert cur.lastrowid is not None
        return Correction(cur.lastrowid, at, who, record_id, field, old, new, reason, event.seq)

    def current_value(self, record_id: str, field: str) -> str | None:
        """The value of a field after every correction (the extracted value when none)."""
        row = self.conn.execute("SELECT new FROM corrections WHERE record_id = ? AND field = ?"
                                " ORDER BY correction_id DESC LIMIT 1", (record_id, field)).fetchone()
        if row is None:
            row = self.conn.execute("SELECT value FROM field_values WHERE record_id = ? AND field = ?",
                                    (record_id, field)).fetchone()
        return None if row is None else row[0]

    def corrections(self, record_ids: list[str] | None = None) -> list[Correction]:
        """Corrections in the order they were made (of ``record_ids`` only, when given)."""
        sql = "SELECT * FROM corrections"
        args: tuple[str, ...] = ()
        if record_ids is not None:
            sql, args = sql + f" WHERE record_id IN ({_IDS})", (_ids(record_ids),)
        return [Correction(*r) for r in self.conn.execute(sql + " ORDER BY correction_id", args)]

    # -- reads -----------------------------------------------------------------------------

    def count(self, table: str) -> int:
        if table not in TABLES:
            raise ValueError(table)
        return int(self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    def received_dates(self) -> dict[str, str]:
        """sha256 → the date the file was first received (kept across runs)."""
        return {s: r for s, r in self.conn.execute("SELECT sha256, received FROM files") if r}
