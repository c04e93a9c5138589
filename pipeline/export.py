"""`zhidao audit export`: the quarter's bundle for the supervision bureau (督查局), read from the
ledger (sources, records with provenance, findings, corrections, packets issued, the event log)
plus the GX results and Data Docs of the run's output folder. The export is itself an event."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zhidao import __version__
from zhidao.audit import EXPORTED, PACKET_ISSUED
from zhidao.context import Quarter
from zhidao.errors import LedgerError
from zhidao.store import Ledger

from .audit import tampered, verify_ledger
from .export_text import readme

Row = dict[str, Any]


@dataclass(frozen=True)
class Exported:
    path: Path
    sha256: str
    run_id: int
    members: int
    event_seq: int
    warnings: tuple[str, ...] = ()

    def describe(self) -> str:
        return (f"已导出督查材料：{self.path}（{self.members} 个文件，sha256 {self.sha256}），"
                f"依据第 {self.run_id} 次运行；已记入事件日志第 {self.event_seq} 条")


def _dicts(ledger: Ledger, sql: str, args: tuple[Any, ...] = ()) -> list[Row]:
    cur = ledger.conn.execute(sql, args)
    names = [c[0] for c in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def latest_run(ledger: Ledger, quarter: Quarter) -> Row:
    rows = _dicts(ledger, "SELECT * FROM runs WHERE quarter = ? AND finished IS NOT NULL ORDER BY run_id DESC"
                          " LIMIT 1", (str(quarter),))
    if not rows:
        raise LedgerError("RUN_NOT_FOUND", f"台账中没有 {quarter} 已完成的运行记录", ledger.path,
                          f"请先运行 zhidao run … --quarter {quarter}，或用 --db 指定正确的台账")
    run = rows[0]
    return {**run, "counts": json.loads(run["counts"]) if run["counts"] else None}


def _month(record: Row) -> str | None:
    fields = json.loads(record["fields"])
    month = fields.get("form_month") or (record["visit_date"] or "")[:7]
    return str(month) if month else None


def quarter_records(ledger: Ledger, quarter: Quarter, run_id: int) -> list[Row]:
    """Records of the quarter's months, each with its field values, its match in ``run_id``
    and its corrections."""
    records = [r for r in _dicts(ledger, "SELECT * FROM records ORDER BY rowid") if _month(r) in quarter.months]
    ids = [r["record_id"] for r in records]
    values: dict[str, list[Row]] = {}
    for v in _dicts(ledger, "SELECT * FROM field_values ORDER BY record_id, field"):
        values.setdefault(v.pop("record_id"), []).append(v)
    matches = {m.pop("record_id"): m for m in _dicts(ledger, "SELECT record_id, instructor, enterprise, month,"
                                                             " status, counted FROM run_records WHERE run_id = ?",
                                                     (run_id,))}
    fixes: dict[str, list[Row]] = {}
    for c in ledger.corrections(ids):
        fixes.setdefault(c.record_id, []).append(dataclasses.asdict(c))
    for r in records:
        rid = r["record_id"]
        r.update(month=_month(r), fields=json.loads(r["fields"]), values=values.get(rid, []), match=matches.get(rid),
                 corrections=fixes.get(rid, []))
    return records


def quarter_sources(ledger: Ledger, run_ids: list[int], records: list[Row]) -> list[Row]:
    """Every file the quarter's runs saw or its records came from, with its hashes and paths."""
    marks = ",".join("?" * len(run_ids))
    shas = {r[0] for r in ledger.conn.execute(
        f"SELECT sha256 FROM run_files WHERE run_id IN ({marks}) UNION"
        f" SELECT sha256 FROM files WHERE first_run IN ({marks})", (*run_ids, *run_ids))}
    shas |= {r["sha256"] for r in records}
    paths: dict[str, list[str]] = {}
    for sha, path in ledger.conn.execute("SELECT sha256, path FROM file_paths ORDER BY path"):
        paths.setdefault(sha, []).append(path)
    files = _dicts(ledger, "SELECT * FROM files ORDER BY rowid")
    return [{**f, "paths": paths.get(f["sha256"], [])} for f in files if f["sha256"] in shas]


def _packets(ledger: Ledger, run_ids: list[int]) -> list[Row]:
    rows = _dicts(ledger, "SELECT seq, at, payload, hash FROM events WHERE kind = ? ORDER BY seq", (PACKET_ISSUED,))
    out = [{"seq": r["seq"], "at": r["at"], "event_hash": r["hash"], **json.loads(r["payload"])} for r in rows]
    return [p for p in out if p.get("run_id") in run_ids]


def _jsonl(rows: list[Row]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows)


def _gx_files(gx: Path) -> list[tuple[str, Path]]:
    return [(f"gx/{p.relative_to(gx).as_posix()}", p) for p in sorted(gx.rglob("*")) if p.is_file()]


def build_members(ledger: Ledger, quarter: Quarter, run: Row, run_dir: Path | None
                  ) -> tuple[dict[str, bytes], list[tuple[str, Path]], list[str]]:
    """The bundle's generated members (name → bytes), the GX files to copy, and warnings."""
    run_id = int(run["run_id"])
    run_ids = [r[0] for r in ledger.conn.execute("SELECT run_id FROM runs WHERE quarter = ?", (str(quarter),))]
    records = quarter_records(ledger, quarter, run_id)
    ids = [r["record_id"] for r in records]
    gx = (run_dir or Path(run["out"])) / "gx"
    gx_files = _gx_files(gx) if gx.is_dir() else []
    warnings = [] if gx_files else [
        f"没有找到该次运行的 GX 核查结果目录 {gx}，压缩包中不含 gx/（可用 --run-dir 指定输出目录）"]
    events = _dicts(ledger, "SELECT seq, at, kind, payload, prev_hash, hash FROM events ORDER BY seq")
    text = {
        "records.jsonl": _jsonl(records),
        "findings.jsonl": _jsonl(_dicts(ledger, "SELECT * FROM findings WHERE run_id = ? ORDER BY rowid", (run_id,))),
        "corrections.jsonl": _jsonl([dataclasses.asdict(c) for c in ledger.corrections(ids)]),
        "packets.json": json.dumps(_packets(ledger, run_ids), ensure_ascii=False, indent=1),
        "events.jsonl": _jsonl(events),
        "README.txt": readme(quarter, run, bool(gx_files)),
    }
    members = {name: body.encode("utf-8") for name, body in text.items()}
    manifest = {
        "zhidao": __version__, "quarter": str(quarter), "ledger": str(ledger.path.resolve()),
        "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "run": run, "runs_of_quarter": run_ids,
        "chain": {"count": len(events), "head": events[-1]["hash"] if events else None},
        "sources": quarter_sources(ledger, run_ids, records),
        "contents": {name: hashlib.sha256(body).hexdigest() for name, body in members.items()}
        | {name: hashlib.sha256(p.read_bytes()).hexdigest() for name, p in gx_files},
    }
    members["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=1, default=str).encode("utf-8")
    return members, gx_files, warnings


def export_bundle(ledger: Ledger, quarter: Quarter, out: Path, run_dir: Path | None = None) -> Exported:
    """Write the zip (refused when the ledger fails verification) and append the export event."""
    check = verify_ledger(ledger)
    if not check.ok:
        raise tampered(ledger, check)
    run = latest_run(ledger, quarter)
    members, gx_files, warnings = build_members(ledger, quarter, run, run_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
        for name, path in gx_files:
            zf.write(path, name)
    sha = hashlib.sha256(out.read_bytes()).hexdigest()
    event = ledger.append_event(EXPORTED, {"quarter": str(quarter), "path": str(out.resolve()), "sha256": sha,
                                           "run_id": run["run_id"], "chain_head": check.head})
    return Exported(out, sha, int(run["run_id"]), len(members) + len(gx_files), event.seq, tuple(warnings))
