"""Items → the frames declared in :mod:`zhidao.frames` (pure transforms)."""

from __future__ import annotations

import json
from collections.abc import Iterable

import pandas as pd

from zhidao import frames
from zhidao.model import FileOutcome, Item, Scalar
from zhidao.text import education_rank, parse_month


def scalar_to_text(value: Scalar) -> str | None:
    """A field value as it is stored in a frame cell (duties joined by commas)."""
    if value is None:
        return None
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def items_to_records(items: Iterable[Item]) -> pd.DataFrame:
    rows = []
    for it in items:
        if it.kind != "record":
            continue
        row: dict[str, object] = {k: scalar_to_text(v.value) for k, v in it.values.items() if k != "signed"}
        row.update(
            record_id=it.item_id,
            signed=it.get("signed"),
            form_month=_form_month(it),
            review=",".join(it.review),
            source=it.source.display,
            sha256=it.source.sha256,
            page=it.page,
            extractor=it.extractor,
            steps=json.dumps(it.steps, ensure_ascii=False) if it.steps else None,
        )
        rows.append(row)
    return frames.RECORDS.frame(rows)


def _form_month(item: Item) -> str | None:
    month = parse_month(item.extra.get("month"))
    if month:
        return month
    date = item.get("visit_date")
    return date[:7] if isinstance(date, str) else None


def items_to_values(items: Iterable[Item]) -> pd.DataFrame:
    rows = []
    for it in items:
        for name, v in it.values.items():
            rows.append(
                {
                    "record_id": it.item_id,
                    "field": name,
                    "value": scalar_to_text(v.value),
                    "raw": v.raw,
                    "confidence": v.confidence,
                    "page": v.location.page if v.location else it.page,
                    "location": v.location.describe() if v.location else None,
                    "extractor": it.extractor,
                    "sha256": it.source.sha256,
                }
            )
    return frames.VALUES.frame(rows)


def items_to_roster(items: Iterable[Item]) -> pd.DataFrame:
    rows = []
    for it in items:
        if it.kind != "roster":
            continue
        row: dict[str, object] = {k: scalar_to_text(v.value) for k, v in it.values.items()}
        edu = it.values.get("education")
        loc = it.values["name"].location
        row.update(
            review=",".join(it.review),
            education_raw=edu.raw if edu else None,
            extra=json.dumps(it.extra, ensure_ascii=False) if it.extra else None,
            source=it.source.display,
            sha256=it.source.sha256,
            page=it.page,
            location=loc.describe() if loc else None,
        )
        rows.append(row)
    return frames.ROSTER.frame(rows)


def outcomes_to_files(outcomes: Iterable[FileOutcome], received: dict[str, str], role: str) -> pd.DataFrame:
    rows = []
    for o in outcomes:
        err = o.errors[0] if o.errors else None
        rows.append(
            {
                "path": o.source.display,
                "role": role,
                "sha256": o.source.sha256,
                "size": o.source.size,
                "medium": o.medium,
                "status": o.status,
                "items": len(o.items),
                "error_code": err.code if err else None,
                "error_message": err.message if err else None,
                "received": received.get(o.source.sha256),
                "name_bytes": o.name_bytes,
                "reused": o.reused,
            }
        )
    return frames.FILES.frame(rows)


def _months_between(start: str, end: str) -> int:
    """Whole months from the month of ``start`` to the month of ``end`` (YYYY-MM[-DD])."""
    return (int(end[:4]) - int(start[:4])) * 12 + int(end[5:7]) - int(start[5:7])


def roster_with_derived(roster: pd.DataFrame, dispatch_start: str, mid_level_keywords: tuple[str, ...]
                        ) -> pd.DataFrame:
    """Fill the columns the eligibility rules read: dispatch start (the row's own, else the
    given one), 党龄 in years at dispatch start, education rank, and the mid-level flag."""
    rows = frames.rows_of(roster)
    for row in rows:
        start = row["dispatch_start"] or dispatch_start
        row["dispatch_start"] = start
        joined = row["party_join"]
        row["party_years"] = round(_months_between(joined, start) / 12, 2) if joined else None
        row["education_rank"] = education_rank(row["education"])
        position = row["position"]
        row["mid_level"] = any(k in position for k in mid_level_keywords) if position else None
    return frames.ROSTER.frame(rows)


def items_to_summaries(items: Iterable[Item], received: dict[str, str], names: list[str]) -> pd.DataFrame:
    """Summaries received, each linked to its instructor: the name the text labels, else a
    roster name found in the title, the file name or the opening text."""
    rows = []
    for it in items:
        if it.kind != "summary":
            continue
        name = it.get("instructor")
        if not isinstance(name, str):
            haystack = f"{it.get('title')} {it.source.path.name} {it.get('text')}"
            found = [n for n in names if n and n in haystack]
            name = found[0] if len(found) == 1 else None
        rows.append({"instructor": name, "title": it.get("title"), "received": received.get(it.source.sha256),
                     "source": it.source.display, "sha256": it.source.sha256})
    return frames.SUMMARIES.frame(rows)
