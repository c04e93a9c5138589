"""Real-world Chinese date strings through ``read_date``: returned right, returned wrong, not returned.

Reads ``../shared/realworld/dates.jsonl`` (one JSON object a line: ``text``, ``base_year``,
``kind``, ``expect``). A returned ISO day is right only when the line's kind is a single day and
the day equals ``expect`` (its date part when ``expect`` carries a time); any day returned for a
span, month, year, relative, duration or partial line is wrong. Target: zero wrong.

Usage: python benchmarks/bench_dates.py [--data PATH] [--show-wrong] [--show-missed]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from zhidao.dates import read_date

SINGLE_DAY = {"day", "day_with_time", "day_no_year", "day_only"}
DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "realworld" / "dates.jsonl"


def verdict(kind: str, expect: object, iso: str | None) -> str:
    if iso is None:
        return "not_returned"
    if kind in SINGLE_DAY and isinstance(expect, str) and iso == expect[:10]:
        return "right"
    return "wrong"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DEFAULT)
    ap.add_argument("--show-wrong", action="store_true")
    ap.add_argument("--show-missed", action="store_true", help="single-day lines not returned")
    args = ap.parse_args()
    table: dict[str, Counter[str]] = {}
    wrong, missed = [], []
    for line in args.data.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        r = read_date(row["text"], year=row.get("base_year"))
        v = verdict(row["kind"], row.get("expect"), r.iso)
        table.setdefault(row["kind"], Counter())[v] += 1
        if v == "wrong":
            wrong.append((row["kind"], row["text"], row.get("expect"), r.iso))
        elif v == "not_returned" and row["kind"] in SINGLE_DAY:
            missed.append((row["kind"], row["text"], row.get("expect"), r.why))
    cols = ("right", "wrong", "not_returned")
    print(f"{'kind':<22}{'lines':>7}" + "".join(f"{c:>14}" for c in cols))
    total: Counter[str] = Counter()
    for kind, c in sorted(table.items(), key=lambda kv: -sum(kv[1].values())):
        total.update(c)
        print(f"{kind:<22}{sum(c.values()):>7}" + "".join(f"{c[k]:>14}" for k in cols))
    print(f"{'all':<22}{sum(total.values()):>7}" + "".join(f"{total[k]:>14}" for k in cols))
    if args.show_wrong:
        for w in wrong:
            print("WRONG", *w)
    if args.show_missed:
        for m in missed:
            print("MISSED", *m)


if __name__ == "__main__":
    main()
