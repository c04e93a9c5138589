"""A small clean quarter as frames (no files), to plant one rule violation at a time."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zhidao import frames
from zhidao.context import Profile, Quarter, RunContext
from zhidao.ingest.frames import roster_with_derived
from zhidao.results import Ingested, Validated
from zhidao.validate.stage import validate

QUARTER = Quarter(2026, 3)
AS_OF = dt.date(2026, 10, 20)
DAYS = {"2026-07": (6, 8, 13, 15, 20), "2026-08": (3, 5, 10, 12, 17), "2026-09": (2, 4, 9, 11, 16)}


def _roster_row(name: str, enterprise: str, **kw: Any) -> dict[str, Any]:
    row = {"name": name, "gender": "男", "birth": "1980-01", "unit": "县审计局", "position": "副局长",
           "party_join": "2001-06", "education": "本科", "education_raw": "大学本科", "enterprise": enterprise,
           "phone": "13800000000", "source": "名单.xlsx", "sha256": "r" * 64, "page": 1, "location": "A1"}
    row.update(kw)
    return row


@dataclass
class Quarterly:
    roster: list[dict[str, Any]] = field(default_factory=lambda: [
        _roster_row("周文涛", "青川县恒信机械制造有限公司"),
        _roster_row("许静", "青川县华美服饰有限公司"),
        _roster_row("许静", "青川县绿谷茶业有限公司"),
    ])
    records: list[dict[str, Any]] = field(default_factory=list)
    summaries: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = 0
        for name, enterprise in (("周文涛", "青川县恒信机械制造有限公司"), ("许静", "青川县华美服饰有限公司"),
                                 ("许静", "绿谷茶业有限公司")):
            offset = 1 if enterprise.startswith("绿谷") else 0
            for month, days in DAYS.items():
                for day in days:
                    n += 1
                    self.records.append(record(n, name, enterprise, f"{month}-{day + offset:02d}", month))
        self.summaries = [{"instructor": n, "title": f"{n}2026年上半年党建工作总结", "received": "2026-07-10",
                           "source": f"{n}总结.docx", "sha256": "s" * 64} for n in ("周文涛", "许静")]

    def ingested(self) -> Ingested:
        roster = roster_with_derived(frames.ROSTER.frame(self.roster), "2026-07-01", Profile().mid_level_keywords)
        values = frames.VALUES.frame([{"record_id": r["record_id"], "field": "visit_date", "value": r["visit_date"],
                                       "raw": r.get("raw_date", r["visit_date"])} for r in self.records])
        files = frames.FILES.frame([{"path": r["source"], "role": "inbox", "sha256": r["sha256"], "size": 1,
                                     "medium": "docx", "status": "ok", "items": 1, "received": "2026-10-01"}
                                    for r in self.records])
        return Ingested(roster=roster, records=frames.RECORDS.frame(self.records), values=values, files=files,
                        outcomes=(), summaries=frames.SUMMARIES.frame(self.summaries))

    def copy(self) -> Quarterly:
        return copy.deepcopy(self)


def record(n: int, name: str, enterprise: str, date: str, month: str, **kw: Any) -> dict[str, Any]:
    next_month = {"2026-07": "2026-08", "2026-08": "2026-09", "2026-09": "2026-10"}[month]
    row = {"record_id": f"rec-{n}", "instructor": name, "unit": "县审计局", "enterprise": enterprise,
           "visit_date": date, "content": "座谈。", "duties": "D1", "signed": True,
           "report_date": f"{next_month}-02", "form_month": month, "review": "", "source": f"{name}{month}.docx",
           "sha256": f"{n:064d}", "page": 1, "extractor": "test"}
    row.update(kw)
    return row


def run_rules(q: Quarterly, profile: Profile | None = None, tmp: Path = Path("/nonexistent")) -> Validated:
    ctx = RunContext(inbox=tmp, roster=tmp, quarter=QUARTER, out=tmp, db=tmp, as_of=AS_OF,
                     profile=profile or Profile())
    return validate(ctx, q.ingested())


def found(v: Validated) -> set[tuple[str, str | None, str | None]]:
    return {(f["rule"], f["instructor"], f["month"]) for f in frames.rows_of(v.findings)}
