"""The frozen context passed into every stage, and the small value types it holds."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BAD_OPTION, ConfigError
from .model import Boundary

# The written forms of a period, checked in order on the NFKC-folded text: (kind, pattern).
# L: 2026Q3 / 2026-H2 (letter and number); C: 2026年第三季度; H: 2026年下半年; Y: 2026 / 2026年.
_PERIOD_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("L", re.compile(r"(\d{4})\s*(?:年\s*)?[-/.]?\s*([QqHh])\s*([1-4])")),
    ("C", re.compile(r"(\d{4})\s*年?\s*第?\s*([1-4一二三四])\s*季度?")),
    ("H", re.compile(r"(\d{4})\s*年?\s*([上下])\s*半\s*年")),
    ("Y", re.compile(r"(\d{4})\s*(?:年|年度|年全年)?")),
)
_NUMBER = {"1": 1, "2": 2, "3": 3, "4": 4, "一": 1, "二": 2, "三": 3, "四": 4}
_PERIOD_REMEDY = "请写成 2026Q3 或 2026年第三季度；半年写 2026H2 或 2026年下半年；全年写 2026 或 2026年"


@dataclass(frozen=True)
class Quarter:
    """The period a run reports on: a quarter (2026Q3), a half year (2026H2) or a year (2026)."""

    year: int
    number: int  # 1..4 for a quarter, 1..2 for a half year, 0 for the whole year
    kind: str = "Q"  # Q | H | Y

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """2026Q3, 2026q3, 2026-Q3, 2026年第三季度, 2026年三季度, 2026年第3季度; a half year 2026H2,
        2026年下半年; a year 2026, 2026年 (full-width digits and letters too)."""
        folded = unicodedata.normalize("NFKC", text).strip()
        found = next(((kind, m) for kind, pattern in _PERIOD_FORMS if (m := pattern.fullmatch(folded))), None)
        if found is None:
            raise ConfigError(BAD_OPTION, f"季度格式不对：{text!r}", remedy=_PERIOD_REMEDY)
        kind, m = found
        year = int(m.group(1))
        if not 1990 <= year <= 2100:
            raise ConfigError(BAD_OPTION, f"季度的年份不合理：{text!r}",
                              remedy="请写成 2026Q3 这样的形式（年份 1990–2100）")
        if kind == "Y":
            return cls(year, 0, "Y")
        if kind == "H":
            return cls(year, 1 if m.group(2) == "上" else 2, "H")
        letter, number = (m.group(2).upper(), int(m.group(3))) if kind == "L" else ("Q", _NUMBER[m.group(2)])
        if letter == "H" and number > 2:
            raise ConfigError(BAD_OPTION, f"季度格式不对：{text!r}", remedy=_PERIOD_REMEDY)
        return cls(year, number, letter)

    @property
    def months(self) -> tuple[str, ...]:
        span = {"Q": 3, "H": 6, "Y": 12}[self.kind]
        first = span * (self.number - 1) + 1 if self.kind != "Y" else 1
        return tuple(f"{self.year:04d}-{m:02d}" for m in range(first, first + span))

    @property
    def label(self) -> str:
        if self.kind == "Y":
            return f"{self.year}年"
        if self.kind == "H":
            return f"{self.year}年{'上' if self.number == 1 else '下'}半年"
        return f"{self.year}年第{'一二三四'[self.number - 1]}季度"

    def __str__(self) -> str:
        return str(self.year) if self.kind == "Y" else f"{self.year}{self.kind}{self.number}"


@dataclass(frozen=True)
class Profile:
    """The numbers and switches of the dispatch rules (a county's rules profile, loaded from
    TOML by zhidao.validate.profile; the defaults are the seed scheme's)."""

    name: str = "默认方案（种子方案）"
    county: str = ""  # the county whose scheme this is: the ledger's county key ("" for a single-county ledger)
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
    # The packet's and the monthly notice's cover: the issuing unit (发文单位, e.g. 中共青川县委组织部)
    # and the meeting's name ("" : {county}{period}非公企业党建工作指导员工作交流会).
    issuer: str = ""
    meeting: str = ""

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
    boundary: Boundary = field(default_factory=Boundary)  # per-file time/memory fence, worker processes
    ledger_wait: float = 10.0  # seconds to wait for another writer of the ledger before LEDGER_BUSY
    county: str | None = None  # the ledger's county key (--county); None: the rules profile's
    reread: bool = False  # read every file again even when the ledger holds a reading made the same way

    @property
    def county_key(self) -> str:
        return self.profile.county if self.county is None else self.county

    @property
    def dispatch_start(self) -> str:
        return self.profile.dispatch_start or f"{self.quarter.months[0]}-01"
