"""Reviewers' corrections (kept in the ledger) applied to the records before validation, so
the findings, the attendance and the packet use the corrected values; record ids are stable,
so corrections survive re-ingesting the same file."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
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


# -- what is still unchecked -----------------------------------------------------------------------

# The fields that decide whether a record is a month's received form (and which month's).
_DATING = frozenset({"visit_date", "form_month"})


@dataclass(frozen=True)
class OpenItem:
    """A field a person should still check (in `review`, neither corrected nor confirmed)."""

    record_id: str
    field: str
    instructor: str | None
    visit_date: str | None
    form_month: str | None
    source: str


@dataclass(frozen=True)
class CheckStatus:
    """What the packet rests on that no person has checked yet: the open items, the findings
    that rest on one of them, and the (instructor, enterprise, month) cells with a received form
    whose date is open (enterprise None: any of the instructor's)."""

    open_items: tuple[OpenItem, ...] = ()
    findings_checked: tuple[bool, ...] = ()  # one per finding, in the findings frame's order
    pending: frozenset[tuple[str, str | None, str]] = frozenset()

    @property
    def open_count(self) -> int:
        return len(self.open_items)

    @property
    def draft(self) -> str:
        """The packet's draft mark, "" when every item has been checked."""
        return f"草稿（尚有 {self.open_count} 项待核对）" if self.open_items else ""

    def month_pending(self, instructor: str, enterprise: str | None, month: str) -> bool:
        return (instructor, enterprise, month) in self.pending or (instructor, None, month) in self.pending

    def instructor_pending(self, instructor: str, month: str) -> bool:
        return any(i == instructor and m == month for i, _, m in self.pending)


def records_to_open_items(records: pd.DataFrame, fields: Iterable[str]) -> list[OpenItem]:
    """The open review items of the records frame (after records_with_corrections: a corrected
    or confirmed field has left `review`), restricted to the reviewable ``fields``."""
    wanted = set(fields)
    out = []
    for row in rows_of(records):
        for name in (f for f in (row["review"] or "").split(",") if f in wanted):
            out.append(OpenItem(str(row["record_id"]), name, row["instructor"], row["visit_date"], row["form_month"],
                                str(row["source"] or "")))
    return out


def pending_months(open_items: Iterable[OpenItem], matches: pd.DataFrame, months: Iterable[str]
                   ) -> frozenset[tuple[str, str | None, str]]:
    """(instructor, enterprise, month) of the forms received whose date is still open: such a
    month is 已报送·待核对, never 未报送. A form whose month is not known stands for every month
    of the period; an enterprise not matched for any of the instructor's."""
    dating = {i.record_id for i in open_items if i.field in _DATING}
    out: set[tuple[str, str | None, str]] = set()
    for m in rows_of(matches):
        if m["record_id"] not in dating or not m["instructor"]:
            continue
        for month in [m["month"]] if m["month"] else list(months):
            out.add((str(m["instructor"]), m["enterprise"], str(month)))
    return frozenset(out)


def findings_with_check_status(findings: pd.DataFrame, open_items: Iterable[OpenItem],
                               pending: frozenset[tuple[str, str | None, str]]) -> pd.DataFrame:
    """The findings frame with a "checked" column: False for a finding that rests on an open
    value — a field open in one of its source records (of its instructor and date, unless those
    are the open fields), or, for a finding on a month as a whole (days, report), a month of its
    instructor with a received form whose date is open."""
    by_source: dict[str, dict[str, list[OpenItem]]] = {}
    for item in open_items:
        by_source.setdefault(item.source, {}).setdefault(item.record_id, []).append(item)
    months = {(i, m) for i, _, m in pending}
    checked = []
    for f in rows_of(findings):
        sources = json.loads(f["sources"]) if f["sources"] else []
        resting = not f["date"] and (f["instructor"], f["month"]) in months  # a month's count (days, report)
        for source in sources:
            for items in by_source.get(source, {}).values():
                first, open_fields = items[0], {i.field for i in items}
                same_person = not f["instructor"] or first.instructor == f["instructor"] or "instructor" in open_fields
                same_day = not f["date"] or first.visit_date == f["date"] or bool(open_fields & _DATING)
                resting = resting or (same_person and same_day)
        checked.append(not resting)
    return findings.assign(checked=pd.Series(checked, index=findings.index, dtype=bool))


def check_status(records: pd.DataFrame, findings: pd.DataFrame, matches: pd.DataFrame, months: Iterable[str]
                 ) -> CheckStatus:
    """The run's check status, once, for every output that shows it (packet, findings.jsonl)."""
    from zhidao.model import FIELD_LABELS

    items = records_to_open_items(records, FIELD_LABELS)
    pending = pending_months(items, matches, months)
    checked = findings_with_check_status(findings, items, pending)["checked"]
    return CheckStatus(tuple(items), tuple(bool(c) for c in checked), pending)
