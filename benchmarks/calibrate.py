"""Fit the confidence calibration of OCR-read fields (issue 13): raw confidence → P(value is right).

The project's own scans are generated (fixture code; seeds other than the tests'): printed forms
as office scans, faxes, phone photos and noisy scans, and forms hand-filled in a Kai brush font
then scanned. Each is read end to end with the real engine (``read_path``); every field handed
to ``field_confidence`` is recorded with its raw confidence and the cell's script, and compared
with the fixture plan's truth. A field repeated on several records (a monthly sheet's header
merged into each row) counts once.

Per (field kind, script) the samples are sorted by raw confidence and pooled into monotone blocks
(isotonic regression, pool-adjacent-violators); blocks with fewer than MIN_BLOCK samples are
merged into a neighbour; each block is given the one-sided 95% Wilson lower bound of its share of
right values (so a block of n samples can never claim more than n / (n + 2.7): 0.99 needs at
least 268 samples, all right), and the bounds are made monotone by lowering, never raising.

Writes ``ingest/calibration.json`` (loaded by ``ingest.confidence``), and
``benchmarks/calibration/reliability.png`` + ``table.md``.

Usage: python benchmarks/calibrate.py [--forms 60] [--jobs 2] [--samples FILE] [--reuse]
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import re
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "ingest" / "calibration.json"
OUT = ROOT / "benchmarks" / "calibration"
ENGINE = "rapidocr"
Z = 1.645  # one-sided 95%
MIN_BLOCK = 30
PLAN_YEAR = 2023  # tests use plan_quarter(2026); the benchmarks 2026 too
SEED = 1300

Sample = dict[str, Any]


def _norm(v: Any) -> Any:
    if isinstance(v, str):
        return re.sub(r"\s", "", unicodedata.normalize("NFKC", v)) or None
    if isinstance(v, list):
        return tuple(v)
    return v


def _truth(form: Any, visit: Any) -> dict[str, Any]:
    from zhidao.fixtures.form_pdf import enterprise_on_form

    return {
        "instructor": visit.instructor, "unit": visit.unit, "enterprise": enterprise_on_form(form),
        "visit_date": visit.date.isoformat(), "content": visit.content, "duties": tuple(visit.duties),
        "problems": visit.problems, "signed": visit.signed,
        "report_date": form.report_date.isoformat() if form.report_date else None, "remarks": visit.remarks,
    }


def _cases(forms: int) -> list[tuple[int, str]]:
    """(form number, medium) for the plan's first `forms` forms."""
    media = ("office", "hand", "fax", "photo", "office", "hand", "noisy")
    out = []
    for i in range(forms):
        out.append((i, media[i % len(media)]))
        out.append((i, "hand" if media[i % len(media)] != "hand" else "office"))
    return out


def _read_case(case: tuple[int, str]) -> list[Sample]:
    import zhidao.ingest.forms as forms_mod
    from zhidao.fixtures import scans
    from zhidao.fixtures.handwriting import KAI_FONT, hand_filled_form
    from zhidao.fixtures.quarter import plan_quarter
    from zhidao.fonts import register_cjk_font
    from zhidao.ingest import read_path
    from zhidao.model import ReadOptions

    number, medium = case
    form = plan_quarter(PLAN_YEAR).forms[number]
    font = register_cjk_font()
    rng = np.random.default_rng(SEED + 7 * number + len(medium))
    if medium == "hand":
        try:
            img, _ = hand_filled_form(form, font, KAI_FONT, rng)
        except ValueError:  # a form that prints on two pages
            return []
    else:
        pages = scans.render_pages([form], font)
        if len(pages) != 1:
            return []
        img = {"office": scans.office_scan, "fax": scans.fax, "photo": scans.photo,
               "noisy": scans.noisy}[medium](pages[0], rng)
    seen: list[tuple[str, float, str, str | None]] = []
    records: list[tuple[int, dict[str, Any]]] = []
    original_conf, original_item = forms_mod.field_confidence, forms_mod.fields_to_item

    def spy_conf(key: str, raw: float, extractor: str, script: str | None) -> float:
        seen.append((key, raw, extractor, script))
        return float(original_conf(key, raw, extractor, script))

    def spy_item(*args: Any, **kwargs: Any) -> Any:
        seen.clear()
        item = original_item(*args, **kwargs)
        calls = {key: (raw, script) for key, raw, _, script in seen}
        records.append((item.index, {key: (item.values[key], *calls[key]) for key in calls}))
        return item

    forms_mod.field_confidence, forms_mod.fields_to_item = spy_conf, spy_item
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / ("scan.jpg" if medium == "photo" else "scan.png")
            if medium == "photo":
                scans.write_jpeg(path, img, quality=88)
            else:
                scans.write_png(path, img)
            started = time.process_time()
            outcome = read_path(path, path.name, ReadOptions(ocr_engine=ENGINE))
            seconds = time.process_time() - started
    finally:
        forms_mod.field_confidence, forms_mod.fields_to_item = original_conf, original_item
    del outcome
    if len(records) != len(form.visits):
        return [{"case": f"{number}/{medium}", "failed": True, "records": len(records),
                 "visits": len(form.visits), "seconds": seconds}]
    out: list[Sample] = []
    done: set[tuple[str, str]] = set()
    for (_, fields), visit in zip(sorted(records, key=lambda r: r[0]), form.visits, strict=True):
        truth = _truth(form, visit)
        for key, (value, raw, script) in fields.items():
            where = value.location.describe() if value.location else ""
            if (key, where) in done and key not in ("visit_date", "content", "duties", "signed", "remarks"):
                continue  # the same header cell merged into another row
            done.add((key, where))
            out.append({"case": f"{number}/{medium}", "medium": medium, "key": key, "raw": round(raw, 6),
                        "script": script, "right": _norm(value.value) == _norm(truth[key]),
                        "got": str(value.value)[:40], "want": str(truth[key])[:40]})
    if out:
        out[0]["seconds"] = seconds
    return out


# --- fitting -------------------------------------------------------------------------------

def wilson_lower(right: int, n: int, z: float = Z) -> float:
    if n == 0:
        return 0.0
    p = right / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (centre - spread) / (1 + z * z / n))


def fit(samples: list[tuple[float, bool]], min_block: int = MIN_BLOCK, z: float = Z) -> list[dict[str, Any]]:
    """Monotone blocks over raw confidence: [{"from": lowest raw, "n", "right", "p": lower bound}]."""
    if not samples:
        return []
    samples = sorted(samples)
    blocks: list[list[float]] = []  # [lowest raw, n, right]
    for raw, right in samples:
        if blocks and blocks[-1][0] == raw:
            blocks[-1][1] += 1
            blocks[-1][2] += int(right)
        else:
            blocks.append([raw, 1, int(right)])
        while len(blocks) > 1 and blocks[-2][2] / blocks[-2][1] >= blocks[-1][2] / blocks[-1][1]:
            low, high = blocks[-2], blocks.pop()
            low[1] += high[1]
            low[2] += high[2]
    i = len(blocks) - 1
    while len(blocks) > 1 and i >= 0:  # a thin block joins its lower neighbour (the lowest its upper one)
        if blocks[i][1] < min_block:
            j = i - 1 if i > 0 else 1
            lo, hi = min(i, j), max(i, j)
            blocks[lo] = [blocks[lo][0], blocks[lo][1] + blocks[hi][1], blocks[lo][2] + blocks[hi][2]]
            del blocks[hi]
            i = min(i, len(blocks) - 1)
        else:
            i -= 1
    out = [{"from": round(b[0], 6), "n": int(b[1]), "right": int(b[2]), "p": wilson_lower(int(b[2]), int(b[1]), z)}
           for b in blocks]
    for k in range(len(out) - 2, -1, -1):
        out[k]["p"] = min(out[k]["p"], out[k + 1]["p"])
    for b in out:
        b["p"] = math.floor(b["p"] * 10000) / 10000
    out[0]["from"] = 0.0  # the lowest block covers everything below it
    return out


def _groups(samples: list[Sample]) -> dict[tuple[str, str], list[tuple[float, bool]]]:
    from zhidao.ingest.confidence import field_kind

    groups: dict[tuple[str, str], list[tuple[float, bool]]] = defaultdict(list)
    for s in samples:
        script = s["script"] or "none"
        groups[(script, field_kind(s["key"]))].append((s["raw"], s["right"]))
        groups[(script, "*")].append((s["raw"], s["right"]))
    return groups


def build_table(samples: list[Sample]) -> dict[str, Any]:
    maps: dict[str, dict[str, list[list[float]]]] = defaultdict(dict)
    counts: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for (script, kind), group in sorted(_groups(samples).items()):
        blocks = fit(group)
        maps[script][kind] = [[b["from"], b["p"], b["n"]] for b in blocks]
        counts[script][kind] = [len(group), sum(r for _, r in group)]
    return {
        "about": "per engine, script, field kind: [lowest raw, P(right) lower bound, samples]; "
                 "made by benchmarks/calibrate.py",
        "engine": ENGINE, "z": Z, "min_block": MIN_BLOCK,
        "maps": {ENGINE: dict(maps)}, "samples": {ENGINE: dict(counts)},
    }


# --- report --------------------------------------------------------------------------------

def _bins(group: list[tuple[float, bool]], n_bins: int = 8) -> list[tuple[float, float, int]]:
    """Equal-count bins: (mean raw, share right, n)."""
    group = sorted(group)
    size = max(1, math.ceil(len(group) / n_bins))
    return [(statistics.fmean(r for r, _ in chunk), sum(ok for _, ok in chunk) / len(chunk), len(chunk))
            for chunk in (group[i:i + size] for i in range(0, len(group), size))]


def _lookup(blocks: list[list[float]], raw: float) -> float:
    p = blocks[0][1]
    for start, value in blocks:
        if raw >= start:
            p = value
    return p


COLOURS = {"name": (31, 119, 180), "date": (255, 127, 14), "text": (44, 160, 44), "duties": (214, 39, 40),
           "signed": (148, 103, 189)}


def reliability_png(samples: list[Sample], table: dict[str, Any], path: Path) -> None:
    """One panel per script: observed share right (dots, size ~ n) against mean raw confidence
    of equal-count bins, the calibrated map (steps), the diagonal, and the 0.99 review line."""
    from PIL import Image, ImageDraw, ImageFont

    from zhidao.fonts import register_cjk_font

    groups = _groups(samples)
    scripts = [s for s in ("print", "hand", "none") if any(k[0] == s for k in groups)]
    pw, ph, m = 520, 520, 60
    img = Image.new("RGB", (pw * len(scripts), ph + 40), "white")
    draw = ImageDraw.Draw(img)
    font: Any
    try:
        font = ImageFont.truetype(register_cjk_font(), 14)
    except OSError:
        font = ImageFont.load_default()
    lo = 0.0
    for col, script in enumerate(scripts):
        ox = col * pw

        def xy(x: float, y: float, ox: int = ox) -> tuple[float, float]:
            return ox + m + (x - lo) / (1 - lo) * (pw - 2 * m), m + (1 - y) * (ph - 2 * m)

        draw.rectangle([xy(lo, 1), xy(1, 0)], outline="black")
        draw.line([xy(lo, lo), xy(1, 1)], fill=(180, 180, 180))
        draw.line([xy(lo, 0.99), xy(1, 0.99)], fill=(200, 0, 0))
        for t in (0.0, 0.25, 0.5, 0.75, 1.0):
            draw.text(xy(t, 0), f"{t:.2f}", fill="black", font=font, anchor="mt")
            draw.text((ox + m - 6, xy(lo, t)[1]), f"{t:.2f}", fill="black", font=font, anchor="rm")
        draw.text((ox + pw / 2, 20), f"script: {script}  (x raw confidence, y share right / calibrated)",
                  fill="black", font=font, anchor="mm")
        legend_y = ph - m - 10
        for kind, colour in COLOURS.items():
            group = groups.get((script, kind))
            if not group:
                continue
            for raw, share, n in _bins(group):
                x, y = xy(raw, share)
                r = 2 + min(8, math.sqrt(n) / 2)
                draw.ellipse([x - r, y - r, x + r, y + r], outline=colour, width=2)
            blocks = table["maps"][ENGINE][script][kind]
            points = []
            for i, (start, p, *_) in enumerate(blocks):
                end = blocks[i + 1][0] if i + 1 < len(blocks) else 1.0
                points += [xy(max(start, lo), p), xy(end, p)]
            draw.line(points, fill=colour, width=2)
            draw.text((ox + m + 10, legend_y), f"{kind} n={len(group)} right={sum(r for _, r in group)}",
                      fill=colour, font=font)
            legend_y -= 18
    draw.text((10, ph + 10), "red line: 0.99 (below it a value is named in review); grey: diagonal",
              fill="black", font=font)
    img.save(path)


def table_md(samples: list[Sample], table: dict[str, Any]) -> str:
    groups = _groups(samples)
    lines = ["# Confidence calibration (rapidocr)", "",
             "Made by `benchmarks/calibrate.py` on the project's own generated scans; "
             "`p` is the one-sided 95% Wilson lower bound of the share right in a monotone block "
             "of raw confidences starting at `from`.", ""]
    media: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for s in samples:
        media[s["medium"]][0] += 1
        media[s["medium"]][1] += int(s["right"])
    lines += ["| medium | fields | right |", "| --- | --- | --- |"]
    lines += [f"| {k} | {n} | {r} ({r / n:.1%}) |" for k, (n, r) in sorted(media.items())]
    lines += ["", "| script | kind | fields | right | blocks (from → n, right, p) | fields ≥ 0.99 | wrong ≥ 0.99 |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for (script, kind), group in sorted(groups.items()):
        blocks = fit(group)
        blocks_text = "; ".join(f"{b['from']:.4f} → {b['n']}, {b['right']}, {b['p']:.4f}" for b in blocks)
        mapped = [(_lookup([[b["from"], b["p"]] for b in blocks], raw), ok) for raw, ok in group]
        passed = [ok for p, ok in mapped if p >= 0.99]
        lines.append(f"| {script} | {kind} | {len(group)} | {sum(r for _, r in group)} | {blocks_text} | "
                     f"{len(passed)} | {len(passed) - sum(passed)} |")
    wrong = [s for s in samples if not s["right"]]
    lines += ["", f"## Wrong reads ({len(wrong)}), first 40", "", "| case | key | script | raw | got | want |",
              "| --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {s['case']} | {s['key']} | {s['script']} | {s['raw']:.4f} | {s['got']} | {s['want']} |"
              for s in sorted(wrong, key=lambda s: -s["raw"])[:40]]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--forms", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--samples", type=Path, default=Path(tempfile.gettempdir()) / "zhidao-calibration.jsonl")
    parser.add_argument("--reuse", action="store_true", help="fit the samples already in --samples")
    args = parser.parse_args()
    if args.reuse:
        rows = [json.loads(line) for line in args.samples.read_text(encoding="utf-8").splitlines()]
    else:
        cases = _cases(args.forms)
        started = time.perf_counter()
        rows = []
        with multiprocessing.get_context("spawn").Pool(args.jobs) as pool, \
                args.samples.open("w", encoding="utf-8") as out:
            for done, result in enumerate(pool.imap_unordered(_read_case, cases), start=1):
                for row in result:
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
                rows += result
                print(f"\r{done}/{len(cases)} pages, {time.perf_counter() - started:.0f} s", end="", file=sys.stderr)
        print(file=sys.stderr)
    failed = [r for r in rows if r.get("failed")]
    samples = [r for r in rows if not r.get("failed")]
    seconds = [r["seconds"] for r in samples if "seconds" in r]
    print(f"{len(samples)} fields from {len(seconds)} pages ({len(failed)} pages not matched to their plan), "
          f"median {statistics.median(seconds) if seconds else 0:.2f} s CPU a page")
    table = build_table(samples)
    TABLE.write_text(json.dumps(table, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    OUT.mkdir(exist_ok=True)
    reliability_png(samples, table, OUT / "reliability.png")
    (OUT / "table.md").write_text(table_md(samples, table), encoding="utf-8")
    print((OUT / "table.md").read_text(encoding="utf-8").split("## Wrong")[0])


if __name__ == "__main__":
    main()
