"""Real writing nobody on the project made (../shared/realworld/crops): is what we cannot read
named in review? Measures only; nothing of ../shared is copied into the project.

Each crop is read as the scan path reads a cell: ``engine.read_lines(gray, regions=[whole
crop])``, lines tidied and joined as ``ingest.scan`` joins a cell's lines, the cell's confidence
the lowest of its lines' (an inked crop with nothing read gets UNREAD_INK_CONFIDENCE), its
script from ``ink_script`` on the crop's ink mask, then ``field_confidence``; review = calibrated
confidence < REVIEW_BELOW. The text is compared with the truth after NFKC and removal of
whitespace. Per kind: read exactly, wrong and flagged, wrong and NOT flagged (silent), right but
flagged; and the confusion matrix of ink_script.

Usage: python benchmarks/bench_realworld.py [--root ../shared/realworld] [--engine rapidocr] [-v]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
import unicodedata
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

import cv2

from zhidao.dates import read_date
from zhidao.ingest.confidence import REVIEW_BELOW, field_confidence, ink_script
from zhidao.ingest.engines import load_engine
from zhidao.ingest.ruling import ink_mask
from zhidao.ingest.scan import EXTRACTOR, UNREAD_INK_CONFIDENCE, _join, _noise, _tidy

ROOT = Path(__file__).resolve().parent.parent.parent / "shared" / "realworld"
KEYS = {"name": "instructor", "date": "visit_date", "month": "visit_date", "unit": "unit"}  # else content


def _norm(text: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--engine", default="rapidocr")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    engine = load_engine(args.engine)
    extractor = f"{EXTRACTOR}+{engine.name}"
    entries = json.loads((args.root / "truth.json").read_text(encoding="utf-8"))
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    scripts: Counter[tuple[str, str]] = Counter()
    seconds = 0.0
    for entry in entries:
        gray = cv2.imread(str(args.root / entry["file"]), cv2.IMREAD_GRAYSCALE)
        if gray is None:
            raise SystemExit(f"cannot read {entry['file']}")
        h, w = gray.shape
        started = time.process_time()
        lines = [replace(t, text=_tidy(t.text)) for t in engine.read_lines(gray, regions=[(0, 0, w, h)])
                 if not _noise(t)]
        seconds += time.process_time() - started
        text_height = statistics.median([t.bbox[3] - t.bbox[1] for t in lines]) if lines else 30.0
        text = _join(lines, text_height)
        raw = min((t.confidence for t in lines), default=UNREAD_INK_CONFIDENCE)
        script = ink_script(ink_mask(gray), (0.0, 0.0, float(w), float(h)), [t.bbox for t in lines], text_height)
        key = KEYS.get(entry["field"], "content")
        conf = field_confidence(key, raw, extractor, script)
        if key in ("visit_date", "report_date") and not read_date(text).iso:
            conf = min(conf, 0.5)  # as the form reader: a date not read for certain is not sure
        right = _norm(text) == _norm(entry["truth"])
        flagged = conf < REVIEW_BELOW
        kind = entry["kind"]
        c = counts[kind]
        c["n"] += 1
        c["right"] += right
        c["wrong flagged"] += (not right) and flagged
        c["wrong SILENT"] += (not right) and not flagged
        c["right flagged"] += right and flagged
        scripts[("hand" if kind.startswith("hand") else "print", script or "none")] += 1
        if args.verbose:
            print(f"{entry['id']:14s} {kind:16s} {script or '-':5s} raw {raw:.3f} → {conf:.3f} "
                  f"{'ok ' if right else 'BAD'} {'review' if flagged else 'SILENT' if not right else ''} "
                  f"{text!r} (truth {entry['truth']!r})")
    print(f"engine {engine.name} {engine.version}; review below {REVIEW_BELOW}; "
          f"{seconds / len(entries):.2f} s CPU a crop")
    print("| kind | crops | read exactly | wrong, flagged | wrong, NOT flagged | right, flagged |")
    print("| --- | --- | --- | --- | --- | --- |")
    groups = {**counts, "handwritten (all)": counts["handwritten"] + counts["handwritten_line"]}
    for kind, c in groups.items():
        wrong = c["n"] - c["right"]
        print(f"| {kind} | {c['n']} | {c['right']} ({c['right'] / c['n']:.0%}) | {c['wrong flagged']} | "
              f"{c['wrong SILENT']} ({c['wrong SILENT'] / max(1, wrong):.0%} of wrong) | {c['right flagged']} |")
    print("\nink_script (rows: truth, columns: said)")
    print("| truth | hand | print | none |\n| --- | --- | --- | --- |")
    for truth in ("hand", "print"):
        print(f"| {truth} | {scripts[(truth, 'hand')]} | {scripts[(truth, 'print')]} | {scripts[(truth, 'none')]} |")


if __name__ == "__main__":
    main()
