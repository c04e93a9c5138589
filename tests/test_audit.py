"""The audit trail on the store: the hash-chained event log, the anchors printed on the packet,
`audit verify` (chain, tables, anchors, issued packets), `audit export`, and `trace`.

The tamper tests play the forger: they are the only tests that open the ledger with the bare
database driver (sqlite3, psycopg), drop the append-only triggers and edit, delete, reorder,
truncate, wipe, or rewrite a value and recompute the whole chain with the project's own hash and
digests — the anchor printed on the packet still catches it. Every test of a ledger runs on SQLite
and on PostgreSQL (tests/conftest.py: ``backend``)."""

from __future__ import annotations

import collections
import csv
import hashlib
import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import openpyxl
import pypdfium2
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from tests.conftest import Ledgers, read_jsonl
from zhidao.anchor import Anchor, check_anchor, find_anchors, parse_anchor
from zhidao.audit import GENESIS, EventRow, event_hash, verify_chain
from zhidao.cli import ExitCode, main
from zhidao.context import Quarter, RunContext
from zhidao.errors import ConfigError, LedgerError
from zhidao.fixtures.demo import DemoPaths
from zhidao.ingest.anchors import read_anchors
from zhidao.pipeline.audit import verify_ledger
from zhidao.pipeline.audit_anchor import verify
from zhidao.pipeline.run import run
from zhidao.store import Ledger
from zhidao.store.engine import url_of
from zhidao.store.ledger import reading_digests
from zhidao.validate.profile import load_profile


def _run(demo: DemoPaths, out: Path, db: Path | str) -> None:
    run(RunContext(inbox=demo.inbox, roster=demo.roster, quarter=Quarter.parse(demo.quarter), out=out, db=db,
                   as_of=demo.as_of, received=demo.received, profile=load_profile()))


@pytest.fixture(scope="module")
def demo_run(demo: DemoPaths, module_ledgers: Ledgers, tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[Path, Path | str]:
    tmp = tmp_path_factory.mktemp("audit")
    db = module_ledgers.new()
    _run(demo, tmp / "out", db)
    return tmp / "out", db


@pytest.fixture()
def db_copy(demo_run: tuple[Path, Path | str], ledgers: Ledgers) -> Path | str:
    """A fresh copy of the demo ledger (tests that tamper or append work on it)."""
    return ledgers.copy(demo_run[1])


def _cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _verify(db: Path | str) -> Any:
    with Ledger(db, create=False) as ledger:
        return verify_ledger(ledger)


def _events(db: Path | str) -> list[EventRow]:
    with Ledger(db, create=False) as ledger:
        return ledger.events()


def _kinds(db: Path | str) -> dict[str, int]:
    return dict(collections.Counter(e.kind for e in _events(db)))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _anchor_of(out: Path) -> Anchor:
    [anchor] = read_anchors(out / "packet.pdf")
    return anchor


# -- the chain and the anchor, pure ---------------------------------------------------------------

def _chain(n: int, start: int = 1, prev: str = GENESIS, kind: str = "test") -> list[EventRow]:
    rows = []
    for seq in range(start, start + n):
        at, payload = f"2026-10-{seq:02d}T00:00:00+00:00", json.dumps({"n": seq, "kind": kind})
        rows.append(EventRow(seq, at, kind, payload, prev, event_hash(prev, seq, at, kind, payload)))
        prev = rows[-1].hash
    return rows


def test_verify_chain_pure() -> None:
    rows = _chain(5)
    assert verify_chain([]).ok and verify_chain([]).count == 0
    assert verify_chain(rows).ok and verify_chain(rows).head == rows[-1].hash
    edited = [*rows[:2], rows[2]._replace(payload='{"n":99}'), *rows[3:]]
    assert (verify_chain(edited).problem, verify_chain(edited).seq) == ("edited", 3)
    assert (verify_chain(rows[:1] + rows[2:]).problem, verify_chain(rows[:1] + rows[2:]).seq) == ("removed", 2)
    swapped = [rows[0], rows[3]._replace(seq=2), rows[2], rows[1]._replace(seq=4), rows[4]]
    assert (verify_chain(swapped).problem, verify_chain(swapped).seq) == ("reordered", 2)


def test_anchor_text_round_trip() -> None:
    anchor = Anchor("青川 县%", 104, "ab" * 32)
    assert anchor.text() == f"zhidao-anchor/1 county=青川%20县%25 seq=104 hash={'ab' * 32}"
    assert parse_anchor(anchor.text()) == anchor
    assert find_anchors(f"页脚 {Anchor('青川县', 7, 'cd' * 32).footer()} 第 3 页") == [Anchor("青川县", 7, "cd" * 32)]
    assert parse_anchor(Anchor("", 9, "ef" * 32).footer()) == Anchor("", 9, "ef" * 32)
    assert parse_anchor(f"12:{'AB' * 32}", "甲县") == Anchor("甲县", 12, "ab" * 32)
    assert parse_anchor(f" {'AB' * 32} ") == Anchor("", None, "ab" * 32)
    with pytest.raises(ConfigError, match="BAD_OPTION"):
        parse_anchor("3f2a")


def test_check_anchor_pure() -> None:
    rows = _chain(6)
    at4 = Anchor("", 4, rows[3].hash)
    assert check_anchor(rows, at4).ok and check_anchor(rows[:4], at4).ok
    assert check_anchor(rows, Anchor("", None, rows[3].hash)).anchor.seq == 4
    assert check_anchor([], Anchor("", 0, GENESIS)).ok
    assert check_anchor(rows[:3], at4).problem == "truncated" and "只剩 3 条" in check_anchor(rows[:3], at4).message()
    assert check_anchor([], at4).problem == "wiped"
    assert check_anchor([*rows[:1], *rows[2:]], at4).problem == "broken"
    rewritten = _chain(4, kind="forged")  # a whole chain recomputed: it verifies, but it is not the one anchored
    assert verify_chain(rewritten).ok and check_anchor(rewritten, at4).problem == "rewritten"
    assert check_anchor(rewritten, Anchor("", None, rows[3].hash)).problem == "unknown"


def test_anchor_of_another_county_is_named(ledger_db: Path | str) -> None:
    db = ledger_db
    with Ledger(db, "甲 县") as a, Ledger(db, "乙县") as b:
        a.start_run("2026Q3", "inbox", "roster", "out")
        b.start_run("2026Q3", "inbox", "roster", "out")
        b.start_run("2026Q3", "inbox", "roster", "out")
        head_a = Anchor("甲 县", *a.head())
        assert verify(a, [head_a]).ok
        verdict = verify(b, [head_a])
        assert not verdict.ok and "属于「甲 县」" in verdict.message()
    # the county to check is taken from the anchor when --county is not given
    result = _cli("audit", "verify", "--db", str(db), "--anchor", head_a.text())
    assert result.exit_code == 0, result.output
    assert "第 1 条" in result.output


# -- the anchor on the packet -------------------------------------------------------------------------

def test_packet_carries_the_run_anchor(demo_run: tuple[Path, Path | str]) -> None:
    out, db = demo_run
    with Ledger(db, create=False) as ledger:
        events = ledger.events()
    finished = max(e.seq for e in events if e.kind == "run_finished")
    anchor = Anchor("", finished, next(e.hash for e in events if e.seq == finished))
    assert read_anchors(out / "packet.pdf") == read_anchors(out / "packet.xlsx") == [anchor]
    pdf = pypdfium2.PdfDocument(out / "packet.pdf")
    try:
        pages = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()
    assert len(pages) > 5 and all(f"台账锚点 第 {finished} 条 · {anchor.hash}" in text for text in pages)
    wb = openpyxl.load_workbook(out / "packet.xlsx")
    assert [p.value for p in wb.custom_doc_props.props if p.name == "zhidao_anchor"] == [anchor.text()]
    assert anchor.text() in [c.value for row in wb["数据来源"].iter_rows() for c in row]


def test_verify_ok_with_anchor_and_out(demo: DemoPaths, demo_run: tuple[Path, Path | str]) -> None:
    out, db = demo_run
    result = _cli("audit", "verify", "--db", str(db), "--anchor", str(out / "packet.pdf"), "--anchor",
                  str(out / "packet.xlsx"), "--anchor", _anchor_of(out).hash, "--out", str(out))
    assert result.exit_code == 0, result.output
    count = len(_events(db))
    assert f"共 {count} 条" in result.output and "校验通过" in result.output
    assert result.output.count("与台账一致") == 1, "the same anchor is checked once"
    assert "packet.xlsx 与印发时一致" in result.output and "packet.pdf 与印发时一致" in result.output
    inbox = len(list(demo.inbox.iterdir()))
    assert _kinds(db)["file_received"] == _kinds(db)["file_extracted"] == inbox and _kinds(db)["run_finished"] == 1


def test_bad_anchor_values(demo_run: tuple[Path, Path | str], tmp_path: Path) -> None:
    _, db = demo_run
    result = _cli("audit", "verify", "--db", str(db), "--anchor", "3f2a")
    assert result.exit_code == ExitCode.CONFIG and "BAD_OPTION" in result.output
    (tmp_path / "x.pdf").write_bytes(b"not a pdf")
    result = _cli("audit", "verify", "--db", str(db), "--anchor", str(tmp_path / "x.pdf"))
    assert result.exit_code == ExitCode.INPUT and "FILE_UNRECOGNISED" in result.output
    (tmp_path / "cut.pdf").write_bytes(b"%PDF-1.4\ngarbage")
    result = _cli("audit", "verify", "--db", str(db), "--anchor", str(tmp_path / "cut.pdf"))
    assert result.exit_code == ExitCode.INPUT and "FILE_DAMAGED" in result.output
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "plain.xlsx")
    result = _cli("audit", "verify", "--db", str(db), "--anchor", str(tmp_path / "plain.xlsx"))
    assert result.exit_code == ExitCode.INPUT and "ANCHOR_NOT_FOUND" in result.output
    result = _cli("audit", "verify", "--db", str(db), "--anchor", str(tmp_path / "none.zip"))
    assert result.exit_code == ExitCode.INPUT and "FILE_NOT_FOUND" in result.output


# -- the forger ---------------------------------------------------------------------------------------

@contextmanager
def _bare(db: Path | str) -> Iterator[Connection]:
    """The bare driver on the ledger (sqlite3 or psycopg, none of zhidao's set-up), one transaction."""
    engine = create_engine(url_of(db))
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


@contextmanager
def _forger(db: Path | str) -> Iterator[Connection]:
    """The bare driver on the ledger, the append-only triggers dropped (what a tamperer does first)."""
    with _bare(db) as conn:
        if conn.dialect.name == "sqlite":
            for trigger in ("events_no_update", "events_no_delete", "corrections_no_update", "corrections_no_delete"):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
        else:
            for table in ("events", "corrections"):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        yield conn


def _sql(db: Path | str, *statements: str) -> None:
    """Raw SQL as the forger types it (``@json`` marks a literal PostgreSQL must be told is JSON)."""
    with _forger(db) as conn:
        for statement in statements:
            conn.exec_driver_sql(statement.replace("@json", "" if conn.dialect.name == "sqlite" else "::json"))


def _rechain(conn: Connection) -> None:
    """Recompute every hash of the chain (the forger has the code)."""
    prev = GENESIS
    for seq, at, kind, payload in conn.execute(text(
            "SELECT seq, at, kind, payload FROM events WHERE county = '' ORDER BY seq")).all():
        new = event_hash(prev, seq, at, kind, payload)
        conn.execute(text("UPDATE events SET prev_hash = :prev, hash = :new WHERE county = '' AND seq = :seq"),
                     {"prev": prev, "new": new, "seq": seq})
        prev = new
    for run_id, seq in conn.execute(text("SELECT run_id, anchor_seq FROM runs")).all():
        conn.execute(text("UPDATE runs SET anchor_hash = (SELECT hash FROM events WHERE county = '' AND seq = :seq) "
                          "WHERE run_id = :run"), {"seq": seq, "run": run_id})


def _caught(db: Path | str, out: Path, *expected: str, extra: tuple[str, ...] = ()) -> str:
    """`audit verify --anchor packet.pdf` fails with LEDGER_TAMPERED and names what is wrong."""
    result = _cli("audit", "verify", "--db", str(db), "--anchor", str(out / "packet.pdf"), *extra)
    assert result.exit_code == ExitCode.LEDGER, result.output
    assert "LEDGER_TAMPERED" in result.output
    for words in expected:
        assert words in result.output, result.output
    return result.output


def _first_record(db: Path | str) -> tuple[int, str, str]:
    """(reading id, record id, sha256) of the first record the ledger holds."""
    with _bare(db) as conn:
        reading, rid, sha = conn.execute(text(
            "SELECT reading_id, record_id, sha256 FROM records ORDER BY reading_id, record_id LIMIT 1")).one()
    return int(reading), str(rid), str(sha)


def _extracted_seq(db: Path | str, reading_id: int) -> int:
    return next(e.seq for e in _events(db) if e.kind == "file_extracted"
                and json.loads(e.payload)["reading_id"] == reading_id)


def test_edited_value_is_found(demo_run: tuple[Path, Path | str], db_copy: Path | str) -> None:
    reading, rid, _ = _first_record(db_copy)
    _sql(db_copy, f"UPDATE field_values SET value = '2026-07-30' WHERE reading_id = {reading} "
                  f"AND record_id = '{rid}' AND field = 'visit_date'")
    seq = _extracted_seq(db_copy, reading)
    result = _verify(db_copy)
    assert (result.problem, result.seq) == ("mismatch", seq) and "field_values" in result.message()
    _caught(db_copy, demo_run[0], f"第 {seq} 条", "field_values")


def test_edited_event_is_named(demo_run: tuple[Path, Path | str], db_copy: Path | str) -> None:
    seq = [e.seq for e in _events(db_copy) if e.kind == "file_received"][1]
    _sql(db_copy, f"""UPDATE events SET payload = replace(payload, '"size":', '"size":1') WHERE seq = {seq}""")
    assert (_verify(db_copy).problem, _verify(db_copy).seq) == ("edited", seq)
    _caught(db_copy, demo_run[0], f"第 {seq} 条被修改", "锚点之前的事件日志已损坏")


def test_deleted_rows_are_found(demo_run: tuple[Path, Path | str], db_copy: Path | str, ledgers: Ledgers) -> None:
    other = ledgers.copy(db_copy, "other")
    _sql(db_copy, "DELETE FROM events WHERE seq = 7")
    assert (_verify(db_copy).problem, _verify(db_copy).seq) == ("removed", 7)
    _caught(db_copy, demo_run[0], "第 7 条被删除")
    reading, rid, _ = _first_record(other)  # a table row: the record its extraction event announced
    _sql(other, f"DELETE FROM records WHERE reading_id = {reading} AND record_id = '{rid}'")
    assert _verify(other).problem == "mismatch"
    _caught(other, demo_run[0], "records 表")


@pytest.mark.parametrize(("statement", "named"), [
    ("UPDATE findings SET message = '无' WHERE finding_id = (SELECT MIN(finding_id) FROM findings)", "findings 表"),
    ("UPDATE run_records SET counted = NOT counted WHERE record_id = (SELECT MIN(record_id) FROM run_records)",
     "run_records 表"),
    ("UPDATE run_files SET status = 'ok' WHERE status = 'error'", "run_files 表"),
    ("UPDATE runs SET counts = '{\"files\":1}'", "runs 表"),
    ("UPDATE files SET size = size + 1 WHERE sha256 = (SELECT MIN(sha256) FROM files)", "files 表"),
    ("UPDATE readings SET status = 'ok' WHERE status = 'error'", "readings 表"),
    ("INSERT INTO records (reading_id, record_id, county, sha256, review, steps, fields) SELECT reading_id, "
     "'forged', county, sha256, '[]'@json, '{}'@json, '{}'@json FROM readings LIMIT 1", "records 表"),
    ("UPDATE runs SET anchor_hash = '" + "0" * 64 + "'", "锚点"),
])
def test_edited_tables_are_found(db_copy: Path | str, statement: str, named: str) -> None:
    _sql(db_copy, statement)
    result = _verify(db_copy)
    assert result.problem == "mismatch" and named in result.message(), result.message()


def test_reordered_events_are_named(demo_run: tuple[Path, Path | str], db_copy: Path | str) -> None:
    _sql(db_copy, "UPDATE events SET seq = -1 WHERE seq = 4", "UPDATE events SET seq = 4 WHERE seq = 9",
         "UPDATE events SET seq = 9 WHERE seq = -1")
    assert (_verify(db_copy).problem, _verify(db_copy).seq) == ("reordered", 4)
    _caught(db_copy, demo_run[0], "第 4 条顺序被调换")


def test_truncated_tail_is_caught_by_the_anchor(demo_run: tuple[Path, Path | str], db_copy: Path | str,
                                                ledgers: Ledgers) -> None:
    out = demo_run[0]
    anchor = _anchor_of(out)
    after = ledgers.copy(db_copy, "after")
    _sql(db_copy, f"DELETE FROM events WHERE seq > {anchor.seq - 5}")
    assert not _verify(db_copy).ok  # the tables still hold what the cut events announced
    _caught(db_copy, out, f"只剩 {anchor.seq - 5} 条", f"锚点记载的是第 {anchor.seq} 条")
    # cut after the anchor (the packets' issue): the anchor still holds, --out finds the issue gone
    _sql(after, f"DELETE FROM events WHERE seq > {anchor.seq}")
    assert _verify(after).ok
    assert _cli("audit", "verify", "--db", str(after), "--anchor", str(out / "packet.pdf")).exit_code == 0
    _caught(after, out, "没有向", "packet_issued", extra=("--out", str(out)))


def test_wiped_ledger_is_caught_by_the_anchor(demo_run: tuple[Path, Path | str], db_copy: Path | str) -> None:
    tables = ("field_values", "records", "readings", "file_paths", "files", "run_files", "run_records", "findings",
              "corrections", "runs", "events")
    _sql(db_copy, *(f"DELETE FROM {t}" for t in tables))
    plain = _cli("audit", "verify", "--db", str(db_copy))
    assert plain.exit_code == 0 and "共 0 条" in plain.output, "without the anchor an empty ledger is consistent"
    _caught(db_copy, demo_run[0], "事件日志是空的", "台账已被清空")


def test_rewrite_with_the_chain_recomputed_is_caught_by_the_anchor(demo_run: tuple[Path, Path | str],
                                                                  db_copy: Path | str) -> None:
    """A visit date rewritten in records and field_values, the reading's digests recomputed into
    its extraction event and every hash after it recomputed: the plain check passes, the
    anchor on the packet does not."""
    out = demo_run[0]
    anchor = _anchor_of(out)
    reading, rid, _ = _first_record(db_copy)
    with _forger(db_copy) as conn:
        key = {"reading": reading, "rid": rid}
        (fields,) = conn.execute(text("SELECT fields FROM records WHERE reading_id = :reading AND record_id = :rid"),
                                 key).one()
        fields = json.loads(fields) if isinstance(fields, str) else fields  # SQLite gives the text, psycopg the JSON
        forged = json.dumps({**fields, "visit_date": "2026-07-31"}, ensure_ascii=False)
        value = ":forged" if conn.dialect.name == "sqlite" else "CAST(:forged AS JSON)"
        conn.execute(text(f"UPDATE records SET visit_date = '2026-07-31', fields = {value} "
                          "WHERE reading_id = :reading AND record_id = :rid"), {**key, "forged": forged})
        conn.execute(text("UPDATE field_values SET value = '2026-07-31', raw = '7月31日' WHERE reading_id = :reading "
                          "AND record_id = :rid AND field = 'visit_date'"), key)
    with Ledger(db_copy, create=False) as ledger, ledger.read() as c:
        digests = reading_digests(c, reading)
    seq = _extracted_seq(db_copy, reading)
    with _forger(db_copy) as conn:
        (payload,) = conn.execute(text("SELECT payload FROM events WHERE county = '' AND seq = :seq"),
                                  {"seq": seq}).one()
        body = json.dumps({**json.loads(payload), **digests}, sort_keys=True, ensure_ascii=False,
                          separators=(",", ":"))
        conn.execute(text("UPDATE events SET payload = :body WHERE county = '' AND seq = :seq"),
                     {"body": body, "seq": seq})
        _rechain(conn)
    assert _verify(db_copy).ok, "the forged ledger passes the plain check"
    assert _cli("audit", "verify", "--db", str(db_copy)).exit_code == 0
    _caught(db_copy, out, f"事件日志第 {anchor.seq} 条的哈希是", f"不是锚点记载的 {anchor.hash[:16]}", "重新计算")
    bare = _cli("audit", "verify", "--db", str(db_copy), "--anchor", anchor.hash)
    assert bare.exit_code == ExitCode.LEDGER and "没有哈希为" in bare.output


def test_changed_packet_is_named(demo_run: tuple[Path, Path | str]) -> None:
    out, db = demo_run
    xlsx, pdf = out / "packet.xlsx", out / "packet.pdf"
    kept = xlsx.read_bytes(), pdf.read_bytes()
    try:
        wb = openpyxl.load_workbook(xlsx)
        wb["驻企天数"].cell(3, 3).value = 9
        wb.save(xlsx)
        result = _cli("audit", "verify", "--db", str(db), "--anchor", str(pdf), "--out", str(out))
        assert result.exit_code == ExitCode.LEDGER and "LEDGER_TAMPERED" in result.output
        assert "packet.xlsx" in result.output and "印发后被改动" in result.output
        assert "packet.pdf" not in result.output, "only the changed one is named"
        pdf.unlink()
        result = _cli("audit", "verify", "--db", str(db), "--out", str(out))
        assert result.exit_code == ExitCode.LEDGER and "packet.pdf" in result.output and "已不存在" in result.output
    finally:
        xlsx.write_bytes(kept[0])
        pdf.write_bytes(kept[1])
    assert _cli("audit", "verify", "--db", str(db), "--out", str(out)).exit_code == 0


def test_events_are_append_only(db_copy: Path | str) -> None:
    for statement in ("UPDATE events SET kind = 'x' WHERE seq = 1", "DELETE FROM events WHERE seq = 1"):
        with pytest.raises(DBAPIError, match="append-only"), _bare(db_copy) as conn:
            conn.exec_driver_sql(statement)


# -- reruns, corrections and the export -------------------------------------------------------------

def test_rerun_adds_no_received_or_extracted_events(demo: DemoPaths, db_copy: Path | str, tmp_path: Path) -> None:
    before = _kinds(db_copy)
    _run(demo, tmp_path / "again", db_copy)
    after = _kinds(db_copy)
    assert after == {**before, "run_started": before["run_started"] + 1, "run_finished": before["run_finished"] + 1,
                     "packet_issued": before["packet_issued"] + 2}  # each run issues its packet.xlsx and .pdf
    assert _verify(db_copy).ok
    both = _cli("audit", "verify", "--db", str(db_copy), "--anchor", str(tmp_path / "again" / "packet.xlsx"),
                "--out", str(tmp_path / "again"))
    assert both.exit_code == 0, both.output


def _a_record(db: Path | str) -> str:
    with Ledger(db, create=False) as ledger:
        return sorted(ledger.record_ids())[0]


def test_correct_keeps_old_value_and_logs_an_event(db_copy: Path | str) -> None:
    rid = _a_record(db_copy)
    with Ledger(db_copy) as ledger:
        first = ledger.correct(rid, "visit_date", "2026-07-07", "王审核", "原文看错")
        second = ledger.correct(rid, "visit_date", "2026-07-08", "李复核")
        assert first.old is not None and second.old == "2026-07-07"
        assert ledger.current_value(rid, "visit_date") == "2026-07-08"
        event = ledger.events()[-1]
        assert event.kind == "value_corrected" and json.loads(event.payload)["who"] == "李复核"
        with pytest.raises(LedgerError, match="RECORD_UNKNOWN"):
            ledger.correct("no-such-record", "visit_date", "2026-07-01", "王审核")
        with pytest.raises(ConfigError):
            ledger.correct(rid, "sha256", "x", "王审核")
    assert _verify(db_copy).ok
    _sql(db_copy, f"UPDATE corrections SET new = '2026-07-09' WHERE correction_id = {second.correction_id}")
    assert _verify(db_copy).problem == "mismatch" and "corrections" in _verify(db_copy).message()


def test_export_bundle(demo: DemoPaths, demo_run: tuple[Path, Path | str], db_copy: Path | str,
                       tmp_path: Path) -> None:
    out, _ = demo_run
    with Ledger(db_copy) as ledger:  # the run itself issued packet.xlsx and packet.pdf
        ledger.correct(_a_record(db_copy), "content", "更正后的内容", "王审核")
    head = len(_events(db_copy))
    bundle = tmp_path / "督查" / "2026Q3.zip"
    result = _cli("audit", "export", "--quarter", "2026Q3", "--out", str(bundle), "--db", str(db_copy))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(bundle) as zf:
        names = set(zf.namelist())
        assert names >= {"manifest.json", "records.jsonl", "findings.jsonl", "corrections.jsonl", "packets.json",
                         "events.jsonl", "anchor.json", "README.txt", "gx/validation_results.json",
                         "gx/data_docs/index.html"}
        manifest = json.loads(zf.read("manifest.json"))
        for name, sha in manifest["contents"].items():
            assert hashlib.sha256(zf.read(name)).hexdigest() == sha, name
        packets = json.loads(zf.read("packets.json"))
        findings = zf.read("findings.jsonl").decode("utf-8").splitlines()
        corrections = zf.read("corrections.jsonl").decode("utf-8").splitlines()
        records = [json.loads(line) for line in zf.read("records.jsonl").decode("utf-8").splitlines()]
        anchor = json.loads(zf.read("anchor.json"))
        assert "督查" in zf.read("README.txt").decode("utf-8") and "--anchor" in zf.read("README.txt").decode()
    sources = {s["path"]: s["sha256"] for s in manifest["sources"]}
    for path in demo.inbox.iterdir():
        assert sources[str(path)] == _sha(path), path.name
    assert sorted(p["sha256"] for p in packets) == sorted([_sha(out / "packet.xlsx"), _sha(out / "packet.pdf")])
    assert len(findings) == len(read_jsonl(out / "findings.jsonl")) and len(corrections) == 1
    assert len(records) == 131 and all(r["values"] and r["match"] for r in records)
    assert anchor["run"]["text"] == _anchor_of(out).text() and anchor["exported"]["seq"] == head
    assert read_anchors(bundle) == [_anchor_of(out), Anchor("", head, anchor["exported"]["hash"])]
    assert _kinds(db_copy)["audit_exported"] == 1 and _verify(db_copy).ok
    result = _cli("audit", "verify", "--db", str(db_copy), "--anchor", str(bundle))
    assert result.exit_code == 0 and result.output.count("与台账一致") == 2, result.output
    _sql(db_copy, f"DELETE FROM events WHERE seq > {head - 1}")  # the correction and the export cut off
    _caught(db_copy, out, f"锚点记载的是第 {head} 条", extra=("--anchor", str(bundle)))


def test_export_refuses_a_tampered_ledger(db_copy: Path | str, tmp_path: Path) -> None:
    _sql(db_copy, "DELETE FROM events WHERE seq = 3")
    result = _cli("audit", "export", "--quarter", "2026Q3", "--out", str(tmp_path / "b.zip"), "--db", str(db_copy))
    assert result.exit_code == ExitCode.LEDGER and "LEDGER_TAMPERED" in result.output
    assert not (tmp_path / "b.zip").exists()


def test_unknown_ledger_and_quarter(db_copy: Path | str, ledgers: Ledgers, tmp_path: Path) -> None:
    if ledgers.postgres:  # a database that does not exist, and one without zhidao's tables (left without them)
        empty = str(ledgers.new())
        for none in (empty.rsplit("/", 1)[0] + "/zhidao_no_such_db", empty):
            result = _cli("audit", "verify", "--db", none)
            assert result.exit_code == ExitCode.LEDGER and "LEDGER_NOT_FOUND" in result.output, result.output
            assert ":zhidao@" not in result.output, "the password is not shown"
        engine = create_engine(url_of(empty))
        with engine.connect() as conn:
            assert inspect(conn).get_table_names() == []
        engine.dispose()
    else:
        result = _cli("audit", "verify", "--db", str(tmp_path / "none.db"))
        assert result.exit_code == ExitCode.LEDGER and "LEDGER_NOT_FOUND" in result.output
        assert not (tmp_path / "none.db").exists()
    result = _cli("audit", "export", "--quarter", "2025Q1", "--out", str(tmp_path / "b.zip"), "--db", str(db_copy))
    assert result.exit_code == ExitCode.LEDGER and "RUN_NOT_FOUND" in result.output
    result = _cli("audit", "export", "--quarter", "2026Q3", "--out", str(tmp_path / "b.zip"), "--db", str(db_copy),
                  "--county", "别的县")
    assert result.exit_code == ExitCode.LEDGER and "RUN_NOT_FOUND" in result.output


# -- trace ----------------------------------------------------------------------------------

def _days_min(out: Path) -> dict[str, Any]:
    return next(f for f in read_jsonl(out / "findings.jsonl") if f["rule"] == "DAYS_MIN")


def _attendance(out: Path, instructor: str, enterprise: str, month: str) -> int:
    with (out / "attendance.csv").open(encoding="utf-8-sig") as fh:
        return next(int(r["days"]) for r in csv.DictReader(fh)
                    if (r["instructor"], r["enterprise"], r["month"]) == (instructor, enterprise, month))


def test_trace_explains_a_days_min_finding(demo_run: tuple[Path, Path | str]) -> None:
    out, db = demo_run
    f = _days_min(out)
    result = _cli("trace", f["instructor"], f["month"], "--db", str(db), "--format", "json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    assert got["days"][f["enterprise"]] == _attendance(out, f["instructor"], f["enterprise"], f["month"])
    assert {r["path"] for r in got["records"]} == set(f["sources"])
    assert all(r["sha256"] == _sha(Path(r["path"])) for r in got["records"])
    assert all(r["page"] == 1 and r["date_location"] for r in got["records"])
    assert "DAYS_MIN" in {x["rule"] for x in got["findings"]}
    text = _cli("trace", f["instructor"], f["month"], "--db", str(db), "--enterprise", "金穗")
    assert text.exit_code == 0
    assert f"驻企 {got['days'][f['enterprise']]} 天" in text.output and Path(f["sources"][0]).name in text.output


def test_trace_shows_corrections_and_whether_the_run_used_them(demo: DemoPaths, demo_run: tuple[Path, Path | str],
                                                               db_copy: Path | str, tmp_path: Path) -> None:
    f = _days_min(demo_run[0])
    with Ledger(db_copy) as ledger:
        rid = json.loads(_cli("trace", f["instructor"], f["month"], "--db", str(db_copy), "--format", "json"
                              ).output)["records"][0]["record_id"]
        ledger.correct(rid, "visit_date", f"{f['month']}-02", "王审核", "原文看错")
    before = json.loads(_cli("trace", f["instructor"], f["month"], "--db", str(db_copy), "--format", "json").output)
    fixed = next(r for r in before["records"] if r["record_id"] == rid)
    assert [c["applied"] for c in fixed["corrections"]] == [False] and fixed["visit_date"] != f"{f['month']}-02"
    _run(demo, tmp_path / "again", db_copy)
    after = _cli("trace", f["instructor"], f["month"], "--db", str(db_copy), "--format", "json")
    fixed = next(r for r in json.loads(after.output)["records"] if r["record_id"] == rid)
    assert [c["applied"] for c in fixed["corrections"]] == [True] and fixed["visit_date"] == f"{f['month']}-02"


def test_trace_bad_month(demo_run: tuple[Path, Path | str]) -> None:
    result = _cli("trace", "郑海燕", "2026-13", "--db", str(demo_run[1]))
    assert result.exit_code == ExitCode.CONFIG and "BAD_OPTION" in result.output
