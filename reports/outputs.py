"""The machine-readable outputs of a run (SPEC.md): records.jsonl, findings.jsonl,
attendance.csv, errors.jsonl and the audit manifest."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from zhidao import __version__
from zhidao.context import RunContext
from zhidao.frames import rows_of
from zhidao.results import Ingested, Validated

from .inert import csv_field
from .jsonl import item_to_dict, outcome_to_dicts, write_lines


def findings_to_dicts(findings: pd.DataFrame) -> list[dict[str, Any]]:
    out = rows_of(findings)
    for d in out:
        d["sources"] = json.loads(d["sources"]) if d["sources"] else []
    return out


def write_records(out: Path, ingested: Ingested) -> Path:
    path = out / "records.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        records = (it for o in ingested.outcomes for it in o.items if it.kind == "record")
        write_lines((item_to_dict(it) for it in records), fh)
    return path


def write_errors(out: Path, ingested: Ingested) -> Path:
    path = out / "errors.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        write_lines((d for o in ingested.outcomes for d in outcome_to_dicts(o) if d["kind"] == "error"), fh)
    return path


def write_findings(out: Path, validated: Validated, checked: Sequence[bool] | None = None) -> Path:
    """findings.jsonl: the SPEC keys, then "checked" (false: the finding rests on a value no
    person has checked yet) when the check status is given."""
    path = out / "findings.jsonl"
    rows = findings_to_dicts(validated.findings)
    if checked is not None:
        rows = [{**row, "checked": bool(c)} for row, c in zip(rows, checked, strict=True)]
    with path.open("w", encoding="utf-8") as fh:
        write_lines(rows, fh)
    return path


def write_attendance(out: Path, validated: Validated) -> Path:
    path = out / "attendance.csv"
    frame = validated.attendance[["instructor", "enterprise", "month", "days"]]
    inert_csv(frame).to_csv(path, index=False, encoding="utf-8-sig")  # a Chinese Excel opens it without garbling
    return path


def inert_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text field safe for a spreadsheet (reports.inert.csv_field); numbers
    stay numbers."""
    text = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    return frame.assign(**{str(c): frame[c].map(csv_field) for c in text})


def write_manifest(out: Path, ctx: RunContext, run_id: int, ingested: Ingested) -> Path:
    """Every input file with its sha256 and what became of it."""
    files = rows_of(ingested.files)
    manifest = {
        "zhidao": __version__,
        "run_id": run_id,
        "quarter": str(ctx.quarter),
        "inbox": str(ctx.inbox),
        "roster": str(ctx.roster),
        "as_of": ctx.as_of.isoformat(),
        "rules_profile": ctx.profile.name,
        "counts": {
            "files": int((ingested.files["role"] == "inbox").sum()),
            "files_ok": int(((ingested.files["role"] == "inbox") & (ingested.files["status"] == "ok")).sum()),
            "records": len(ingested.records),
            "files_reused": int(ingested.files["reused"].fillna(False).astype(bool).sum()),
        },
        "files": files,
    }
    path = out / "manifest.json"
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def write_gx(out: Path, ctx: RunContext, validated: Validated) -> Path:
    """The Great Expectations suites in force and their validation results, for the audit
    (GX's Data Docs HTML is written beside them, under gx/data_docs/index.html)."""
    from zhidao.validate.suites import suites_json

    folder = out / "gx"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "suites.json").write_text(suites_json(ctx.profile), encoding="utf-8")
    path = folder / "validation_results.json"
    path.write_text(json.dumps(list(validated.gx_results), ensure_ascii=False, indent=1), encoding="utf-8")
    return path
