"""The scan path's cost, against the raw OCR engine on the same pages.

1. One page: our end-to-end CPU time (preprocessing, layout, marks, OCR, fields) ÷ the raw
   engine's own whole-page run (RapidOCR's det+cls+rec, same threads) on the same page.
2. A 40-page batch (office scans of the demo plan's forms, written as JPEGs) read with both
   cores (`read_paths(jobs=2)`): wall time per page and core-seconds per page (this process
   and its workers). Target (issue 5): ≤ 1.0 core-second a page end to end.

The cell path (ingest/cells_ocr.py) can be switched off with ZHIDAO_OCR_CELLS=0 for the
figures before it.

Usage: python benchmarks/bench_scan.py [--pages 40] [--engine rapidocr] [--no-batch]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from zhidao.fixtures import scans
from zhidao.fixtures.quarter import plan_quarter
from zhidao.fonts import register_cjk_font
from zhidao.ingest import read_paths
from zhidao.ingest.engines import load_engine
from zhidao.ingest.scan import image_to_page


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process, and of its reaped children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def pages(n: int) -> list[np.ndarray]:
    font = register_cjk_font()
    forms = [f for f in plan_quarter(2026).forms][:n]
    rng = np.random.default_rng(40)
    out = [scans.office_scan(scans.render_form(form, font), rng) for form in forms]
    while len(out) < n:
        out.append(out[len(out) % len(forms)])
    return out[:n]


def single_page(engine_name: str, page: np.ndarray, repeat: int) -> None:
    """Raw and ours alternately, ``repeat`` times: the ratio of the medians, and the median of
    each pair's ratio (on a shared machine the load moves between runs: a pair is measured
    seconds apart)."""
    engine = load_engine(engine_name)
    engine.read_page(page)  # warm
    raw, ours = [], []
    for _ in range(repeat):
        t = time.process_time()
        engine.read_page(page)
        raw.append(time.process_time() - t)
        t = time.process_time()
        image_to_page(page, 1, engine)
        ours.append(time.process_time() - t)
    r, o = statistics.median(raw), statistics.median(ours)
    pairs = statistics.median(b / a for a, b in zip(raw, ours, strict=True))
    print(f"one page ({engine_name}): ours {o:.2f} s CPU, raw engine whole page {r:.2f} s CPU, ratio {o / r:.2f}"
          f" (median of {repeat} pairs' ratios {pairs:.2f}; first read of the layout, labels not yet cached:"
          f" {ours[0]:.2f} s, ratio {ours[0] / raw[0]:.2f})")


def batch(engine_name: str, images: list[np.ndarray], jobs: int) -> None:
    from zhidao.model import Boundary, ReadOptions

    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, img in enumerate(images):
            path = Path(tmp) / f"scan{i:03d}.jpg"
            scans.write_jpeg(path, img)
            paths.append((path, path.name))
        cpu0, wall0 = _cpu(), time.perf_counter()
        outcomes = read_paths(paths, ReadOptions(ocr_engine=engine_name), Boundary(jobs=jobs))
        wall, cpu1 = time.perf_counter() - wall0, _cpu()
    own, kids = cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]
    records = sum(len(o.items) for o in outcomes)
    failed = sum(1 for o in outcomes if not o.items)
    n = len(images)
    # the boundary's workers are not always reaped children of this process (a forkserver's):
    # their CPU is then not seen, and core-seconds are not claimed
    cores = f"{(own + kids) / n:.2f} core-seconds per page (target ≤ 1.0)" if kids > 0 else \
        "core-seconds n/a (the workers' CPU is not visible to this process)"
    print(f"batch of {n} pages, {jobs} workers ({engine_name}): {wall / n:.2f} s wall per page, "
          f"{cores}, {records} records, {failed} pages unread")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--engine", default="rapidocr")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-batch", action="store_true", help="the single page only")
    args = parser.parse_args()
    images = pages(args.pages)
    single_page(args.engine, images[0], args.repeat)
    if not args.no_batch:
        batch(args.engine, images, jobs=os.cpu_count() or 2)


if __name__ == "__main__":
    main()
