"""The ledger store: every write and the core reads, in short transactions, on SQLAlchemy Core.

A file's reading is committed as soon as it is read (a run killed half-way resumes with what is
missing); a run's findings, matches and files are committed at its end; the packet's issue in a
last short transaction. Every append to the hash chain happens inside a write transaction that
holds the county's chain (zhidao.store.engine.serialise_chain), so concurrent writers keep one
valid chain per county.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, CursorResult, func, insert, select, update
from sqlalchemy.exc import DBAPIError, OperationalError

from zhidao import __version__
from zhidao.audit import (
    CORRECTED,
    EXTRACTED,
    GENESIS,
    PACKET_ISSUED,
    RECEIVED,
    RUN_FINISHED,
    RUN_STARTED,
    EventRow,
    canonical,
    digest,
    event_hash,
)
from zhidao.errors import BAD_OPTION, LEDGER_BUSY, ConfigError, LedgerError
from zhidao.ingest.frames import scalar_to_text
from zhidao.model import FileOutcome

from . import schema as t
from .codec import location_to_dict, outcome_to_dict
from .engine import (
    create_schema,
    has_schema,
    is_busy,
    is_url,
    make_engine,
    serialise_chain,
    serialise_schema,
    shown,
    url_of,
)

# The record fields a reviewer may correct (SPEC.md's canonical fields, plus the form's month).
CORRECTABLE = ("instructor", "unit", "enterprise", "visit_date", "content", "duties", "problems", "signed",
               "report_date", "remarks", "form_month")


SHANGHAI = ZoneInfo("Asia/Shanghai")
CONFIRMED_REASON = "确认无误"


def now() -> str:
    """The time of an event, in the county's time zone (Asia/Shanghai), with its offset."""
    return dt.datetime.now(dt.UTC).astimezone(SHANGHAI).isoformat(timespec="seconds")


def ledger_busy(path: Path | str) -> LedgerError:
    return LedgerError(LEDGER_BUSY, "台账数据库正被另一次运行或核对占用，等待后仍未释放", _where(path),
                       "请等另一次运行或核对结束后再试")


def _where(db: Path | str) -> Path | None:
    """The ``path`` of a LedgerError: the SQLite file; a server's ledger is named in the message."""
    return None if is_url(db) else Path(db)


def _named(db: Path | str, message: str) -> str:
    return f"{message}：{shown(db)}" if is_url(db) else message


def reading_key(made_by: dict[str, Any]) -> str:
    """The key of a reading: what made it (reader code, engine and model, settings)."""
    return hashlib.sha256(canonical(made_by).encode()).hexdigest()[:32]


class Ledger:
    """Open with ``with Ledger(db, county) as ledger:``. ``db`` is an SQLite path or a
    ``postgresql://`` URL; ``create=False`` refuses an SQLite file that does not exist, or a
    database that does not exist or holds no ledger."""

    def __init__(self, db: Path | str, county: str = "", create: bool = True, wait_seconds: float = 10.0) -> None:
        self.db = db
        self.path: Path | str = shown(db) if is_url(db) else db  # shown to people: a URL without its password
        self.county = county
        is_file = not is_url(db)
        if is_file and not create and not Path(db).is_file():
            raise self._not_found()
        try:
            if is_file:
                Path(db).parent.mkdir(parents=True, exist_ok=True)
                self._refuse_old(Path(db))
            self.engine = make_engine(db, wait_seconds)
            if not is_file and not create and not has_schema(self.engine):
                self.engine.dispose()
                raise self._not_found()
            create_schema(self.engine)
            self._stamp()
        except DBAPIError as exc:
            if hasattr(self, "engine"):
                self.engine.dispose()
            if not is_file and not create and "does not exist" in str(exc.orig):
                raise self._not_found() from exc
            raise self._error(exc) from exc

    def _not_found(self) -> LedgerError:
        if is_url(self.db):
            return LedgerError("LEDGER_NOT_FOUND",
                               _named(self.db, "找不到台账数据库（该库不存在或其中没有 zhidao 的台账）"), None,
                               "请用 --db 指定运行 zhidao run 时使用的数据库")
        return LedgerError("LEDGER_NOT_FOUND", "找不到台账数据库", Path(self.db),
                           "请用 --db 指定运行 zhidao run 时使用的台账文件")

    def _refuse_old(self, path: Path) -> None:
        import sqlite3

        if not path.is_file() or path.stat().st_size == 0:
            return
        try:
            with sqlite3.connect(path) as conn:
                names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            raise LedgerError("LEDGER_UNREADABLE", "无法打开台账数据库：该文件不是 zhidao 的台账", path,
                              "请确认该文件是 zhidao 的台账，或用 --db 指定新的文件") from exc
        if "events" in names and "readings" not in names:
            raise LedgerError("LEDGER_OLD", "该台账由旧版 zhidao（第 2 版台账）写成，本版不能在其上继续记账", path,
                              "旧台账保持原样可供查阅；请用 --db 指定一个新的台账文件重新运行")

    def _stamp(self) -> None:
        with self.write() as conn:
            serialise_schema(conn)  # two first runs of two counties at once stamp it once
            version = conn.execute(select(t.meta.c.value).where(t.meta.c.key == "schema_version")).scalar()
            if version is None:
                conn.execute(insert(t.meta).values(key="schema_version", value=str(t.SCHEMA_VERSION)))
            elif int(version) > t.SCHEMA_VERSION:
                raise LedgerError("LEDGER_TOO_NEW", _named(self.db, f"台账数据库版本（{version}）比本程序新"),
                                  _where(self.db), "请升级 zhidao")

    def _error(self, exc: DBAPIError) -> LedgerError:
        if is_busy(exc):
            return ledger_busy(self.db)
        if is_url(self.db):
            first = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
            return LedgerError("LEDGER_UNREADABLE", _named(self.db, f"无法连接或打开台账数据库（{first}）"), None,
                               "请确认数据库服务器已启动、URL 中的用户、密码和库名无误")
        return LedgerError("LEDGER_UNREADABLE", f"无法打开台账数据库（{type(exc.orig).__name__}）",
                           Path(str(self.path)), "请确认该文件是 zhidao 的台账，或用 --db 指定新的文件")

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.engine.dispose()

    @property
    def url(self) -> str:
        return url_of(self.db)

    # -- transactions --------------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One short write transaction holding the county's chain."""
        try:
            with self.engine.begin() as conn:
                serialise_chain(conn, self.county)
                yield conn
        except OperationalError as exc:
            if is_busy(exc):
                raise ledger_busy(self.db) from exc
            raise

    @contextmanager
    def read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect().execution_options(zhidao_read=True) as conn:
                yield conn
        except OperationalError as exc:
            if is_busy(exc):
                raise ledger_busy(self.db) from exc
            raise

    # -- the event log ---------------------------------------------------------------------------

    def append_event(self, conn: Connection, kind: str, payload: dict[str, Any]) -> EventRow:
        """Append one event to the county's chain (the only way events are written)."""
        e = t.events.c
        last = conn.execute(select(e.seq, e.hash).where(e.county == self.county).order_by(e.seq.desc()).limit(1)
                            ).first()
        seq, prev = (int(last[0]) + 1, str(last[1])) if last else (1, GENESIS)
        at, body = now(), canonical(payload)
        row = EventRow(seq, at, kind, body, prev, event_hash(prev, seq, at, kind, body))
        conn.execute(insert(t.events).values(county=self.county, seq=seq, at=at, kind=kind, payload=body,
                                             prev_hash=prev, hash=row.hash))
        return row

    def events(self) -> list[EventRow]:
        e = t.events.c
        with self.read() as conn:
            rows = conn.execute(select(e.seq, e.at, e.kind, e.payload, e.prev_hash, e.hash)
                                .where(e.county == self.county).order_by(e.seq)).all()
        return [EventRow(int(r[0]), r[1], r[2], r[3], r[4], r[5]) for r in rows]

    def head(self, conn: Connection | None = None) -> tuple[int, str]:
        """(event count, hash of the last event) of this county's chain."""
        e = t.events.c
        query = select(e.seq, e.hash).where(e.county == self.county).order_by(e.seq.desc()).limit(1)
        if conn is None:
            with self.read() as c:
                last = c.execute(query).first()
        else:
            last = conn.execute(query).first()
        return (int(last[0]), str(last[1])) if last else (0, GENESIS)

    # -- runs ------------------------------------------------------------------------------------

    def start_run(self, quarter: str, inbox: str, roster: str, out: str) -> int:
        with self.write() as conn:
            run_id = _new_id(conn.execute(insert(t.runs).values(
                county=self.county, started=now(), version=__version__, quarter=quarter, inbox=inbox, roster=roster,
                out=out)))
            self.append_event(conn, RUN_STARTED, {"run_id": run_id, "version": __version__, "quarter": quarter,
                                                  "inbox": inbox, "roster": roster, "out": out})
        return run_id

    def finish_run(self, conn: Connection, run_id: int, counts: dict[str, int], corrections_upto: int = 0) -> None:
        """``corrections_upto``: the event seq of the last correction the run applied."""
        conn.execute(update(t.runs).where(t.runs.c.run_id == run_id).values(finished=now(), counts=counts))
        self.append_event(conn, RUN_FINISHED, {"run_id": run_id, "counts": counts, "corrections_upto": corrections_upto,
                                               **run_digests(conn, run_id)})

    def anchor_run(self, conn: Connection, run_id: int) -> tuple[int, str]:
        """Fix the chain head the run's packet is issued on, and keep it with the run."""
        seq, head = self.head(conn)
        conn.execute(update(t.runs).where(t.runs.c.run_id == run_id).values(anchor_seq=seq, anchor_hash=head))
        return seq, head

    # -- readings ----------------------------------------------------------------------------------

    def stored_readings(self, key: str, shas: list[str]) -> dict[str, tuple[int, dict[str, Any]]]:
        """sha256 → (reading id, stored outcome) of the readings made with ``key``."""
        r = t.readings.c
        found: dict[str, tuple[int, dict[str, Any]]] = {}
        with self.read() as conn:
            for start in range(0, len(shas), 500):
                rows = conn.execute(select(r.sha256, r.reading_id, r.outcome).where(
                    r.county == self.county, r.reading_key == key, r.sha256.in_(shas[start:start + 500]))
                    .order_by(r.reading_id))
                found.update({row[0]: (int(row[1]), row[2]) for row in rows})  # the latest wins
        return found

    def received_dates(self) -> dict[str, str]:
        """sha256 → the date the file was first received (kept across runs)."""
        f = t.files.c
        with self.read() as conn:
            return {s: d for s, d in conn.execute(select(f.sha256, f.received).where(f.county == self.county)) if d}

    def save_reading(self, outcome: FileOutcome, made_by: dict[str, Any], run_id: int, received: str,
                     records: list[dict[str, Any]]) -> int:
        """Commit one file's reading now: the file (first arrival), its reading, records and
        values, and their events. ``records`` are the frames.RECORDS rows of its items."""
        source = outcome.source
        key = reading_key(made_by)
        with self.write() as conn:
            known = conn.execute(select(t.files.c.sha256).where(
                t.files.c.county == self.county, t.files.c.sha256 == source.sha256)).first()
            if known is None:
                conn.execute(insert(t.files).values(county=self.county, sha256=source.sha256, size=source.size,
                                                    path=source.display, received=received, first_run=run_id))
                self.append_event(conn, RECEIVED, {"sha256": source.sha256, "path": source.display,
                                                   "size": source.size, "received": received})
            self._add_path(conn, source.sha256, source.display)
            error = outcome.errors[0] if outcome.errors else None
            reading_id = _new_id(conn.execute(insert(t.readings).values(
                county=self.county, sha256=source.sha256, reading_key=key, made_by=made_by, read_at=now(),
                run_id=run_id, medium=outcome.medium, status=outcome.status,
                error_code=error.code if error else None, error_message=error.message if error else None,
                outcome=outcome_to_dict(outcome), current=False)))
            self._add_records(conn, reading_id, outcome, records)
            self.append_event(conn, EXTRACTED, {
                "sha256": source.sha256, "reading_id": reading_id, "reading_key": key, "status": outcome.status,
                "error_code": error.code if error else None,
                "records": sorted(str(r["record_id"]) for r in records), **reading_digests(conn, reading_id)})
        return reading_id

    def _add_path(self, conn: Connection, sha: str, path: str) -> None:
        p = t.file_paths.c
        if conn.execute(select(p.sha256).where(p.county == self.county, p.sha256 == sha, p.path == path)).first():
            return
        conn.execute(insert(t.file_paths).values(county=self.county, sha256=sha, path=path))

    def _add_records(self, conn: Connection, reading_id: int, outcome: FileOutcome,
                     records: list[dict[str, Any]]) -> None:
        by_id = {str(r["record_id"]): r for r in records}
        rows, values = [], []
        for item in outcome.items:
            if item.kind != "record":
                continue
            rec = by_id[item.item_id]
            rows.append({"reading_id": reading_id, "record_id": item.item_id, "county": self.county,
                         "sha256": item.source.sha256, "page": item.page, "instructor": rec.get("instructor"),
                         "enterprise": rec.get("enterprise"), "visit_date": rec.get("visit_date"),
                         "review": list(item.review), "extractor": item.extractor, "steps": item.steps,
                         "fields": {k: v for k, v in rec.items() if k not in ("source", "steps")}})
            for name, v in item.values.items():
                loc = location_to_dict(v.location) or {}
                values.append({"reading_id": reading_id, "record_id": item.item_id, "field": name,
                               "value": rec.get(name) if name in rec and name != "signed" else scalar_to_text(v.value),
                               "raw": v.raw, "confidence": v.confidence, "page": loc.get("page", item.page),
                               "bbox": loc.get("bbox"), "cell": loc.get("cell"), "line": loc.get("line"),
                               "extractor": item.extractor})
        if rows:
            conn.execute(insert(t.records), rows)
        if values:
            conn.execute(insert(t.field_values), values)

    # -- the end of a run ----------------------------------------------------------------------------

    def record_run(self, conn: Connection, run_id: int, files: list[dict[str, Any]],
                   findings: list[dict[str, Any]], matches: list[dict[str, Any]]) -> None:
        """A run's files (each with the reading it counted), findings and matches; the readings
        it counted become the current ones."""
        if files:
            conn.execute(insert(t.run_files), [{"run_id": run_id, **f} for f in files])
        counted = {(f["sha256"], f["reading_id"]) for f in files if f.get("reading_id") is not None}
        r = t.readings.c
        for sha, reading_id in counted:
            conn.execute(update(t.readings).where(r.county == self.county, r.sha256 == sha)
                         .values(current=r.reading_id == reading_id))
        if findings:
            conn.execute(insert(t.findings), [{"run_id": run_id, "county": self.county, **f} for f in findings])
        if matches:
            conn.execute(insert(t.run_records), [{"run_id": run_id, **m} for m in matches])

    def packet_issued(self, conn: Connection, run_id: int, path: Path, published: Path | None = None) -> EventRow:
        """Record that a packet file (packet.xlsx / packet.pdf) was issued, with its sha256;
        ``published`` is where it will stand once the run's outputs are published."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise LedgerError("PACKET_NOT_FOUND", f"无法读取交流会材料文件：{exc}", path) from exc
        return self.append_event(conn, PACKET_ISSUED, {
            "run_id": run_id, "path": str((published or path).resolve()), "name": path.name, "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest()})

    # -- corrections -----------------------------------------------------------------------------------

    def record_ids(self) -> set[str]:
        with self.read() as conn:
            return {str(r[0]) for r in conn.execute(select(t.records.c.record_id).where(
                t.records.c.county == self.county).distinct())}

    def correct(self, record_id: str, field: str, new: str | None, who: str, reason: str | None = None,
                at: str | None = None, conn: Connection | None = None) -> Correction:
        """Record a reviewer's correction of one value (old: the latest correction's, else the
        current reading's). Stored in ``corrections`` and appended to the event log."""
        if field not in CORRECTABLE:
            raise ConfigError(BAD_OPTION, f"不能更正的栏目：{field!r}",
                              remedy=f"可更正的栏目：{'、'.join(CORRECTABLE)}")
        if not who.strip():
            raise ConfigError(BAD_OPTION, "更正必须写明更正人", remedy="请填写更正人姓名")
        if conn is None:
            with self.write() as c:
                return self.correct(record_id, field, new, who, reason, at, c)
        if record_id not in {str(r[0]) for r in conn.execute(select(t.records.c.record_id).where(
                t.records.c.county == self.county, t.records.c.record_id == record_id))}:
            raise LedgerError("RECORD_UNKNOWN", f"台账中没有这条工作记录：{record_id}", _where(self.db),
                              "请核对记录编号（见 records.jsonl 的 id）")
        old = current_value(conn, self.county, record_id, field)
        at = at or now()
        event = self.append_event(conn, CORRECTED, {"record_id": record_id, "field": field, "old": old, "new": new,
                                                    "who": who, "at": at, "reason": reason})
        cid = _new_id(conn.execute(insert(t.corrections).values(
            county=self.county, at=at, who=who, record_id=record_id, field=field, old=old, new=new, reason=reason,
            event_seq=event.seq)))
        return Correction(cid, at, who, record_id, field, old, new, reason, event.seq)

    def confirm(self, record_id: str, field: str, who: str, reason: str | None = None, at: str | None = None,
                conn: Connection | None = None) -> Correction:
        """Record that a person checked a value and found it right (确认无误): a correction that
        keeps the current value, so a confirmed value closes its review item like a corrected one."""
        if conn is None:
            with self.write() as c:
                return self.confirm(record_id, field, who, reason, at, c)
        current = current_value(conn, self.county, record_id, field)
        return self.correct(record_id, field, current, who, reason or CONFIRMED_REASON, at, conn)

    def corrections(self, record_ids: list[str] | None = None) -> list[Correction]:
        """Corrections in the order they were made (of ``record_ids`` only, when given)."""
        c = t.corrections.c
        query = select(c.correction_id, c.at, c.who, c.record_id, c.field, c.old, c.new, c.reason, c.event_seq
                       ).where(c.county == self.county).order_by(c.correction_id)
        with self.read() as conn:
            rows = conn.execute(query).all()
        wanted = set(record_ids) if record_ids is not None else None
        return [Correction(*r) for r in rows if wanted is None or r[3] in wanted]

    def current_value(self, record_id: str, field: str) -> str | None:
        with self.read() as conn:
            return current_value(conn, self.county, record_id, field)

    def count(self, table: str) -> int:
        if table not in t.TABLES:
            raise ValueError(table)
        tbl = t.metadata.tables[table]
        with self.read() as conn:
            query = select(func.count()).select_from(tbl)
            if "county" in tbl.c:
                query = query.where(tbl.c.county == self.county)
            return int(conn.execute(query).scalar_one())


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

    @property
    def confirmed(self) -> bool:
        """A check that kept the value as it was (确认无误)."""
        return self.old == self.new


def _new_id(result: CursorResult[Any]) -> int:
    """The primary key an INSERT of one row created."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def current_reading_ids(conn: Connection, county: str, record_ids: list[str]) -> dict[str, int]:
    """record id → the reading that is current for it (the latest when none is marked)."""
    rec, rd = t.records.c, t.readings.c
    rows = conn.execute(select(rec.record_id, rec.reading_id, rd.current).join(
        t.readings, rd.reading_id == rec.reading_id).where(rec.county == county, rec.record_id.in_(record_ids)))
    best: dict[str, tuple[bool, int]] = {}
    for rid, reading, current in rows:
        cand = (bool(current), int(reading))
        if rid not in best or cand > best[rid]:
            best[rid] = cand
    return {rid: reading for rid, (_, reading) in best.items()}


def current_value(conn: Connection, county: str, record_id: str, field: str) -> str | None:
    """The value of a field after every correction (the current reading's value when none)."""
    c = t.corrections.c
    row = conn.execute(select(c.new).where(c.county == county, c.record_id == record_id, c.field == field)
                       .order_by(c.correction_id.desc()).limit(1)).first()
    if row is not None:
        return row[0] if row[0] is None else str(row[0])
    reading = current_reading_ids(conn, county, [record_id]).get(record_id)
    v = t.field_values.c
    row = conn.execute(select(v.value).where(v.reading_id == reading, v.record_id == record_id, v.field == field)
                       ).first()
    return None if row is None else row[0]


def reading_digests(conn: Connection, reading_id: int) -> dict[str, str]:
    """Digests of a reading's stored records, field values and outcome (the JSON a rerun reuses),
    announced when it was read; ``audit verify`` recomputes them."""
    rec, v = t.records.c, t.field_values.c
    records = conn.execute(select(rec.record_id, rec.sha256, rec.page, rec.instructor, rec.enterprise,
                                  rec.visit_date, rec.review, rec.extractor, rec.fields)
                           .where(rec.reading_id == reading_id).order_by(rec.record_id)).all()
    values = conn.execute(select(v.record_id, v.field, v.value, v.raw, v.confidence, v.page, v.bbox, v.cell, v.line,
                                 v.extractor).where(v.reading_id == reading_id).order_by(v.record_id, v.field)).all()
    outcome = conn.execute(select(t.readings.c.outcome).where(t.readings.c.reading_id == reading_id)).scalar()
    return {"records_digest": digest([list(r) for r in records]), "values_digest": digest([list(r) for r in values]),
            "outcome_digest": digest(outcome)}


def run_digests(conn: Connection, run_id: int) -> dict[str, str]:
    """Digests of a run's findings, matches and files (announced when the run finished)."""
    f, m, rf = t.findings.c, t.run_records.c, t.run_files.c
    findings = conn.execute(select(f.rule, f.severity, f.instructor, f.enterprise, f.month, f.date, f.sources,
                                   f.message).where(f.run_id == run_id).order_by(f.finding_id)).all()
    matches = conn.execute(select(m.record_id, m.reading_id, m.instructor, m.enterprise, m.month, m.status,
                                  m.counted).where(m.run_id == run_id).order_by(m.record_id)).all()
    files = conn.execute(select(rf.sha256, rf.path, rf.role, rf.reading_id, rf.status).where(rf.run_id == run_id)
                         .order_by(rf.sha256, rf.path)).all()
    return {"findings_digest": digest([list(r) for r in findings]),
            "matches_digest": digest([list(r) for r in matches]),
            "files_digest": digest([list(r) for r in files])}
