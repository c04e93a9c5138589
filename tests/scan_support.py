"""Shared helpers of the scan tests: plan forms, expected values, and the no-silent-error check."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from zhidao.fixtures.form_pdf import enterprise_on_form
from zhidao.fixtures.model import FormFile
from zhidao.fixtures.quarter import plan_quarter
from zhidao.model import Item

PLAN = plan_quarter(2026)
SINGLE = next(f for f in PLAN.forms if f.family == "A" and f.visits[0].problems and len(f.visits[0].duties) >= 2)
MONTHLY = next(f for f in PLAN.forms if f.family == "B" and 4 <= len(f.visits) <= 6)
FIELDS = ("instructor", "enterprise", "visit_date", "duties", "signed", "content", "report_date")


def _squash(v: Any) -> Any:
    return re.sub(r"\s", "", v) if isinstance(v, str) else v


def expected(form: FormFile) -> list[dict[str, Any]]:
    rows = []
    for v in form.visits:
        rows.append({
            "instructor": v.instructor, "enterprise": enterprise_on_form(form), "visit_date": v.date.isoformat(),
            "duties": v.duties, "signed": v.signed, "content": _squash(v.content),
            "report_date": form.report_date.isoformat() if form.report_date else None,
        })
    return rows


def check(items: list[Item], form: FormFile) -> tuple[int, int, list[str]]:
    """(right, total, silent errors): every field is right or named in review, never silently wrong."""
    want = sorted(expected(form), key=lambda r: r["visit_date"])
    got = sorted(items, key=lambda it: str(it.get("visit_date")))
    assert len(got) == len(want), f"{len(got)} records read, {len(want)} on the form"
    right, silent = 0, []
    for it, w in zip(got, want, strict=True):
        for field in FIELDS:
            value = _squash(it.get(field))
            if value == w[field]:
                right += 1
            elif field not in it.review:
                silent.append(f"{field}: {value!r} != {w[field]!r}")
    return right, len(want) * len(FIELDS), silent


def write(tmp: Path, name: str, img: Any) -> Path:
    from zhidao.fixtures.scans import write_png

    path = tmp / name
    write_png(path, img)
    return path
