"""The 2-process speedup on a batch of scans: a 40-page batch of generated office scans (the
demo plan's forms, as benchmarks/bench_scan.py makes them) read with ``Boundary(jobs=1)`` and
``Boundary(jobs=2)``, alternately, ``--repeat`` times each; the ratio of the median wall times.

Target (issue 16): ≥ 1.8 on 2 cores. A speedup is only as good as the cores that are free, so
each pair of runs is preceded by a reference: the same number of pure-Python CPU tasks in one
process and in a pool of two (no I/O, nothing shared); its ratio is the speedup the machine
gives two processes at that moment. Also printed: the time to the first page read (the fork
server starting and the worker loading its engine) and the load average. (The workers' CPU
time is not counted: they are the fork server's children, not this process's.)

Usage: python benchmarks/bench_speedup.py [--pages 40] [--repeat 3] [--engine rapidocr]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_scan import pages

from zhidao.fixtures import scans
from zhidao.ingest import read_paths
from zhidao.model import Boundary, FileOutcome, ReadOptions


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def reference(tasks: int, size: int = 1_500_000) -> float:
    """Wall of ``tasks`` CPU tasks in this process ÷ in a pool of two (the pool started first)."""
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(_spin, [1, 1])
        t = time.perf_counter()
        pool.map(_spin, [size] * tasks, chunksize=1)
        two = time.perf_counter() - t
    t = time.perf_counter()
    for _ in range(tasks):
        _spin(size)
    return (time.perf_counter() - t) / two


def once(paths: list[tuple[Path, str]], engine: str, jobs: int) -> tuple[float, float, int]:
    """(wall, seconds to the first outcome, records)."""
    first: list[float] = []
    t0 = time.perf_counter()

    def progress(done: int, total: int, outcome: FileOutcome) -> None:
        if not first:
            first.append(time.perf_counter() - t0)

    outcomes = read_paths(paths, ReadOptions(ocr_engine=engine), Boundary(jobs=jobs), progress)
    wall = time.perf_counter() - t0
    return wall, first[0] if first else 0.0, sum(len(o.items) for o in outcomes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engine", default="rapidocr")
    args = parser.parse_args()
    images = pages(args.pages)
    runs: dict[int, list[tuple[float, float, int]]] = {1: [], 2: []}
    refs: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, img in enumerate(images):
            path = Path(tmp) / f"scan{i:03d}.jpg"
            scans.write_jpeg(path, img)
            paths.append((path, path.name))
        for r in range(args.repeat):
            refs.append(reference(args.pages))
            print(f"  reference (pure CPU, 1 process ÷ 2): {refs[-1]:.2f} (load {os.getloadavg()[0]:.2f})",
                  flush=True)
            for jobs in (1, 2) if r % 2 == 0 else (2, 1):  # alternated: a load burst hits both alike
                load = os.getloadavg()[0]
                runs[jobs].append(once(paths, args.engine, jobs))
                wall, first, records = runs[jobs][-1]
                print(f"  jobs={jobs}: {wall:.1f} s wall, first page after {first:.1f} s, "
                      f"{records} records (load before {load:.2f})", flush=True)
    med = {j: statistics.median(w for w, *_ in runs[j]) for j in runs}
    ref = statistics.median(refs)
    speedup = med[1] / med[2]
    print(f"{args.pages} pages ({args.engine}), median of {args.repeat}: jobs=1 {med[1]:.1f} s, jobs=2 "
          f"{med[2]:.1f} s; speedup {speedup:.2f} (target ≥ 1.8); the machine's own 2-process speedup "
          f"(reference) {ref:.2f}, ours ÷ it {speedup / ref:.2f}; "
          f"load now {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
