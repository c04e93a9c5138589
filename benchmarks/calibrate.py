"""Fit the confidence calibration of OCR-read fields (issue 13): raw confidence → P(value is right).

The project's own scans are generated (fixture code; plan seeds other than the tests'): printed
forms as office scans, faxes, phone photos and noisy scans, and forms hand-filled in a Kai brush
font then scanned; monthly sheets (many fields a page) are preferred. Each page is read end to end
with the real engine (``read_path``); every field handed to ``field_confidence`` is kept with its
raw confidence and the cell's script (the *reads*, cached one JSON line a page, so that a long
run keeps its work and the comparison can change without reading again).

The reads are then compared with the truth of the fixture plan by the rules of the project's
scorer (``/work/shared/eval/score.py``): the records of a page are matched to the form's visits
greedily by similarity, ties by order; strings compare after NFKC with white space removed;
content, problems and remarks are right at a character error rate ≤ 0.05; dates exactly; duties
as sets of codes; signed as a bool; the enterprise as the form writes it; a field the form does
not have (a monthly sheet's problems, a layout without remarks, no report date) is null, as are
empty values ("无", "/" … of optional fields). A header value merged into every row of a monthly
sheet counts once. Records matched to no visit (and visits to no record) are listed, not fitted.

Per (field kind, script) the samples are sorted by raw confidence and pooled into monotone blocks
(isotonic regression, pool-adjacent-violators); blocks with fewer than MIN_BLOCK samples are
merged into a neighbour; each block is given the one-sided 95% Wilson lower bound of its share of
right values (so a block of n samples can never claim more than n / (n + 2.7): 0.99 needs at
least 268 samples, all right), and the bounds are made monotone by lowering, never raising.
Field kinds of one script whose error rates are alike may be pooled (MERGE).

Writes ``ingest/calibration.json`` (loaded by ``ingest.confidence``), and
``benchmarks/calibration/reliability.png`` + ``table.md``.

Usage: python benchmarks/calibrate.py [--pages 160] [--jobs 2] [--reads FILE] [--reuse] [--fit-only]
       [--only CASE ...] [--show CASE]
  --reuse     keep the reads already in --reads and read only the pages missing there
  --fit-only  read nothing: fit the reads in --reads
  --only      read (again) just these cases ("seed/form/medium"), e.g. to look at one page
  --show      print one cached page's records beside the truth they were matched to
"""

from __future__ import annotations

import argparse
import functools
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
READS = ROOT / "cache" / "calibration-reads.jsonl"
ENGINE = "rapidocr"
Z = 1.645  # one-sided 95%
MIN_BLOCK = 30
SEEDS = range(1300, 1400)  # plan seeds (the tests and benchmarks use 2026)
MEDIA = ("office", "hand", "fax", "photo", "noisy")
MEDIA_CYCLE = ("office", "hand", "fax", "office", "photo", "hand", "noisy")
SINGLE_EVERY = 4  # of the single-visit forms (one record a page) only every 4th is read

Sample = dict[str, Any]
Row = dict[str, Any]

# --- the scorer's rules (/work/shared/eval/score.py) -----------------------------------------

RECORD_FIELDS = ("instructor", "unit", "enterprise", "visit_date", "content", "duties", "problems", "signed",
                 "report_date", "remarks")
CER_FIELDS = {"content", "problems", "remarks"}
CER_OK = 0.05
EMPTYISH = {"", "无", "暂无", "/", "无。", "—", "-", "——", "null", "None"}
OPTIONAL = {"problems", "remarks", "unit", "report_date"}
DUTY_NAMES = {"建好党的组织": "D1", "配强组织班子": "D2", "建设党员队伍": "D3", "建设职工队伍": "D4",
              "建设活动阵地": "D5", "积极探索创新": "D6"}


def norm_str(v: Any) -> str | None:
    if v is None:
        return None
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", v if isinstance(v, str) else str(v)))


def _empty(key: str, v: Any) -> bool:
    if v is None:
        return True
    s = norm_str(v)
    return s == "" or (key in OPTIONAL and s in EMPTYISH)


def cer(ref: Any, hyp: Any) -> float:
    a, b = norm_str(ref) or "", norm_str(hyp) or ""
    if not a:
        return 0.0 if not b else 1.0
    prev = list(range(len(b) + 1))
    for i, rc in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, hc in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (rc != hc))
        prev = cur
    return prev[-1] / len(a)


def norm_duties(v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):
        v = re.split(r"[,，、;；\s]+", v)
    out = set()
    for x in v:
        s = norm_str(x) or ""
        if re.fullmatch(r"[Dd][1-6]", s):
            out.add(s.upper())
        elif s in DUTY_NAMES:
            out.add(DUTY_NAMES[s])
        elif s:
            out.add("?" + s)
    return sorted(out)


def field_ok(key: str, want: Any, got: Any) -> tuple[bool, float | None]:
    """(right, character error rate or None), as the scorer judges a field."""
    if key == "duties":
        return norm_duties(want) == norm_duties(got), None
    if key == "signed":
        return want is got or (want == got and type(want) is type(got)), None
    we, ge = _empty(key, want), _empty(key, got)
    if we or ge:
        return we and ge, (None if key not in CER_FIELDS else 0.0 if we and ge else 1.0)
    if key in CER_FIELDS:
        c = cer(want, got)
        return c <= CER_OK, c
    return norm_str(want) == norm_str(got), None


def _similarity(want: dict[str, Any], got: dict[str, Any]) -> float:
    score = 0.0
    for key in RECORD_FIELDS:
        ok, c = field_ok(key, want.get(key), got.get(key))
        score += 1.0 if ok else (max(0.0, 1 - c) * 0.8 if c is not None else 0.0)
    return score


def match(truth: list[dict[str, Any]], got: list[dict[str, Any]]) -> tuple[dict[int, int], list[int]]:
    """The scorer's matching: greedy best similarity, ties broken by order. Returns
    {truth index: record index} and the records matched to no visit."""
    pairs = sorted((-_similarity(t, o), abs(i - j), i, j) for i, t in enumerate(truth) for j, o in enumerate(got))
    done_t: set[int] = set()
    done_o: set[int] = set()
    out: dict[int, int] = {}
    for _, _, i, j in pairs:
        if i in done_t or j in done_o:
            continue
        done_t.add(i)
        done_o.add(j)
        out[i] = j
    return out, [j for j in range(len(got)) if j not in done_o]


# --- the pages -------------------------------------------------------------------------------

@functools.cache
def _plan(seed: int) -> Any:
    from zhidao.fixtures.quarter import plan_quarter

    return plan_quarter(seed)


def _cases(pages: int) -> list[str]:
    """"seed/form/medium" for `pages` pages: every monthly sheet of the plans and every
    SINGLE_EVERY-th single-visit form, the media taken in turn (MEDIA_CYCLE)."""
    out: list[str] = []
    for seed in SEEDS:
        for number, form in enumerate(_plan(seed).forms):
            if form.family == "A" and number % SINGLE_EVERY:
                continue
            out.append(f"{seed}/{number}/{MEDIA_CYCLE[len(out) % len(MEDIA_CYCLE)]}")
            if len(out) >= pages:
                return out
    return out


def _page_image(case: str) -> tuple[Any, dict[str, str] | None]:
    """The page of a case (BGR or gray), and for a hand-filled form what the hand wrote."""
    from zhidao.fixtures import scans
    from zhidao.fixtures.handwriting import KAI_FONT, hand_filled_form
    from zhidao.fonts import register_cjk_font

    seed, number, medium = case.split("/")
    form = _plan(int(seed)).forms[int(number)]
    font = register_cjk_font()
    rng = np.random.default_rng([int(seed), int(number), MEDIA.index(medium)])
    if medium == "hand":
        img, written = hand_filled_form(form, font, KAI_FONT, rng)  # ValueError: not one page
        return img, written
    pages = scans.render_pages([form], font)
    if len(pages) != 1:
        raise ValueError(f"prints on {len(pages)} pages")
    degrade = {"office": scans.office_scan, "fax": scans.fax, "photo": scans.photo, "noisy": scans.noisy}[medium]
    return degrade(pages[0], rng), None


def _jsonable(v: Any) -> Any:
    if isinstance(v, tuple):
        return list(v)
    return v if v is None or isinstance(v, (str, bool, int, float, list)) else str(v)


def write_page(case: str, folder: Path) -> Path:
    """The page of a case as the file that is read (PNG, a photo as JPEG)."""
    from zhidao.fixtures import scans

    img, _ = _page_image(case)
    photo = case.endswith("/photo")
    path = folder / (case.replace("/", "-") + (".jpg" if photo else ".png"))
    if photo:
        scans.write_jpeg(path, img, quality=88)
    else:
        scans.write_png(path, img)
    return path


def _read_case(case: str, keep: Path | None = None) -> Row:
    """Read one generated page end to end; every record with each field's value and, for a field
    that went through ``field_confidence``, its raw confidence and script."""
    import zhidao.ingest.forms as forms_mod
    from zhidao.ingest import read_path
    from zhidao.model import ReadOptions

    medium = case.rsplit("/", 1)[1]
    try:
        written = _page_image(case)[1]
    except ValueError as exc:  # a form that prints on two pages
        return {"case": case, "medium": medium, "failed": str(exc)}
    seen: list[tuple[str, float, str | None]] = []
    calls: dict[int, dict[str, tuple[float, str | None]]] = {}
    original_conf, original_item = forms_mod.field_confidence, forms_mod.fields_to_item

    def spy_conf(key: str, raw: float, extractor: str, script: str | None) -> float:
        seen.append((key, raw, script))
        return float(original_conf(key, raw, extractor, script))

    def spy_item(*args: Any, **kwargs: Any) -> Any:
        seen.clear()
        item = original_item(*args, **kwargs)
        calls[item.index] = {key: (raw, script) for key, raw, script in seen}
        return item

    forms_mod.field_confidence, forms_mod.fields_to_item = spy_conf, spy_item
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = write_page(case, keep or Path(tmp))
            started = time.process_time()
            outcome = read_path(path, path.name, ReadOptions(ocr_engine=ENGINE))
            seconds = time.process_time() - started
    finally:
        forms_mod.field_confidence, forms_mod.fields_to_item = original_conf, original_item
    records = []
    for item in outcome.items:
        fields = {}
        for key, value in item.values.items():
            raw, script = calls.get(item.index, {}).get(key, (None, None))
            fields[key] = {"value": _jsonable(value.value), "raw": None if raw is None else round(raw, 6),
                           "script": script, "conf": round(value.confidence, 6),
                           "where": value.location.describe() if value.location else None}
        records.append({"index": item.index, "page": item.page, "review": list(item.review), "fields": fields})
    return {"case": case, "medium": medium, "records": records, "errors": [e.code for e in outcome.errors],
            "seconds": round(seconds, 2), "written": written}


# --- the truth -------------------------------------------------------------------------------

def truth_records(case: str) -> list[dict[str, Any]]:
    """The records the form of a case holds, as the scorer's truth writes them: the enterprise as
    on the form, and null for a field the form does not have."""
    from zhidao.fixtures.form_pdf import enterprise_on_form
    from zhidao.fixtures.forms import MONTHLY_LAYOUTS_WITH_REMARKS

    seed, number, _ = case.split("/")
    form = _plan(int(seed)).forms[int(number)]
    single = form.family == "A"
    has_remarks = single or form.layout in MONTHLY_LAYOUTS_WITH_REMARKS
    report = form.report_date.isoformat() if form.report_date else None
    return [{"instructor": v.instructor, "unit": v.unit, "enterprise": enterprise_on_form(form),
             "visit_date": v.date.isoformat(), "content": v.content, "duties": list(v.duties),
             "problems": v.problems if single else None, "signed": v.signed, "report_date": report,
             "remarks": v.remarks if has_remarks else None}
            for v in form.visits]


def compare(row: Row) -> tuple[list[Sample], list[dict[str, Any]]]:
    """A page's calibrated fields judged right or wrong against the truth, and its problems
    (records matched to no visit, visits with no record, fields the form has that were not read)."""
    case, medium = row["case"], row["medium"]
    truth = truth_records(case)
    records = row["records"]
    got = [{k: f["value"] for k, f in r["fields"].items()} for r in records]
    pairs, extra = match(truth, got)
    problems: list[dict[str, Any]] = [{"case": case, "problem": "record matched to no visit",
                                       "got": {k: v for k, v in got[j].items() if v not in (None, [])}}
                                      for j in extra]
    problems += [{"case": case, "problem": "visit with no record", "want": truth[i]}
                 for i in range(len(truth)) if i not in pairs]
    out: list[Sample] = []
    done: set[tuple[str, str]] = set()
    for i, j in sorted(pairs.items()):
        for key, f in records[j]["fields"].items():
            if key not in RECORD_FIELDS:
                continue
            want = truth[i][key]
            ok, _ = field_ok(key, want, f["value"])
            if f["raw"] is None:  # not on the page as the reader saw it: no confidence was given
                if not ok:
                    problems.append({"case": case, "problem": "field not read", "key": key, "want": want,
                                     "got": f["value"], "conf": f["conf"], "review": key in records[j]["review"]})
                continue
            if f["where"] is not None:
                if (key, f["where"]) in done:
                    continue  # the same header value merged into another row
                done.add((key, f["where"]))
            out.append({"case": case, "medium": medium, "key": key, "raw": f["raw"], "script": f["script"],
                        "right": ok, "got": str(f["value"])[:40], "want": str(want)[:40], "record": j})
    return out, problems


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
    tied: dict[float, list[int]] = defaultdict(lambda: [0, 0])  # equal raw confidences are one point
    for raw, right in samples:
        tied[raw][0] += 1
        tied[raw][1] += int(right)
    blocks: list[list[float]] = []  # [lowest raw, n, right]
    for raw, (n, right_n) in sorted(tied.items()):
        blocks.append([raw, n, right_n])
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


# Field kinds of one script fitted as one block list (their error rates are alike on the reads).
MERGE: dict[str, tuple[tuple[str, ...], ...]] = {
    # both read by ink (a tick, a signature), not by OCR: 1.2% and 0% wrong, every error below raw 0.97
    "hand": (("duties", "signed"),),
}
# (print name with print date was tried: the one wrong name at raw 0.9943 then cut the dates'
# sure block from 0.93 to 0.9943, 1731 → 1622 sure values; they are fitted apart)


def block_name(script: str, kind: str) -> str:
    for group in MERGE.get(script, ()):
        if kind in group:
            return "+".join(group)
    return kind


def _groups(samples: list[Sample], merged: bool = True) -> dict[tuple[str, str], list[tuple[float, bool]]]:
    from zhidao.ingest.confidence import field_kind

    groups: dict[tuple[str, str], list[tuple[float, bool]]] = defaultdict(list)
    for s in samples:
        script = s["script"] or "none"
        kind = field_kind(s["key"])
        groups[(script, block_name(script, kind) if merged else kind)].append((s["raw"], s["right"]))
    return groups


def build_table(samples: list[Sample]) -> dict[str, Any]:
    maps: dict[str, dict[str, list[list[float]]]] = defaultdict(dict)
    counts: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for (script, name), group in sorted(_groups(samples).items()):
        blocks = fit(group)
        for kind in name.split("+"):
            maps[script][kind] = [[b["from"], b["p"], b["n"]] for b in blocks]
            counts[script][kind] = [len(group), sum(r for _, r in group)]
    return {
        "about": "per engine, script, field kind: [lowest raw, P(right) lower bound, samples]; "
                 "made by benchmarks/calibrate.py (kinds joined by + in 'merged' share one fit); "
                 "no '*' fallback: a class not fitted here is capped at confidence.UNCALIBRATED",
        "engine": ENGINE, "z": Z, "min_block": MIN_BLOCK,
        "merged": {script: ["+".join(g) for g in groups] for script, groups in MERGE.items()},
        "maps": {ENGINE: dict(maps)}, "samples": {ENGINE: dict(counts)},
    }


def calibrated(sample: Sample, table: dict[str, Any]) -> float:
    """The confidence the shipped table gives a sample (as ``ingest.confidence`` looks it up)."""
    from zhidao.ingest.confidence import UNCALIBRATED, field_kind, lookup

    by_script = table["maps"][ENGINE].get(sample["script"] or "none", {})
    blocks = by_script.get(field_kind(sample["key"]))
    return lookup(blocks, sample["raw"]) if blocks else min(sample["raw"], UNCALIBRATED)


# --- report --------------------------------------------------------------------------------

def _bins(group: list[tuple[float, bool]], n_bins: int = 8) -> list[tuple[float, float, int]]:
    """Equal-count bins: (mean raw, share right, n)."""
    group = sorted(group)
    size = max(1, math.ceil(len(group) / n_bins))
    return [(statistics.fmean(r for r, _ in chunk), sum(ok for _, ok in chunk) / len(chunk), len(chunk))
            for chunk in (group[i:i + size] for i in range(0, len(group), size))]


PALETTE = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (148, 103, 189), (140, 86, 75), (23, 190, 207))
X_NINES = 4  # the x axis: raw confidence on a scale of nines, 0 … 0.9999 and above


def reliability_png(samples: list[Sample], table: dict[str, Any], path: Path) -> None:
    """One panel per script: observed share right (circles, size ~ n) of equal-count bins of each
    fitted block list against their mean raw confidence, the calibrated map (steps), the
    0.99 review line; the x axis counts nines of the raw confidence (0, 0.9, 0.99, 0.999 …)."""
    from PIL import Image, ImageDraw, ImageFont

    from zhidao.fonts import register_cjk_font

    groups = _groups(samples)
    scripts = [s for s in ("print", "hand", "none") if any(k[0] == s for k in groups)]
    pw, ph, m = 560, 560, 60
    img = Image.new("RGB", (pw * max(1, len(scripts)), ph + 60), "white")
    draw = ImageDraw.Draw(img)
    font: Any
    try:
        font = ImageFont.truetype(register_cjk_font(), 14)
    except OSError:
        font = ImageFont.load_default()
    def nines(raw: float) -> float:
        return min(X_NINES, -math.log10(max(10.0 ** -X_NINES, 1.0 - raw))) / X_NINES

    for col, script in enumerate(scripts):
        ox = col * pw

        def xy(x: float, y: float, ox: int = ox) -> tuple[float, float]:
            return ox + m + nines(x) * (pw - 2 * m), m + (1 - y) * (ph - 2 * m)

        draw.rectangle([xy(0, 1), xy(1, 0)], outline="black")
        draw.line([xy(0, 0.99), xy(1, 0.99)], fill=(200, 0, 0))
        for t in (0.0, 0.25, 0.5, 0.75, 0.9, 1.0):
            draw.text((ox + m - 6, xy(0, t)[1]), f"{t:.2f}", fill="black", font=font, anchor="rm")
        for t, label in ((0.0, "0"), (0.9, "0.9"), (0.99, "0.99"), (0.999, "0.999"), (1.0, "≥0.9999")):
            draw.text(xy(t, 0), label, fill="black", font=font, anchor="mt")
        draw.text((ox + pw / 2, 20), f"script: {script}  (x raw confidence, y share right / calibrated)",
                  fill="black", font=font, anchor="mm")
        legend_y = ph - m - 30
        names = sorted(name for s, name in groups if s == script)
        for n_colour, name in enumerate(names):
            colour = PALETTE[n_colour % len(PALETTE)]
            group = groups[(script, name)]
            for raw, share, n in _bins(group):
                x, y = xy(raw, share)
                r = 2 + min(8, math.sqrt(n) / 2)
                draw.ellipse([x - r, y - r, x + r, y + r], outline=colour, width=2)
            blocks = table["maps"][ENGINE][script][name.split("+")[0]]
            points = []
            for i, (start, p, *_) in enumerate(blocks):
                end = blocks[i + 1][0] if i + 1 < len(blocks) else 1.0
                points += [xy(start, p), xy(end, p)]
            draw.line(points, fill=colour, width=2)
            draw.text((ox + m + 10, legend_y), f"{name} n={len(group)} right={sum(r for _, r in group)}",
                      fill=colour, font=font)
            legend_y -= 18
    draw.text((10, ph + 10), "x: raw confidence on a scale of nines; red line: 0.99 (below it a value is named "
              "in review); circles: equal-count bins (observed share right, size ~ n); steps: calibrated lower bound",
              fill="black", font=font)
    img.save(path)


def table_md(samples: list[Sample], table: dict[str, Any], rows: list[Row], problems: list[dict[str, Any]]) -> str:
    from zhidao.ingest.confidence import lookup

    lines = ["# Confidence calibration (rapidocr)", "",
             "Made by `benchmarks/calibrate.py` on the project's own generated scans, compared with the "
             "fixture plan by the scorer's rules; `p` is the one-sided 95% Wilson lower bound of the share "
             "right in a monotone block of raw confidences starting at `from`. A field is *sure* when its "
             "calibrated confidence is ≥ 0.99 (it is then not named in `review`).", ""]
    pages: dict[str, int] = defaultdict(int)
    for r in rows:
        pages[r["medium"]] += 1
    media: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for s in samples:
        sure = calibrated(s, table) >= 0.99
        for k in (s["medium"], "all"):
            media[k][0] += 1
            media[k][1] += int(s["right"])
            media[k][2] += int(sure)
            media[k][3] += int(sure and not s["right"])
    pages["all"] = len(rows)
    lines += ["| medium | pages | fields | right | sure (≥ 0.99) | wrong and sure |",
              "| --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {k} | {pages[k]} | {n} | {r} ({r / n:.1%}) | {su} ({su / n:.1%}) | {w} |"
              for k, (n, r, su, w) in sorted(media.items(), key=lambda kv: (kv[0] == "all", kv[0]))]
    lines += ["", "Error rate per script and field kind (before any merging):", "",
              "| script | kind | fields | wrong | share wrong |", "| --- | --- | --- | --- | --- |"]
    for (script, kind), group in sorted(_groups(samples, merged=False).items()):
        wrong = len(group) - sum(r for _, r in group)
        lines.append(f"| {script} | {kind} | {len(group)} | {wrong} | {wrong / len(group):.1%} |")
    lines += ["", "Fitted blocks (the table shipped in `ingest/calibration.json`):", "",
              "| script | kind | fields | right | blocks (from → n, right, p) | sure | wrong and sure |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for (script, name), group in sorted(_groups(samples).items()):
        blocks = fit(group)
        blocks_text = "; ".join(f"{b['from']:.4f} → {b['n']}, {b['right']}, {b['p']:.4f}" for b in blocks)
        mapped = [(lookup([[b["from"], b["p"]] for b in blocks], raw), ok) for raw, ok in group]
        passed = [ok for p, ok in mapped if p >= 0.99]
        lines.append(f"| {script} | {name} | {len(group)} | {sum(r for _, r in group)} | {blocks_text} | "
                     f"{len(passed)} | {len(passed) - sum(passed)} |")
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in problems:
        by_kind[p["problem"]].append(p)
    lines += ["", "## Pipeline problems on these pages (not fitted)", "",
              "Reproduce a page: `python benchmarks/calibrate.py --show CASE --keep DIR` writes it to DIR "
              "and prints its records beside the truth.", ""]
    for what, found in sorted(by_kind.items()):
        lines += [f"### {what} ({len(found)})", ""]
        for p in found[:25]:
            detail = {k: v for k, v in p.items() if k not in ("case", "problem")}
            lines.append(f"- `{p['case']}`: {json.dumps(detail, ensure_ascii=False, default=str)[:300]}")
        lines.append("")
    misread = [s for s in samples if not s["right"]]
    lines += [f"## Wrong reads ({len(misread)}), first 60 by raw confidence", "",
              "| case | key | script | raw | calibrated | got | want |", "| --- | --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {s['case']} | {s['key']} | {s['script']} | {s['raw']:.4f} | {calibrated(s, table):.4f} | "
              f"{s['got']} | {s['want']} |" for s in sorted(misread, key=lambda s: -s["raw"])[:60]]
    return "\n".join(lines) + "\n"


def load_reads(path: Path) -> dict[str, Row]:
    """The cached reads, the last line of a case winning (a line cut off by a stopped run is skipped)."""
    rows: dict[str, Row] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except ValueError:
                continue
            rows[row["case"]] = row
    return rows


def read_pages(cases: list[str], path: Path, jobs: int) -> None:
    """Read the cases in `jobs` processes, each page's line appended to `path` as it is done."""
    if not cases:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(jobs) as pool, path.open("a", encoding="utf-8") as out:
        for done, row in enumerate(pool.imap_unordered(_read_case, cases), start=1):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            out.flush()
            print(f"{done}/{len(cases)} pages, {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)


def show(row: Row) -> None:
    truth = truth_records(row["case"])
    got = [{k: f["value"] for k, f in r["fields"].items()} for r in row["records"]]
    pairs, extra = match(truth, got)
    print(row["case"], f"{len(got)} records for {len(truth)} visits; errors {row.get('errors')}")
    for i, t in enumerate(truth):
        j = pairs.get(i)
        print(f"-- visit {i} → record {j}")
        for key in RECORD_FIELDS:
            f = row["records"][j]["fields"][key] if j is not None else None
            value = f["value"] if f else "<no record>"
            ok = field_ok(key, t[key], value)[0] if f else False
            raw = f"{f['raw']:.4f} {f['script']}" if f and f["raw"] is not None else "-"
            print(f"  {'  ' if ok else 'XX'} {key:11s} {raw:14s} got {value!r:45.45s} want {t[key]!r:.45s}")
    for j in extra:
        print(f"-- record {j} matched to no visit: {got[j]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=160)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--reads", type=Path, default=READS)
    parser.add_argument("--reuse", action="store_true", help="read only the pages not yet in --reads")
    parser.add_argument("--fit-only", action="store_true", help="read nothing, fit the reads in --reads")
    parser.add_argument("--only", nargs="*", help="read just these cases (seed/form/medium) again")
    parser.add_argument("--show", help="print one cached case beside its truth")
    parser.add_argument("--keep", type=Path, help="write the page of --show (or of each --only case) here")
    args = parser.parse_args()
    if args.show:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            print(write_page(args.show, args.keep))
        show(load_reads(args.reads)[args.show])
        return
    if args.only:
        for case in args.only:
            row = _read_case(case, args.keep)
            with args.reads.open("a", encoding="utf-8") as out:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            if not row.get("failed"):
                show(row)
        return
    if not args.fit_only:
        if not args.reuse:
            args.reads.unlink(missing_ok=True)
        cached = load_reads(args.reads)
        read_pages([c for c in _cases(args.pages) if c not in cached], args.reads, args.jobs)
    rows = list(load_reads(args.reads).values())
    failed = [r for r in rows if r.get("failed")]
    rows = [r for r in rows if not r.get("failed")]
    samples: list[Sample] = []
    problems: list[dict[str, Any]] = []
    for row in rows:
        s, p = compare(row)
        samples += s
        problems += p
    seconds = [r["seconds"] for r in rows]
    print(f"{len(samples)} fields from {len(rows)} pages ({len(failed)} not made), "
          f"median {statistics.median(seconds) if seconds else 0:.2f} s CPU a page")
    table = build_table(samples)
    TABLE.write_text(json.dumps(table, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    OUT.mkdir(exist_ok=True)
    reliability_png(samples, table, OUT / "reliability.png")
    (OUT / "table.md").write_text(table_md(samples, table, rows, problems), encoding="utf-8")
    print((OUT / "table.md").read_text(encoding="utf-8").split("## Wrong")[0])


if __name__ == "__main__":
    main()
