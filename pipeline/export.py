"""`zhidao audit export`: the quarter's bundle for the supervision bureau (督查局), read from one
county's ledger (sources, records with provenance, findings, corrections, packets issued, the
event log, the anchors) plus the GX results and Data Docs of the run's output folder. The
export is itself an event."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from zhidao import __version__
from zhidao.anchor import FORMAT, Anchor
from zhidao.audit import EXPORTED, PACKET_ISSUED
from zhidao.context import Quarter
from zhidao.errors import LedgerError
from zhidao.store import Ledger
from zhidao.store import export_queries as q

from .audit import ledger_where, tampered, verify_ledger
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


def latest_run(conn: Connection, ledger: Ledger, quarter: Quarter) -> Row:
    run = q.latest_run(conn, ledger.county, str(quarter))
    if run is None:
        raise LedgerError("RUN_NOT_FOUND", f"台账中没有 {quarter} 已完成的运行记录", ledger_where(ledger),
                          f"请先运行 zhidao run … --quarter {quarter}，或用 --db / --county 指定正确的台账")
    return run


def _month(record: Row) -> str | None:
    month = (record["fields"] or {}).get("form_month") or (record["visit_date"] or "")[:7]
    return str(month) if month else None


def quarter_records(conn: Connection, ledger: Ledger, quarter: Quarter, run_id: int) -> list[Row]:
    """Records of the quarter's months from the readings the run counted, each with its field
    values, its match in the run and its corrections."""
    readings = q.counted_readings(conn, run_id)
    records = [r for r in q.reading_records(conn, readings) if _month(r) in quarter.months]
    values = q.reading_values(conn, readings)
    matches = q.run_matches(conn, run_id)
    fixes: dict[str, list[Row]] = {}
    for c in ledger.corrections([str(r["record_id"]) for r in records]):
        fixes.setdefault(c.record_id, []).append(dataclasses.asdict(c))
    for r in records:
        rid = str(r["record_id"])
        r.update(month=_month(r), values=values.get((int(r["reading_id"]), rid), []), match=matches.get(rid),
                 corrections=fixes.get(rid, []))
    return records


def _packets(events: list[Row], run_ids: list[int]) -> list[Row]:
    out = [{"seq": r["seq"], "at": r["at"], "event_hash": r["hash"], **json.loads(r["payload"])}
           for r in events if r["kind"] == PACKET_ISSUED]
    return [p for p in out if p.get("run_id") in run_ids]


def anchors(county: str, run: Row, events: list[Row]) -> Row:
    """anchor.json: the head the run's packet was issued on (printed on it) and the chain head
    at export; `zhidao audit verify --anchor BUNDLE` checks both."""
    found: Row = {"format": FORMAT, "county": county}
    if run.get("anchor_seq") is not None:
        issued = Anchor(county, int(run["anchor_seq"]), str(run["anchor_hash"]))
        found["run"] = {"run_id": run["run_id"], "seq": issued.seq, "hash": issued.hash, "text": issued.text()}
    if events:
        head = Anchor(county, int(events[-1]["seq"]), str(events[-1]["hash"]))
        found["exported"] = {"seq": head.seq, "hash": head.hash, "text": head.text()}
    return found


def _jsonl(rows: list[Row]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows)


def _gx_files(gx: Path) -> list[tuple[str, Path]]:
    return [(f"gx/{p.relative_to(gx).as_posix()}", p) for p in sorted(gx.rglob("*")) if p.is_file()]


def build_members(conn: Connection, ledger: Ledger, quarter: Quarter, run: Row, run_dir: Path | None
                  ) -> tuple[dict[str, bytes], list[tuple[str, Path]], list[str]]:
    """The bundle's generated members (name → bytes), the GX files to copy, and warnings."""
    run_id = int(run["run_id"])
    run_ids = q.quarter_run_ids(conn, ledger.county, str(quarter))
    records = quarter_records(conn, ledger, quarter, run_id)
    ids = [str(r["record_id"]) for r in records]
    gx = (run_dir or Path(run["out"])) / "gx"
    gx_files = _gx_files(gx) if gx.is_dir() else []
    warnings = [] if gx_files else [
        f"没有找到该次运行的 GX 核查结果目录 {gx}，压缩包中不含 gx/（可用 --run-dir 指定输出目录）"]
    events = q.event_rows(conn, ledger.county)
    anchor = anchors(ledger.county, run, events)
    text = {
        "records.jsonl": _jsonl(records),
        "findings.jsonl": _jsonl(q.run_findings(conn, run_id)),
        "corrections.jsonl": _jsonl([dataclasses.asdict(c) for c in ledger.corrections(ids)]),
        "packets.json": json.dumps(_packets(events, run_ids), ensure_ascii=False, indent=1),
        "events.jsonl": _jsonl(events),
        "anchor.json": json.dumps(anchor, ensure_ascii=False, indent=1),
        "README.txt": readme(quarter, run, bool(gx_files)),
    }
    members = {name: body.encode("utf-8") for name, body in text.items()}
    manifest = {
        "zhidao": __version__, "quarter": str(quarter), "county": ledger.county,
        "ledger": str(where.resolve()) if (where := ledger_where(ledger)) else None,
        "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "run": run, "runs_of_quarter": run_ids,
        "chain": {"count": len(events), "head": events[-1]["hash"] if events else None},
        "anchor": anchor,
        "sources": q.sources(conn, ledger.county, run_id, run_ids, {str(r["sha256"]) for r in records}),
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
    with ledger.read() as conn:
        run = latest_run(conn, ledger, quarter)
        members, gx_files, warnings = build_members(conn, ledger, quarter, run, run_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
        for name, path in gx_files:
            zf.write(path, name)
    sha = hashlib.sha256(out.read_bytes()).hexdigest()
    head = json.loads(members["anchor.json"]).get("exported", {})
    with ledger.write() as conn:
        event = ledger.append_event(conn, EXPORTED, {
            "quarter": str(quarter), "path": str(out.resolve()), "sha256": sha, "run_id": run["run_id"],
            "chain_head": head.get("hash", check.head), "chain_seq": head.get("seq", check.count)})
    return Exported(out, sha, int(run["run_id"]), len(members) + len(gx_files), event.seq, tuple(warnings))
