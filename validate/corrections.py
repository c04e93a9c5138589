"""Reviewers' corrections (kept in the ledger) applied to the records before validation, so
the findings, the attendance and the packet use the corrected values; record ids are stable,
so corrections survive re-ingesting the same file."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import pandas as pd

from zhidao import frames
from zhidao.frames import rows_of


class Corrected(Protocol):
    @property
    def record_id(self) -> str: ...

    @property
    def field(self) -> str: ...

    @property
    def new(self) -> str | None: ...


def records_with_corrections(records: pd.DataFrame, corrections: Iterable[Corrected]) -> pd.DataFrame:
    """The records frame with each field set to its latest correction (in the order given)."""
    latest: dict[tuple[str, str], str | None] = {}
    for c in corrections:
        latest[(c.record_id, c.field)] = c.new
    if not latest:
        return records
    rows = rows_of(records)
    for row in rows:
        fixed = [f for (rid, f) in latest if rid == row["record_id"]]
        for field in fixed:
            value = latest[(row["record_id"], field)]
            row[field] = (value == "true") if field == "signed" and value is not None else value
        if fixed:
            left = [f for f in (row["review"] or "").split(",") if f and f not in fixed]
            row["review"] = ",".join(left)
            if "visit_date" in fixed and row["visit_date"]:
                row["form_month"] = row["form_month"] or row["visit_date"][:7]
    return frames.RECORDS.frame(rows)
