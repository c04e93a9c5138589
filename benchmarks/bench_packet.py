"""Packet creation for a 500-instructor quarter: building the packet model and writing
packet.xlsx and packet.pdf (one page per instructor). Target (issue 7): ≤ 5 s.

Usage: python benchmarks/bench_packet.py [--instructors 500]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_validate import build

from zhidao.context import Quarter, RunContext
from zhidao.reports.packet_data import build_packet
from zhidao.reports.packet_pdf import write_packet_pdf
from zhidao.reports.packet_xlsx import write_packet_xlsx
from zhidao.validate.stage import validate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instructors", type=int, default=500)
    args = parser.parse_args()
    ingested = build(args.instructors, 15)  # 15 visits over the quarter's months and the rest of the year
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        ctx = RunContext(inbox=out, roster=out, quarter=Quarter.parse("2026Q3"), out=out, db=out / "z.db",
                         as_of=dt.date(2026, 10, 20))
        validated = validate(ctx, ingested)
        t0 = time.perf_counter()
        packet = build_packet(ctx, ingested, validated)
        t1 = time.perf_counter()
        write_packet_xlsx(out / "packet.xlsx", packet)
        t2 = time.perf_counter()
        write_packet_pdf(out / "packet.pdf", packet)
        t3 = time.perf_counter()
        size = (out / "packet.pdf").stat().st_size // 1024
    print(f"{args.instructors} instructors: packet model {t1 - t0:.2f} s, packet.xlsx {t2 - t1:.2f} s, "
          f"packet.pdf {t3 - t2:.2f} s ({size} KB); total {t3 - t0:.2f} s (target ≤ 5 s)")


if __name__ == "__main__":
    main()
