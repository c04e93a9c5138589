"""The frozen context passed into every stage, and the small value types it holds."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BAD_OPTION, ConfigError


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int  # 1..4

    @classmethod
    def parse(cls, text: str) -> Quarter:
        m = re.fullmatch(r"\s*(\d{4})\s*[Qq]\s*([1-4])\s*", text)
        if not m:
            raise ConfigError(BAD_OPTION, f"季度格式不对：{text!r}", remedy="请写成 2026Q3 这样的形式")
        return cls(int(m.group(1)), int(m.group(2)))

    @property
    def months(self) -> tuple[str, str, str]:
        first = 3 * (self.number - 1) + 1
        a, b, c = (f"{self.year:04d}-{m:02d}" for m in (first, first + 1, first + 2))
        return a, b, c

    @property
    def label(self) -> str:
        return f"{self.year}年第{'一二三四'[self.number - 1]}季度"

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"


@dataclass(frozen=True)
class Profile:
    """The numbers and switches of the dispatch rules (a county's rules profile, loaded from
    TOML by zhidao.validate.profile; the defaults are the seed scheme's)."""

    name: str = "默认方案（种子方案）"
    party_age_years: int = 2
    education_min: str = "大专"
    days_min: int = 4
    report_deadline_day: int = 5
    summary_deadline_days: int = 15
    # "YYYY-MM-DD" the dispatch began, for 党龄 at dispatch start; None: the quarter's first day.
    # A roster column 派驻时间 overrides it per instructor.
    dispatch_start: str | None = None
    mid_month_dispatch: str = "prorate"  # or "skip": a month the dispatch starts or ends in
    conflict_forbidden: bool = True
    # Words in 职务 that make a position mid-level or above (中层以上).
    mid_level_keywords: tuple[str, ...] = (
        "局长", "主任", "科长", "股长", "主席", "书记", "部长", "站长", "所长", "队长", "院长", "中层",
    )
    disabled: tuple[str, ...] = ()

    def enabled(self, rule: str) -> bool:
        return rule not in self.disabled


@dataclass(frozen=True)
class RunContext:
    """Everything a stage may know about the run. Built once by the CLI or a test."""

    inbox: Path
    roster: Path
    quarter: Quarter
    out: Path
    db: Path
    as_of: dt.date
    received: dt.date | None = None
    profile: Profile = field(default_factory=Profile)
    ocr_engine: str = "rapidocr"
    jobs: int = 1  # worker processes for reading files (OCR is the slow part)

    @property
    def dispatch_start(self) -> str:
        return self.profile.dispatch_start or f"{self.quarter.months[0]}-01"
