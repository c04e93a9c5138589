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
# L: 2026Q3 / 2026-H2 (letter and number); C: 2026年第三季度; H: 2026年下半年; Y: 2026 / 2026年;
# M (a month, `run --month` only): 2026-10, 2026/10, 2026.10, 2026年10月, 202610.
_PERIOD_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("L", re.compile(r"(\d{4})\s*(?:年\s*)?[-/.]?\s*([QqHh])\s*([1-4])")),
    ("C", re.compile(r"(\d{4})\s*年?\s*第?\s*([1-4一二三四])\s*季度?")),
    ("H", re.compile(r"(\d{4})\s*年?\s*([上下])\s*半\s*年")),
    ("Y", re.compile(r"(\d{4})\s*(?:年|年度|年全年)?")),
)
_MONTH_FORM = re.compile(r"(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*月?|(\d{2}))")
_NUMBER = {"1": 1, "2": 2, "3": 3, "4": 4, "一": 1, "二": 2, "三": 3, "四": 4}
_PERIOD_REMEDY = "请写成 2026Q3 或 2026年第三季度；半年写 2026H2 或 2026年下半年；全年写 2026 或 2026年"


@dataclass(frozen=True)
class Quarter:
    """The period a run reports on: a quarter (2026Q3), a half year (2026H2), a year (2026) or a
    month (2026-10: the monthly check, `run --month`)."""

    year: int
    number: int  # 1..4 for a quarter, 1..2 for a half year, 1..12 for a month, 0 for the whole year
    kind: str = "Q"  # Q | H | Y | M

    @classmethod
    def stored(cls, text: str) -> Quarter:
        """A period as the ledger stores it (str() of a Quarter): 2026Q3, 2026H2, 2026, 2026-10."""
        return cls.parse_month(text) if re.fullmatch(r"\d{4}-\d{2}", text) else cls.parse(text)

    @classmethod
    def parse_month(cls, text: str) -> Quarter:
        """2026-10, 2026/10, 2026.10, 2026年10月, 202610 (full-width too) → the month 2026-10."""
        folded = unicodedata.normalize("NFKC", text).strip()
        m = _MONTH_FORM.fullmatch(folded)
        month = int(m.group(2) or m.group(3)) if m else 0
        if m is None or not 1 <= month <= 12 or not 1990 <= int(m.group(1)) <= 2100:
            raise ConfigError(BAD_OPTION, f"月份格式不对：{text!r}", remedy="请写成 2026-10 或 2026年10月")
        return cls(int(m.group(1)), month, "M")

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
        if self.kind == "M":
            return (f"{self.year:04d}-{self.number:02d}",)
        span = {"Q": 3, "H": 6, "Y": 12}[self.kind]
        first = span * (self.number - 1) + 1 if self.kind != "Y" else 1
        return tuple(f"{self.year:04d}-{m:02d}" for m in range(first, first + span))

    @property
    def plausible_months(self) -> tuple[str, ...]:
        """The months a visit date on a form naming no month is expected in, unquestioned: the
        period's; for a monthly check, its quarter's (an inbox collected over the quarter holds
        the other months' forms too, and their dates are not misreadings)."""
        if self.kind == "M":
            return Quarter(self.year, (self.number - 1) // 3 + 1).months
        return self.months

    @property
    def label(self) -> str:
        if self.kind == "Y":
            return f"{self.year}年"
        if self.kind == "M":
            return f"{self.year}年{self.number}月"
        if self.kind == "H":
            return f"{self.year}年{'上' if self.number == 1 else '下'}半年"
        return f"{self.year}年第{'一二三四'[self.number - 1]}季度"

    def __str__(self) -> str:
        if self.kind == "M":
            return self.months[0]
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
    db: Path | str  # an SQLite file, or a database URL (postgresql://user@host/db)
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
