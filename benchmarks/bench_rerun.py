"""A second `zhidao run` of an unchanged inbox of scans, as a ratio of the first run's wall time
(issue 12's target: under 10 %), and the results identical.

    .venv/bin/python benchmarks/bench_rerun.py [--pages 12]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from zhidao.fixtures import scans
from zhidao.fixtures.demo import demo_paths
from zhidao.fixtures.quarter import plan_quarter
from zhidao.fonts import register_cjk_font


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=12)
    args = parser.parse_args()
    demo, font = demo_paths(), register_cjk_font()
    forms = [f for f in plan_quarter(2026).forms][: args.pages]
    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp) / "inbox"
        inbox.mkdir()
        for i, form in enumerate(forms):
            scans.write_png(inbox / f"扫描件{i:02d}.png", scans.render_form(form, font))
        times = []
        for name in ("first", "second"):
            cmd = [sys.executable, "-m", "zhidao.cli", "run", str(inbox), "--roster", str(demo.roster), "--quarter",
                   demo.quarter, "--out", f"{tmp}/{name}", "--db", f"{tmp}/z.db", "--as-of", demo.as_of.isoformat(),
                   "--received", demo.received.isoformat()]
            started = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            times.append(time.perf_counter() - started)
        same = all((Path(tmp) / "first" / n).read_bytes() == (Path(tmp) / "second" / n).read_bytes()
                   for n in ("records.jsonl", "findings.jsonl", "attendance.csv"))
    print(f"{len(forms)} scanned pages: first run {times[0]:.1f} s, rerun {times[1]:.1f} s, "
          f"ratio {times[1] / times[0]:.3f} (target < 0.10); outputs identical: {same}")


if __name__ == "__main__":
    main()
