"""Records × roster → matches and attendance (distinct days per roster pair and month)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from zhidao import frames
from zhidao.frames import rows_of

from .matching import Assigned, match_enterprise


def roster_assignments(roster: pd.DataFrame) -> dict[str, list[Assigned]]:
    """instructor → the enterprises assigned to them (with their former names), in roster order."""
    assigned: dict[str, list[Assigned]] = {}
    for row in rows_of(roster[["name", "enterprise", "aliases"]].dropna(subset=["name", "enterprise"])):
        mine = assigned.setdefault(row["name"], [])
        if row["enterprise"] not in [a.name for a in mine]:
            mine.append(Assigned.of(row["enterprise"], row["aliases"]))
    return assigned


def _match(rec: dict[str, Any], assigned: dict[str, list[Assigned]], as_of: str) -> tuple[str | None, str]:
    instructor, date = rec["instructor"], rec["visit_date"]
    if instructor is None:
        return None, "missing_instructor"
    if instructor not in assigned:
        return None, "unknown_instructor"
    enterprise, status = match_enterprise(rec["enterprise"], assigned[instructor])
    if status == "missing":
        return None, "enterprise_missing"
    if status != "ok":
        return None, f"enterprise_{status}"
    if date is None:
        return enterprise, "date_missing"
    if date > as_of:
        return enterprise, "date_future"
    if rec["form_month"] is not None and date[:7] != rec["form_month"]:
        return enterprise, "date_outside_month"
    return enterprise, "ok"


def records_to_matches(records: pd.DataFrame, roster: pd.DataFrame, as_of: str) -> pd.DataFrame:
    """Decide for each record which roster pair it belongs to and whether its day counts.

    A day counts when the instructor is on the roster, the enterprise is one assigned to them,
    the date is a real date not after ``as_of`` and lies in the form's month.
    """
    assigned = roster_assignments(roster)
    rows = []
    for rec in rows_of(records):
        enterprise, status = _match(rec, assigned, as_of)
        date = rec["visit_date"]
        # a record belongs to its form's month (a date outside it is DATE_INVALID, not another month)
        rows.append({"record_id": rec["record_id"], "instructor": rec["instructor"], "enterprise": enterprise,
                     "month": rec["form_month"] or (date[:7] if date else None), "status": status,
                     "counted": status == "ok"})
    return frames.MATCHES.frame(rows)


def matches_to_attendance(matches: pd.DataFrame, records: pd.DataFrame, roster: pd.DataFrame,
                          months: tuple[str, ...]) -> pd.DataFrame:
    """Every roster pair × month, 0 included; duplicates of a day counted once."""
    counted = matches[matches["counted"].fillna(False).astype(bool)].merge(
        records[["record_id", "visit_date"]], on="record_id")
    days: dict[tuple[str, str, str], set[str]] = {}
    ids: dict[tuple[str, str, str], list[str]] = {}
    for row in rows_of(counted):
        key = (row["instructor"], row["enterprise"], row["month"])
        days.setdefault(key, set()).add(row["visit_date"])
        ids.setdefault(key, []).append(row["record_id"])
    rows = []
    for name, enterprises in roster_assignments(roster).items():
        for enterprise in (a.name for a in enterprises):
            for month in months:
                key = (name, enterprise, month)
                rows.append({"instructor": name, "enterprise": enterprise, "month": month,
                             "days": len(days.get(key, ())), "record_ids": ",".join(sorted(ids.get(key, [])))})
    return frames.ATTENDANCE.frame(rows)
