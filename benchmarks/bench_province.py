"""A generated province year: 30 counties, 10,000 instructors, 120,000 records (one visit record
per instructor and month, twelve a year), validated (Great Expectations included) and made into
the meeting packet (model, packet.xlsx, packet.pdf) per county and for the province in total.

Target (issue 16): all of it ≤ 60 s and ≤ 4 GB peak resident memory on 2 cores. Prints each
phase's wall time (per county summed, and the total), the time inside Great Expectations, the
peak RSS, and a hash of the findings, attendance and packet contents (``--hashes FILE`` writes
them, ``--compare FILE`` checks a later run against them: a speed-up must not change a number).

Usage: python benchmarks/bench_province.py [--counties 30] [--instructors 10000] [--repeat 1] [--jobs 1]
           [--no-packet] [--hashes before.json | --compare before.json] [--profile out.html]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from reportlab import rl_config

from zhidao import frames
from zhidao.context import Profile, Quarter, RunContext
from zhidao.ingest.frames import roster_with_derived
from zhidao.reports.packet_data import Packet, build_packet
from zhidao.reports.packet_pdf import write_packet_pdf
from zhidao.reports.packet_xlsx import write_packet_xlsx
from zhidao.results import Ingested, Validated
from zhidao.validate import gx_run
from zhidao.validate import stage as validate_stage
from zhidao.validate.stage import validate

COUNTY_NAMES = [f"{a}{b}县" for a in "东西南北中" for b in "山川河湖林田"]  # 30 names


def county(name: str, first: int, n: int, per: int, seed: int) -> Ingested:
    """One county's year: instructors ``first`` … ``first + n - 1`` (names unique in the province),
    each at one enterprise of the county, ``per`` records over the twelve months; some findings
    of every kind the generator can give (unsigned, short months, late and missing reports)."""
    rng = np.random.default_rng(seed)
    roster_rows, records, files = [], [], []
    for i in range(first, first + n):
        who, firm = f"指导员{i:05d}", f"{name}企业{i:05d}有限公司"
        roster_rows.append({"name": who, "position": "科长" if i % 7 else "科员", "party_join": "2010-01",
                            "education": "本科" if i % 11 else "高中", "education_raw": "本科",
                            "enterprise": firm, "source": "名单.xlsx", "sha256": "r" * 64,
                            "dispatch_start": "2026-01-01"})
        days = rng.choice(np.arange(1, 28), size=per, replace=True)
        for k in range(per):
            if i % 17 == 0 and k % 12 == 5:
                continue  # a month not reported
            month = f"2026-{k % 12 + 1:02d}"
            rid, sha = f"r{i}-{k}", f"{i:032d}{k:032d}"
            records.append({"record_id": rid, "instructor": who, "enterprise": firm,
                            "visit_date": f"{month}-{int(days[k]):02d}", "content": "座谈。", "signed": bool(k % 13),
                            "report_date": None, "form_month": month, "source": f"{name}/{who}-{k}.docx",
                            "sha256": sha, "page": 1})
            late = 6 if i % 23 == 0 and k % 12 == 2 else 0
            received = dt.date(2026, k % 12 + 1, 28) + dt.timedelta(days=late)
            files.append({"path": f"{name}/{who}-{k}.docx", "role": "inbox", "sha256": sha, "size": 1,
                          "status": "ok", "items": 1, "received": received.isoformat()})
    roster = roster_with_derived(frames.ROSTER.frame(roster_rows), "2026-01-01", Profile().mid_level_keywords)
    return Ingested(roster=roster, records=frames.RECORDS.frame(records),
                    values=frames.VALUES.frame({"record_id": r["record_id"], "field": "visit_date",
                                                "raw": r["visit_date"]} for r in records),
                    files=frames.FILES.frame(files), outcomes=(), summaries=frames.SUMMARIES.empty())


def province(counties: int, instructors: int, per: int) -> list[tuple[str, Ingested]]:
    names = (COUNTY_NAMES * (counties // len(COUNTY_NAMES) + 1))[:counties]
    bounds = np.linspace(0, instructors, counties + 1).astype(int)
    return [(f"{name}{c // len(COUNTY_NAMES) or ''}", county(name, int(bounds[c]), int(bounds[c + 1] - bounds[c]),
                                                            per, seed=c))
            for c, name in enumerate(names)]


def total(parts: list[tuple[str, Ingested]]) -> Ingested:
    def cat(field: str) -> pd.DataFrame:
        frame: pd.DataFrame = pd.concat([getattr(p, field) for _, p in parts], ignore_index=True)
        return frame

    return Ingested(roster=cat("roster"), records=cat("records"), values=cat("values"), files=cat("files"),
                    outcomes=(), summaries=frames.SUMMARIES.empty())


def _cpu() -> float:
    """CPU seconds of this process and of its reaped children (a pool's workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _digest(obj: Any) -> str:
    return hashlib.sha256(obj if isinstance(obj, bytes) else str(obj).encode()).hexdigest()[:16]


def _frame_digest(frame: pd.DataFrame) -> str:
    return _digest(frame.to_csv(index=False).encode())


def packet_digest(packet: Packet) -> str:
    """Everything the packet prints (the day it is made aside)."""
    return _digest(repr(dataclasses.replace(packet, made=dt.date(2000, 1, 1))))


def xlsx_digest(path: Path) -> str:
    """The workbook's parts but its properties (they hold the time it was written)."""
    with zipfile.ZipFile(path) as z:
        return _digest(b"".join(n.encode() + z.read(n) for n in sorted(z.namelist()) if n != "docProps/core.xml"))


@dataclasses.dataclass
class Timing:
    validate: float = 0.0
    gx: float = 0.0
    model: float = 0.0
    xlsx: float = 0.0
    pdf: float = 0.0

    @property
    def wall(self) -> float:
        return self.validate + self.model + self.xlsx + self.pdf


_GX = [0.0]


def _timed_gx() -> None:
    original = gx_run.run_checks

    def timed(*a: Any, **kw: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*a, **kw)
        finally:
            _GX[0] += time.perf_counter() - start

    validate_stage.run_checks = timed


def one(label: str, ingested: Ingested, out: Path, packet: bool, timing: Timing, digests: dict[str, str],
        docs: bool) -> None:
    ctx = RunContext(inbox=out, roster=out, quarter=Quarter.parse("2026"), out=out, db=out / "z.db",
                     as_of=dt.date(2027, 1, 31))
    gx0, t0 = _GX[0], time.perf_counter()
    validated: Validated = validate(ctx, ingested, docs_dir=out / label / "gx" if docs else None)
    t1 = time.perf_counter()
    timing.validate += t1 - t0
    timing.gx += _GX[0] - gx0
    digests[f"{label}:findings"] = _frame_digest(validated.findings)
    digests[f"{label}:attendance"] = _frame_digest(validated.attendance)
    digests[f"{label}:submissions"] = _frame_digest(validated.submissions) if validated.submissions is not None \
        else ""
    if not packet:
        return
    made = build_packet(ctx, ingested, validated)
    t2 = time.perf_counter()
    write_packet_xlsx(out / f"{label}.xlsx", made)
    t3 = time.perf_counter()
    write_packet_pdf(out / f"{label}.pdf", made)
    t4 = time.perf_counter()
    timing.model += t2 - t1
    timing.xlsx += t3 - t2
    timing.pdf += t4 - t3
    digests[f"{label}:packet"] = packet_digest(made)
    digests[f"{label}:xlsx"] = xlsx_digest(out / f"{label}.xlsx")
    digests[f"{label}:pdf"] = _digest((out / f"{label}.pdf").read_bytes())  # rl_config.invariant: no dates, ids
    digests["findings_count:" + label] = str(len(validated.findings))


def _task(label: str, ingested: Ingested, out: Path, packet: bool, docs: bool) -> tuple[str, Timing, dict[str, str]]:
    timing, digests = Timing(), {}
    one(label, ingested, out, packet, timing, digests, docs)
    return label, timing, digests


def _add(into: Timing, part: Timing) -> None:
    for f in dataclasses.fields(Timing):
        setattr(into, f.name, getattr(into, f.name) + getattr(part, f.name))


def run(parts: list[tuple[str, Ingested]], whole: Ingested, packet: bool, docs: bool, jobs: int
        ) -> tuple[Timing, Timing, dict[str, str]]:
    """Every county and the province total; with ``jobs`` > 1 in that many processes (the total
    first: it is the longest), as a province's server would run its counties."""
    digests: dict[str, str] = {}
    per_county, province_total = Timing(), Timing()
    tasks = [("province", whole), *parts]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        if jobs == 1:
            done = [_task(label, ingested, out, packet, docs) for label, ingested in tasks]
        else:
            with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
                futures = [pool.submit(_task, label, ingested, out, packet, docs) for label, ingested in tasks]
                done = [f.result() for f in futures]
        for label, timing, found in done:
            _add(province_total if label == "province" else per_county, timing)
            digests.update(found)
    return per_county, province_total, digests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counties", type=int, default=30)
    parser.add_argument("--instructors", type=int, default=10_000)
    parser.add_argument("--records-per-instructor", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=1, help="processes for the counties and the total")
    parser.add_argument("--no-packet", action="store_true", help="validate only")
    parser.add_argument("--docs", action="store_true", help="GX Data Docs too (as a run writes them)")
    parser.add_argument("--hashes", type=Path, help="write the output hashes here")
    parser.add_argument("--compare", type=Path, help="compare the output hashes with this file")
    parser.add_argument("--profile", type=Path, help="pyinstrument HTML profile of the last repeat")
    args = parser.parse_args()
    t = time.perf_counter()
    parts = province(args.counties, args.instructors, args.records_per_instructor)
    whole = total(parts)
    print(f"built {len(whole.records)} records, {len(whole.roster)} instructors, {len(parts)} counties in "
          f"{time.perf_counter() - t:.1f} s; load {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores")
    _timed_gx()
    with tempfile.TemporaryDirectory() as tmp:  # GX's imports and first-use set-up, once, before the clock
        one("warm-up", county("预热县", 0, 5, 12, seed=99), Path(tmp), not args.no_packet, Timing(), {}, False)
    rl_config.invariant = 1  # the PDF's bytes depend on its content only (its hash compares runs)
    walls: list[float] = []
    cpus: list[float] = []
    rows: list[tuple[Timing, Timing]] = []
    digests: dict[str, str] = {}
    for i in range(args.repeat):
        profiler = None
        if args.profile and i == args.repeat - 1:
            from pyinstrument import Profiler

            profiler = Profiler()
            profiler.start()
        _GX[0] = 0.0
        t, c = time.perf_counter(), _cpu()
        per_county, province_total, digests = run(parts, whole, not args.no_packet, args.docs, args.jobs)
        walls.append(time.perf_counter() - t)
        cpus.append(_cpu() - c)
        if profiler is not None:
            profiler.stop()
            args.profile.write_text(profiler.output_html())
            print(profiler.output_text(unicode=True, show_all=False)[:12000])
        rows.append((per_county, province_total))
        print(f"  repeat {i + 1}: {walls[-1]:.1f} s wall, {cpus[-1]:.1f} s CPU (load {os.getloadavg()[0]:.2f})",
              flush=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 if args.jobs > 1 else 0.0
    med = statistics.median
    for label, k in (("per county (30 summed)", 0), ("province total", 1)):
        ts = [r[k] for r in rows]
        print(f"{label}: validate {med(t.validate for t in ts):.1f} s (GX {med(t.gx for t in ts):.1f} s), "
              f"packet model {med(t.model for t in ts):.1f} s, xlsx {med(t.xlsx for t in ts):.1f} s, "
              f"pdf {med(t.pdf for t in ts):.1f} s; wall {med(t.wall for t in ts):.1f} s")
    print(f"all: median {med(walls):.1f} s wall, {med(cpus):.1f} s CPU of {len(walls)} (target ≤ 60 s); "
          f"peak RSS {peak_mb:.0f} MB" + (f" + {args.jobs} workers × ≤ {child_mb:.0f} MB = ≤ "
                                           f"{peak_mb + args.jobs * child_mb:.0f} MB " if args.jobs > 1 else " ") +
          f"(target ≤ 4096 MB); findings in total {digests.get('findings_count:province', '?')}")
    if args.hashes:
        args.hashes.write_text(json.dumps(digests, indent=1, ensure_ascii=False))
    if args.compare:
        before = json.loads(args.compare.read_text())
        differ = sorted(k for k in before.keys() | digests.keys() if before.get(k) != digests.get(k))
        print("outputs identical to " + str(args.compare) if not differ else
              f"OUTPUTS DIFFER from {args.compare}: {differ[:10]}{' …' if len(differ) > 10 else ''}")
        if differ:
            sys.exit(1)


if __name__ == "__main__":
    main()
