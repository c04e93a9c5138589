"""Read the date written in a form's date field: right, or not returned.

``read_date`` returns the ISO day only when exactly one Gregorian day is written and every part
of it is known. Everything else that looks like a date (ranges, months, lunar or relative dates,
weekdays, times, durations, impossible days) gives ``iso=None`` with ``sure=False`` and a short
reason, so the caller can send the field to a person. Text with nothing date-like (``''``,
``'无'``) gives ``iso=None, sure=True``.

Decisions:
* A two-digit year (``15年``) takes the century that puts it nearest the year hint (15 with 2026
  → 2015, 98 with 2021 → 1998). Without a hint it is not read. Only ``NN年`` is a two-digit year;
  ``15.3.2`` is not read as one.
* A month and day without a year take the year hint (or the year of ``month``); without either
  they are not read.
* A written weekday that contradicts the date, or a date outside the form's ``month``, returns
  the date as written but not sure.
* A time range on one day (``9:30~11:30``) is a range: the day is in ``days``, not in ``iso``.
* ``days`` lists every day of a range up to 31 days; a longer range gives its two ends.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from dataclasses import dataclass

_MAX_RANGE_DAYS = 31


@dataclass(frozen=True)
class DateRead:
    """``iso``: the one day written, or None. ``sure``: False sends the field to review.
    ``days``: every day written (``(iso,)`` for one day; a range's or list's days). ``why``: why
    not sure ('range', 'month', 'relative', 'lunar', 'holiday', 'two_digit_year', 'no_year',
    'outside_month', 'weekday', 'invalid', 'duration', 'time', 'partial', 'approximate', …)."""

    iso: str | None
    sure: bool
    days: tuple[str, ...] = ()
    why: str | None = None


_BLANK = DateRead(None, True)

# Something date-like was written: digits, numerals or date/time words.
_DATEISH = re.compile(r"[\d〇零○一二三四五六七八九十廿卅两年月日号周星期礼拜天时時点分秒旬季节午晚早夜]")
# Checked in order on the folded text; the first that matches is the reason.
_REJECT: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("lunar", re.compile(r"农历|阴历|陰曆|正月|腊月|臘月|冬月|闰|閏|初[\d一二三四五六七八九十]|廿|卅|除夕|元宵|端午|"
                         r"中秋|七夕|重阳|春节|大年"
                         # a day in numerals without 日/号 ('二月十五') is how lunar days are written
                         r"|月\s*[〇零一二三四五六七八九十]+(?!\s*[〇零一二三四五六七八九十日号號])")),
    ("holiday", re.compile(r"节|国庆|元旦|[立小大][春夏秋冬暑寒雪满]|[春秋]分|[夏冬]至"
                           r"|雨水|惊蛰|清明|谷雨|芒种|处暑|白露|寒露|霜降")),
    ("relative", re.compile(r"[今昨明][天日年晚早夜]|前|后|後|去年"
                            r"|[上下本这這该当同次翌那][个個一]?(?:周|月|年|日|天|晚|星期|礼拜|季)|每|近|过去|未来|再过|以来|以内|之内|起|止|至今|迄今|现在|目前")),
    ("approximate", re.compile(r"左右|大约|约|大概|许(?!\d)(?<![点时時分秒]许)")),
    ("partial", re.compile(r"旬|初|底|末|季|世纪|年代|第|上半|下半|[春夏秋冬]")),
)
_WEEKDAY = re.compile(r"(?:周|星期|礼拜|禮拜)\s*([一二三四五六日天1-7])|[(（]\s*([一二三四五六日天])\s*[)）]")
_WEEKDAY_NO = {c: i for i, c in enumerate("一二三四五六日")} | {"天": 6} | {str(i + 1): i for i in range(7)}
_CN_DIGIT = {"〇": "0", "零": "0", "○": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6",
             "七": "7", "八": "8", "九": "9"}
_CN_RUN = re.compile(r"[〇零○一二三四五六七八九十]+")
_CLOCK = r"(?:(?<!\d)\d{1,2}|(?<=\D\d\d)\d{2})"  # an hour; glued to a day only after a two-digit day
_TIME = re.compile(
    rf"{_CLOCK}\s*:\s*\d{{2}}(?:\s*:\s*\d{{2}})?(?:\s*[时時])?"
    rf"|{_CLOCK}\s*[点时時](?:\s*(?:\d{{1,2}}\s*分(?:\s*\d{{1,2}}\s*秒)?|\d\s*刻|\d{{1,2}}|半|整|多|许))*\s*钟?"
)
_DAY_PART = re.compile(r"上午|下午|中午|早上|早晨|清晨|晚上|凌晨|傍晚|夜里|夜间|半夜|午夜|黎明|白天|[早晚午夜]")
_TIME_RANGE = re.compile(rf"(?:{_TIME.pattern})\s*[~\-—–至到]+\s*(?:{_TIME.pattern})")
_DURATION = re.compile(r"天|个月|個月|小时|小時|钟头|分钟|秒|周年|工作日|交易日|半|多|以上|以下|刻")
_RANGE_SEP = re.compile(r"[~\-—–至到]")

_SEP = r"[./\-·・]"
_DAY_END = r"(?!\d)(?!\s*月)(?:\s*[日号號])?"
_PIECE = re.compile(
    rf"(?P<ymd>(?<!\d)(?P<y>\d{{4}}|\d{{2}}(?=\s*年))\s*(?:年\s*(?P<m>\d{{1,2}})\s*月|{_SEP}\s*(?P<m_>\d{{1,2}})\s*{_SEP})"
    rf"\s*(?P<d>\d{{1,2}}){_DAY_END})"
    r"|(?P<cpt>(?<!\d)(?P<cy>(?:19|20)\d{2})(?P<cm>\d{2})(?P<cd>\d{2})(?!\d))"
    r"|(?P<ym>(?<!\d)(?:\d{4}|\d{2}(?=\s*年))\s*[年./\-]\s*\d{1,2}(?!\d)\s*月?)"
    rf"|(?P<md>(?<![\d.])(?P<m2>\d{{1,2}})\s*(?:月|{_SEP})\s*(?P<d2>\d{{1,2}}){_DAY_END})"
    r"|(?P<yo>(?<!\d)\d+\s*年)|(?P<mo>(?<!\d)\d{1,2}\s*月)|(?P<do>(?<!\d)\d{1,2}\s*[日号號])|(?P<num>\d+)"
)


def _numerals(text: str) -> str:
    """Chinese numerals → digits: digit by digit ('二〇二六' → '2026', '零七' → '07', keeping the
    digit count of a two-digit year), or by value with 十 ('十二' → '12', '三十一' → '31')."""
    def one(m: re.Match[str]) -> str:
        s = m.group(0)
        if "十" not in s:
            return "".join(_CN_DIGIT[c] for c in s)
        head, _, tail = s.partition("十")
        if len(head) > 1 or len(tail) > 1 or "十" in tail:
            return s
        tens = int(_CN_DIGIT[head]) if head else 1
        return str(tens * 10 + (int(_CN_DIGIT[tail]) if tail else 0))
    return _CN_RUN.sub(one, text.replace("元月", "1月"))


def _century(y2: int, year: int | None) -> int | None:
    """The four-digit year nearest the hint that ends in ``y2``; None without a hint or on a tie."""
    if year is None:
        return None
    options = sorted((abs(c + y2 - year), c + y2) for c in range(year // 100 * 100 - 100, year // 100 * 100 + 101, 100))
    return None if options[0][0] == options[1][0] else options[0][1]


def _day(y: int, m: int, d: int, written: bool = False) -> dt.date | None:
    """The day, or None when impossible (or a written four-digit year outside 1900-2100)."""
    if written and not 1900 <= y <= 2100:
        return None
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _resolve(p: re.Match[str], year: int | None, prev: dt.date | None) -> tuple[dt.date | None, str | None]:
    """The day a day-level piece names (a later piece of a range takes the earlier one's year/month)."""
    kind = p.lastgroup
    if kind == "ymd":
        y = int(p["y"]) if len(p["y"]) == 4 else _century(int(p["y"]), year)
        if y is None:
            return None, "two_digit_year"
        day = _day(y, int(p["m"] or p["m_"]), int(p["d"]), written=len(p["y"]) == 4)
    elif kind == "cpt":
        day = _day(int(p["cy"]), int(p["cm"]), int(p["cd"]), written=True)
    elif kind == "md":
        y0 = prev.year if prev else year
        if y0 is None:
            return None, "no_year"
        day = _day(y0, int(p["m2"]), int(p["d2"]))
    else:  # a day alone: only after an earlier day
        if prev is None:
            return None, "partial"
        day = _day(prev.year, prev.month, int(re.sub(r"\D", "", p.group(0))))
    return day, (None if day else "invalid")


def _span(pieces: list[re.Match[str]], gaps: list[str], year: int | None) -> tuple[str, ...]:
    """Every day of a range or list of days, or () when one of them cannot be read."""
    out: list[dt.date] = []
    prev: dt.date | None = None
    for i, p in enumerate(pieces):
        day, _ = _resolve(p, year, prev)
        if day is None:
            return ()
        if i and _RANGE_SEP.search(gaps[i - 1]) and prev is not None:
            if day <= prev:
                return ()
            n = (day - prev).days
            fill = [prev + dt.timedelta(k) for k in range(1, n)] if n <= _MAX_RANGE_DAYS else []
            out.extend(fill)
        out.append(day)
        prev = day
    return tuple(sorted({d.isoformat() for d in out}))


def _unsure(why: str, days: tuple[str, ...] = ()) -> DateRead:
    return DateRead(None, False, days, why)


def read_date(text: str | None, year: int | None = None, month: str | None = None) -> DateRead:
    """Read one written day. ``year`` is the form's year hint; ``month`` ('YYYY-MM') the month the
    form declares (its year is the hint when ``year`` is None)."""
    if text is None:
        return _BLANK
    t = unicodedata.normalize("NFKC", text).strip()
    for why, pattern in _REJECT:
        if pattern.search(t):
            return _unsure(why)
    if not _DATEISH.search(t):
        return _BLANK
    if year is None and month and re.fullmatch(r"\d{4}-\d{2}", month):
        year = int(month[:4])
    weekdays = {_WEEKDAY_NO[a or b] for a, b in _WEEKDAY.findall(t)}
    t = _numerals(_WEEKDAY.sub(" ", t))
    time_range = bool(_TIME_RANGE.search(t))
    had_time = bool(_TIME.search(t))
    t = _DAY_PART.sub(" ", _TIME.sub(" ", t))
    if _DURATION.search(t):
        return _unsure("duration")
    t = re.sub(r"(?<=\d)\s+(?=\d)", "", t)  # '202 5 年 1 0 月', '2022 11 23'
    pieces = list(_PIECE.finditer(t))
    if not pieces:
        return _unsure("weekday" if weekdays else "time" if had_time else "unread")
    days_only = [p for p in pieces if p.lastgroup in ("ymd", "cpt", "md", "do")]
    gaps = [t[a.end():b.start()] for a, b in itertools.pairwise(pieces)]
    if len(days_only) < len(pieces):
        if len(pieces) > 1:
            return _unsure("range" if any(_RANGE_SEP.search(g) for g in gaps) else "ambiguous")
        kind = pieces[0].lastgroup
        return _unsure("month" if kind in ("ym", "mo") else "partial" if kind == "yo" else "unread")
    if len(pieces) > 1:
        return _unsure("range", _span(pieces, gaps, year))
    day, reason = _resolve(pieces[0], year, None)
    if day is None:
        return _unsure(reason or "invalid")
    iso = day.isoformat()
    if time_range:
        return _unsure("range", (iso,))
    if weekdays and weekdays != {day.weekday()}:
        return DateRead(iso, False, (iso,), "weekday")
    if month and iso[:7] != month:
        return DateRead(iso, False, (iso,), "outside_month")
    return DateRead(iso, True, (iso,))


def parse_date(text: str | None, year: int | None = None) -> tuple[str | None, bool]:
    """(ISO date or None, ok): ``read_date`` for callers that want a pair; ok is ``sure``."""
    r = read_date(text, year)
    return r.iso, r.sure


def visit_date_value(raw: str | None, year: int | None, month: str | None) -> tuple[str | None, bool]:
    """The visit date a form's field holds: (ISO day or None, sure). Not sure → review."""
    r = read_date(raw, year, month)
    return r.iso, r.sure


def date_zh(day: dt.date) -> str:
    """A date as an official document writes it: 2026年12月1日 (no leading zeros)."""
    return f"{day.year}年{day.month}月{day.day}日"


def today_in_china() -> dt.date:
    """Today's date in the county's time zone (Asia/Shanghai), whatever the machine's zone."""
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def iso_to_date(text: object) -> object:
    """An ISO date string ('2026-10-12') as a date, for a spreadsheet to store as a date; any
    other value as it is."""
    if isinstance(text, str) and len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return text
    return text
