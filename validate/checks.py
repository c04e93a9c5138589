"""The frames the rules are checked on, built from the pipeline's frames (pure pandas).

Each check frame has a ``row_id`` (what Great Expectations reports back for an unexpected row)
and the columns a finding needs (instructor, enterprise, month, date, sources).
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from zhidao.context import Profile
from zhidao.frames import rows_of
from zhidao.text import EDUCATION_LEVELS


@dataclass(frozen=True)
class Period:
    """When an instructor's dispatch runs (dates as ISO strings; end None: still running)."""

    start: str
    end: str | None

    def covers(self, month: str) -> bool:
        return self.start[:7] <= month and (self.end is None or month <= self.end[:7])

    def share(self, month: str) -> float:
        """The share of ``month`` inside the dispatch (1.0 for a whole month)."""
        year, mon = int(month[:4]), int(month[5:7])
        days = calendar.monthrange(year, mon)[1]
        first = max(dt.date(year, mon, 1), dt.date.fromisoformat(self.start))
        last = min(dt.date(year, mon, days), dt.date.fromisoformat(self.end) if self.end else dt.date(year, mon, days))
        return max(0, (last - first).days + 1) / days


def periods(roster: pd.DataFrame) -> dict[str, Period]:
    out: dict[str, Period] = {}
    for row in rows_of(roster.dropna(subset=["name"])):
        out.setdefault(row["name"], Period(row["dispatch_start"], row["dispatch_end"]))
    return out


def _json(items: list[str]) -> str:
    return json.dumps(sorted(set(items)), ensure_ascii=False)


def roster_checks(roster: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """One row per instructor (not per enterprise) with the eligibility inputs."""
    rows = []
    seen: set[str] = set()
    for i, row in enumerate(rows_of(roster)):
        name = row["name"]
        if name is not None and name in seen:
            continue
        seen.add(name)
        rows.append({
            "row_id": f"roster-{i}", "instructor": name, "enterprise": row["enterprise"],
            "party_years": row["party_years"], "education_rank": row["education_rank"],
            "education_raw": row["education_raw"], "position": row["position"], "mid_level": row["mid_level"],
            "name_missing": name is None, "enterprise_missing": row["enterprise"] is None,
            "location": row["location"], "sources": _json([row["source"]]),
        })
    frame = pd.DataFrame(rows, columns=["row_id", "instructor", "enterprise", "party_years", "education_rank",
                                        "education_raw", "position", "mid_level", "name_missing",
                                        "enterprise_missing", "location", "sources"])
    frame["education_min_rank"] = EDUCATION_LEVELS.index(profile.education_min)
    return frame


def record_checks(records: pd.DataFrame, matches: pd.DataFrame, values: pd.DataFrame, months: tuple[str, ...]
                  ) -> pd.DataFrame:
    """One row per record of the quarter, with its match to the roster and its date's status."""
    visit = values[values["field"] == "visit_date"]
    raw_dates = dict(zip(visit["record_id"], visit["raw"], strict=True))  # a dict: Series.get per row is slow
    used = ["record_id", "instructor", "enterprise", "visit_date", "form_month", "source", "content", "signed"]
    merged = records[used].merge(matches[["record_id", "enterprise", "month", "status"]], on="record_id",
                                 suffixes=("", "_matched"))
    rows = []
    for row in rows_of(merged):  # the columns used only: rows_of costs by the cell
        if row["month"] not in months:
            continue
        raw = raw_dates.get(row["record_id"])
        written = isinstance(raw, str) and bool(raw.strip())
        status = row["status"]
        rows.append({
            "row_id": row["record_id"], "instructor": row["instructor"], "enterprise": row["enterprise"],
            "enterprise_matched": row["enterprise_matched"], "month": row["month"], "date": row["visit_date"],
            "date_raw": raw if written else None, "form_month": row["form_month"],
            "sources": _json([row["source"]]), "match_status": status,
            "date_status": _date_status(row["visit_date"], written, status),
            "instructor_missing": row["instructor"] is None, "enterprise_missing": row["enterprise"] is None,
            "date_missing": row["visit_date"] is None and not written, "content_missing": row["content"] is None,
            "unsigned": row["signed"] is False,
        })
    return pd.DataFrame(rows, columns=["row_id", "instructor", "enterprise", "enterprise_matched", "month", "date",
                                       "date_raw", "form_month", "sources", "match_status", "date_status",
                                       "instructor_missing", "enterprise_missing", "date_missing",
                                       "content_missing", "unsigned"])


def _date_status(date: str | None, written: bool, match_status: str) -> str:
    if date is None:
        return "impossible" if written else "missing"
    return {"date_future": "future", "date_outside_month": "outside_month"}.get(match_status, "ok")


def attendance_checks(attendance: pd.DataFrame, matches: pd.DataFrame, records: pd.DataFrame, roster: pd.DataFrame,
                      profile: Profile, as_of: str) -> pd.DataFrame:
    """Roster pair × month rows where the days rule applies, with the days required: a month
    that has ended, inside the dispatch, and in which the instructor reported at all (a month
    with nothing is REPORT_MISSING instead). A month the dispatch starts or ends in is pro-rated
    or skipped, as the profile says."""
    reported = {(m["instructor"], m["month"]) for m in rows_of(matches[["instructor", "month", "status"]])
                if m["status"] == "ok"}
    source_of = dict(zip(records["record_id"], records["source"], strict=True))
    spans = periods(roster)
    rows = []
    for row in rows_of(attendance[["instructor", "enterprise", "month", "days", "record_ids"]]):
        name, month = row["instructor"], row["month"]
        span = spans.get(name)
        if month >= as_of[:7] or (name, month) not in reported or span is None or not span.covers(month):
            continue
        share = span.share(month)
        if share < 1.0 and profile.mid_month_dispatch == "skip":
            continue
        rows.append({"row_id": f"{name}|{row['enterprise']}|{month}", "instructor": name,
                     "enterprise": row["enterprise"], "month": month, "days": row["days"],
                     "required": math.ceil(profile.days_min * share), "record_ids": row["record_ids"],
                     "sources": _json([source_of[r] for r in (row["record_ids"] or "").split(",") if r])})
    return pd.DataFrame(rows, columns=["row_id", "instructor", "enterprise", "month", "days", "required",
                                       "record_ids", "sources"])


def receipt_dates(records: pd.DataFrame, files: pd.DataFrame) -> pd.Series:
    """record_id → the day its form was received: its 报送日期, else the file's receipt date."""
    received = files.set_index("sha256")["received"].to_dict()
    return pd.Series({r["record_id"]: r["report_date"] or received.get(r["sha256"])
                      for r in rows_of(records[["record_id", "report_date", "sha256"]])}, dtype="object")


def deadline(month: str, day: int) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return dt.date(year, mon, day).isoformat()


def submission_checks(records: pd.DataFrame, matches: pd.DataFrame, files: pd.DataFrame, roster: pd.DataFrame,
                      months: tuple[str, ...], profile: Profile, as_of: str) -> pd.DataFrame:
    """Instructor × month of the period (inside the dispatch, deadline passed): when the month's
    record first arrived, and from which files."""
    receipts = receipt_dates(records, files).to_dict()  # a dict: Series.get per row is slow
    mine = matches[matches["instructor"].notna()].merge(records[["record_id", "source"]], on="record_id")
    sent: dict[tuple[str, str], list[tuple[str | None, str]]] = {}
    for row in rows_of(mine[["record_id", "instructor", "month", "source"]]):
        receipt = receipts.get(row["record_id"])
        sent.setdefault((row["instructor"], row["month"]), []).append(
            (receipt if isinstance(receipt, str) else None, row["source"]))
    rows = []
    for name, span in periods(roster).items():
        for month in months:
            due = deadline(month, profile.report_deadline_day)
            if not span.covers(month) or due >= as_of:
                continue
            got = sent.get((name, month), [])
            dates = sorted(d for d, _ in got if d)
            first = dates[0] if dates else None
            late = first is not None and first > due
            sources = [src for d, src in got if d and d > due] if late else [src for _, src in got]
            rows.append({"row_id": f"{name}|{month}", "instructor": name, "month": month, "deadline": due,
                         "received": first, "late": late, "sources": _json(sources)})
    return pd.DataFrame(rows, columns=["row_id", "instructor", "month", "deadline", "received", "late", "sources"])


def summary_checks(summaries: pd.DataFrame, roster: pd.DataFrame, months: tuple[str, ...], profile: Profile,
                   as_of: str) -> pd.DataFrame:
    """Instructor × the half year that ended last before the quarter's end, once its summary is
    due: whether a 党建工作总结 naming the instructor arrived in time."""
    last = months[-1]
    year = int(last[:4])
    end = dt.date(year, 6, 30) if last >= f"{year}-07" else dt.date(year - 1, 12, 31)
    due = (end + dt.timedelta(days=profile.summary_deadline_days)).isoformat()
    if due >= as_of:
        return pd.DataFrame(columns=["row_id", "instructor", "half", "deadline", "received", "sources"])
    half = f"{end.year}H{1 if end.month == 6 else 2}"
    on_time: dict[str, list[tuple[str, str]]] = {}
    for row in rows_of(summaries):
        if row["instructor"] and row["received"] and row["received"] <= due:
            on_time.setdefault(row["instructor"], []).append((row["received"], row["source"]))
    rows = []
    for name, span in periods(roster).items():
        if span.start > end.isoformat():
            continue
        got = sorted(on_time.get(name, []))
        rows.append({"row_id": f"{name}|{half}", "instructor": name, "half": half, "deadline": due,
                     "received": got[0][0] if got else None, "sources": _json([src for _, src in got])})
    return pd.DataFrame(rows, columns=["row_id", "instructor", "half", "deadline", "received", "sources"])


def as_dict(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """row_id → row, for turning unexpected rows back into findings."""
    return {row["row_id"]: row for row in rows_of(frame)}
