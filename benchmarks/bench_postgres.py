"""120,000 digital records stored into a PostgreSQL ledger and into an SQLite one, in the same
run (issue 16, item 4): wall seconds, records per second, and PostgreSQL's time as a ratio of
SQLite's.

The records are the demo quarter's, as `zhidao run` stores them: the demo inbox is read once
(a real run into a scratch SQLite ledger), then its stored readings are replayed under new file
hashes — each synthetic file carries the items of ``--per-file`` demo files — through
Ledger.save_reading (one short transaction a file: the file, its reading, records, field
values and their events), then Ledger.record_run and finish_run (the run's files and matches, one
transaction), exactly the calls of pipeline/run.py.

    .venv/bin/python benchmarks/bench_postgres.py [--records 120000] [--repeats 3] [--pg URL]
        [--write benchmarks/results/postgres.md]

--pg defaults to ZHIDAO_TEST_PG, else the server scripts/postgres.sh sets up; each repeat gets a
fresh database (created and dropped here) and a fresh SQLite file.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import make_url

from zhidao.fixtures.demo import demo_paths
from zhidao.model import FileOutcome
from zhidao.store import Ledger
from zhidao.store import schema as t
from zhidao.store.codec import dict_to_outcome

PG_DEFAULT = "postgresql://zhidao:zhidao@127.0.0.1:5432/zhidao_test"
MADE_BY = {"reader": "bench", "engine": "none", "settings": {}}


@dataclasses.dataclass
class Source:
    outcome: dict[str, Any]  # the stored FileOutcome (zhidao.store.codec)
    records: dict[str, dict[str, Any]]  # record id → its frames.RECORDS row as stored


def read_demo(tmp: Path) -> list[Source]:
    """The demo inbox read once by `zhidao run`, as the ledger keeps it."""
    demo = demo_paths()
    db = tmp / "demo.db"
    subprocess.run([sys.executable, "-m", "zhidao.cli", "run", str(demo.inbox), "--roster", str(demo.roster),
                    "--quarter", demo.quarter, "--out", str(tmp / "demo-out"), "--db", str(db), "--as-of",
                    demo.as_of.isoformat(), "--received", demo.received.isoformat()], check=True, capture_output=True)
    sources = []
    with Ledger(db, create=False) as ledger, ledger.read() as conn:
        r, rec = t.readings.c, t.records.c
        for reading_id, outcome in conn.execute(select(r.reading_id, r.outcome).order_by(r.reading_id)):
            rows = {str(i): dict(f) for i, f in conn.execute(select(rec.record_id, rec.fields).where(
                rec.reading_id == reading_id))}
            if rows:
                sources.append(Source(outcome, rows))
    return sources


def synthesize(sources: list[Source], records: int, per_file: int) -> list[tuple[FileOutcome, list[dict[str, Any]]]]:
    """Files of ``per_file`` demo files' items each, under new hashes, until ``records`` records."""
    files: list[tuple[FileOutcome, list[dict[str, Any]]]] = []
    total, k = 0, 0
    while total < records:
        group = [sources[(k * per_file + j) % len(sources)] for j in range(per_file)]
        sha = hashlib.sha256(f"bench-{k}".encode()).hexdigest()
        items = [it for s in group for it in s.outcome["items"] if it["kind"] == "record"]
        rows_by_old = {rid: row for s in group for rid, row in s.records.items()}
        items = items[:records - total] if total + len(items) > records else items
        data = {**group[0].outcome, "items": [{**it, "index": i} for i, it in enumerate(items)], "errors": []}
        outcome = dict_to_outcome(data, Path(f"/bench/file{k:05d}.docx"), f"file{k:05d}.docx", sha, 40_000)
        rows = []
        for it, new in zip(items, outcome.items, strict=True):
            old = f"{_old_sha(group, it)}-{it['page']}-{it['index']}"
            rows.append({**rows_by_old[old], "record_id": new.item_id})
        files.append((outcome, rows))
        total += len(rows)
        k += 1
    return files


def _old_sha(group: list[Source], item: dict[str, Any]) -> str:
    for s in group:
        if item in s.outcome["items"]:
            return next(iter(s.records)).split("-", 1)[0]
    raise KeyError(item)


def store(db: Path | str, files: list[tuple[FileOutcome, list[dict[str, Any]]]]) -> float:
    """Wall seconds of storing the files as one run does."""
    started = time.perf_counter()
    with Ledger(db, "基准县") as ledger:
        run_id = ledger.start_run("2026Q3", "/bench", "/bench/roster.xlsx", "/bench/out")
        reading_ids = {o.source.sha256: ledger.save_reading(o, MADE_BY, run_id, "2026-10-06", rows)
                       for o, rows in files}
        run_files = [{"sha256": o.source.sha256, "path": o.source.display, "role": "inbox",
                      "reading_id": reading_ids[o.source.sha256], "status": o.status, "medium": o.medium,
                      "error_code": None, "error_message": None} for o, _ in files]
        matches = [{"record_id": r["record_id"], "reading_id": reading_ids[o.source.sha256],
                    "instructor": r.get("instructor"), "enterprise": r.get("enterprise"),
                    "month": (r.get("visit_date") or "")[:7] or None, "status": "matched", "counted": True}
                   for o, rows in files for r in rows]
        with ledger.write() as conn:
            ledger.record_run(conn, run_id, run_files, [], matches)
            ledger.finish_run(conn, run_id, {"files": len(files), "records": len(matches)})
            ledger.anchor_run(conn, run_id)
    return time.perf_counter() - started


def _admin(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


def _machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "?")
    mem = next((int(line.split()[1]) // 1024 // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    return f"{cpu}, {os.cpu_count()} cores, {mem} GiB RAM, {platform.platform()}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=120_000)
    parser.add_argument("--per-file", type=int, default=10, help="demo files' items in one synthetic file")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pg", default=os.environ.get("ZHIDAO_TEST_PG", PG_DEFAULT))
    parser.add_argument("--write", type=Path, help="write the results as Markdown to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        files = synthesize(read_demo(tmp), args.records, args.per_file)
        count = sum(len(rows) for _, rows in files)
        print(f"{count} records in {len(files)} files", flush=True)
        times: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
        for repeat in range(args.repeats):
            times["sqlite"].append(store(tmp / f"bench{repeat}.db", files))
            database = f"zhidao_bench_{secrets.token_hex(4)}"
            _admin(args.pg, f'CREATE DATABASE "{database}"')
            try:
                url = make_url(args.pg).set(database=database).render_as_string(hide_password=False)
                times["postgresql"].append(store(url, files))
            finally:
                _admin(args.pg, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            print(f"repeat {repeat + 1}: sqlite {times['sqlite'][-1]:.1f} s, "
                  f"postgresql {times['postgresql'][-1]:.1f} s", flush=True)
            report(args, times, count, len(files))


def report(args: argparse.Namespace, times: dict[str, list[float]], count: int, files: int) -> None:
    """Print the results so far (and write them, with --write): written after every repeat."""
    import psycopg
    import sqlalchemy

    with psycopg.connect(args.pg) as conn:
        server = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
    median = {k: statistics.median(v) for k, v in times.items()}
    lines = [
        "# 120,000 digital records into PostgreSQL (and into SQLite, in the same run)",
        "",
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {_machine()}",
        f"- PostgreSQL {server} on 127.0.0.1 (Debian's package, default settings, scripts/postgres.sh), psycopg "
        f"{psycopg.__version__}, SQLAlchemy {sqlalchemy.__version__}; SQLite {__import__('sqlite3').sqlite_version} "
        "(WAL, on local disk)",
        f"- workload: {count} records in {files} files ({args.per_file} demo files' items a file), each file "
        "stored in its own transaction by Ledger.save_reading (file, reading, records, field values, 2 events), "
        "then the run's files and matches and its finish event in one transaction (record_run, finish_run); "
        "one process, one county",
        f"- command: `.venv/bin/python benchmarks/bench_postgres.py --records {args.records} --per-file "
        f"{args.per_file} --repeats {args.repeats}` ({len(times['sqlite'])} of {args.repeats} repeats done); "
        "the machine's two cores were shared with other work while it ran",
        "",
        "| backend | runs (s) | median (s) | records/s |",
        "|---|---|---|---|",
        *[f"| {k} | {', '.join(f'{x:.1f}' for x in v)} | {median[k]:.1f} | {count / median[k]:,.0f} |"
          for k, v in times.items()],
        "",
        f"PostgreSQL / SQLite (median wall time): **{median['postgresql'] / median['sqlite']:.2f}×**",
        "",
    ]
    text = "\n".join(lines)
    print(text, flush=True)
    if args.write:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
