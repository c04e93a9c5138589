"""Validation of a generated year: 10,000 instructors, 120,000 records (one visit record per
instructor, enterprise and … spread over twelve months), Great Expectations included.

Target (issue 6): ≤ 30 s and ≤ 2 GB. Prints the validate stage's wall time and the process's
peak resident memory, and the time of GX alone (its share of the stage).

Usage: python benchmarks/bench_validate.py [--instructors 10000] [--records-per-instructor 12]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import time
from pathlib import Path

import numpy as np

from zhidao import frames
from zhidao.context import Profile, Quarter, RunContext
from zhidao.ingest.frames import roster_with_derived
from zhidao.results import Ingested
from zhidao.validate import gx_run
from zhidao.validate.stage import validate


def build(n: int, per: int, seed: int = 1) -> Ingested:
    rng = np.random.default_rng(seed)
    roster_rows, records, files = [], [], []
    for i in range(n):
        name = f"指导员{i:05d}"
        roster_rows.append({"name": name, "position": "科长" if i % 7 else "科员", "party_join": "2010-01",
                            "education": "本科" if i % 11 else "高中", "education_raw": "本科",
                            "enterprise": f"测试县企业{i:05d}有限公司", "source": "名单.xlsx", "sha256": "r" * 64,
                            "dispatch_start": "2026-01-01"})
        days = rng.choice(np.arange(1, 28), size=per, replace=True)
        for k in range(per):
            month = f"2026-{k % 12 + 1:02d}"
            rid = f"r{i}-{k}"
            sha = f"{i:032d}{k:032d}"
            records.append({"record_id": rid, "instructor": name, "enterprise": f"测试县企业{i:05d}有限公司",
                            "visit_date": f"{month}-{int(days[k]):02d}", "content": "座谈。", "signed": bool(k % 13),
                            "report_date": None, "form_month": month, "source": f"{name}-{k}.docx", "sha256": sha,
                            "page": 1})
            files.append({"path": f"{name}-{k}.docx", "role": "inbox", "sha256": sha, "size": 1, "status": "ok",
                          "items": 1, "received": f"2026-{k % 12 + 1:02d}-28"})
    roster = roster_with_derived(frames.ROSTER.frame(roster_rows), "2026-01-01", Profile().mid_level_keywords)
    records_df = frames.RECORDS.frame(records)
    values = frames.VALUES.frame({"record_id": r["record_id"], "field": "visit_date", "raw": r["visit_date"]}
                                 for r in records)
    return Ingested(roster=roster, records=records_df, values=values, files=frames.FILES.frame(files), outcomes=(),
                    summaries=frames.SUMMARIES.empty())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instructors", type=int, default=10_000)
    parser.add_argument("--records-per-instructor", type=int, default=12)
    args = parser.parse_args()
    t = time.perf_counter()
    ingested = build(args.instructors, args.records_per_instructor)
    print(f"built {len(ingested.records)} records for {args.instructors} instructors in "
          f"{time.perf_counter() - t:.1f} s")
    ctx = RunContext(inbox=Path("."), roster=Path("."), quarter=Quarter.parse("2026"), out=Path("."),
                     db=Path("."), as_of=dt.date(2027, 1, 31))
    gx_time = 0.0
    original = gx_run.run_checks

    def timed(*a, **kw):  # type: ignore[no-untyped-def]
        nonlocal gx_time
        start = time.perf_counter()
        try:
            return original(*a, **kw)
        finally:
            gx_time += time.perf_counter() - start

    gx_run.run_checks = timed
    import zhidao.validate.stage as stage

    stage.run_checks = timed
    t = time.perf_counter()
    validated = validate(ctx, ingested)
    wall = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"validate: {wall:.1f} s (target ≤ 30 s), of which Great Expectations {gx_time:.1f} s; "
          f"peak memory {peak_mb:.0f} MB (target ≤ 2048 MB); {len(validated.findings)} findings")


if __name__ == "__main__":
    main()
