"""Records × roster → matches and attendance (distinct days per roster pair and month)."""

from __future__ import annotations

import pandas as pd

from zhidao import frames

from .matching import match_enterprise


def records_to_matches(records: pd.DataFrame, roster: pd.DataFrame, as_of: str) -> pd.DataFrame:
    """Decide for each record which roster pair it belongs to and whether its day counts.

    A day counts when the instructor is on the roster, the enterprise is one assigned to them,
    the date is a real date not after ``as_of`` and lies in the form's month.
    """
    assigned: dict[str, list[str]] = {}
    for name, enterprise in zip(roster["name"], roster["enterprise"], strict=True):
        if pd.notna(name) and pd.notna(enterprise):
            assigned.setdefault(str(name), []).append(str(enterprise))
    rows = []
    for rec in records.itertuples(index=False):
        instructor = rec.instructor if pd.notna(rec.instructor) else None
        date = rec.visit_date if pd.notna(rec.visit_date) else None
        month = date[:7] if date else (rec.form_month if pd.notna(rec.form_month) else None)
        enterprise: str | None = None
        if instructor is None:
            status = "missing_instructor"
        elif instructor not in assigned:
            status = "unknown_instructor"
        else:
            written = rec.enterprise if pd.notna(rec.enterprise) else None
            enterprise, status = match_enterprise(written, assigned[instructor])
            if status == "missing":
                status = "enterprise_missing"
        if status == "ok" and date is None:
            status = "date_missing"
        elif status == "ok" and date > as_of:
            status = "date_future"
        elif status == "ok" and pd.notna(rec.form_month) and date[:7] != rec.form_month:
            status = "date_outside_month"
        rows.append({"record_id": rec.record_id, "instructor": instructor, "enterprise": enterprise,
                     "month": month, "status": status, "counted": status == "ok"})
    return frames.MATCHES.frame(rows)


def matches_to_attendance(matches: pd.DataFrame, records: pd.DataFrame, roster: pd.DataFrame,
                          months: tuple[str, ...]) -> pd.DataFrame:
    """Every roster pair × month, 0 included; duplicates of a day counted once."""
    counted = matches[matches["counted"].fillna(False).astype(bool)].merge(
        records[["record_id", "visit_date"]], on="record_id")
    pairs = roster[["name", "enterprise"]].dropna().drop_duplicates()
    rows = []
    for name, enterprise in pairs.itertuples(index=False):
        mine = counted[(counted["instructor"] == name) & (counted["enterprise"] == enterprise)]
        for month in months:
            in_month = mine[mine["month"] == month]
            rows.append({
                "instructor": name, "enterprise": enterprise, "month": month,
                "days": int(in_month["visit_date"].nunique()),
                "record_ids": ",".join(sorted(in_month["record_id"])),
            })
    return frames.ATTENDANCE.frame(rows)
