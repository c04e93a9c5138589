"""Chinese dates: a date that is returned is right; what cannot be read for certain is not returned."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from zhidao.dates import DateRead, parse_date, read_date, visit_date_value
from zhidao.text import parse_date as text_parse_date
from zhidao.text import parse_month

CN = "〇一二三四五六七八九"
dates = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2099, 12, 31))
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _cn_digits(n: int) -> str:
    return "".join(CN[int(c)] for c in str(n))


def _cn_small(n: int) -> str:
    tens, ones = divmod(n, 10)
    if not tens:
        return CN[n]
    return ("" if tens == 1 else CN[tens]) + "十" + (CN[ones] if ones else "")


FORMATS = ["{y}年{m}月{d}日", "{y}年{m:02d}月{d:02d}日", "{y}-{m:02d}-{d:02d}", "{y}.{m}.{d}", "{y}/{m}/{d}",
           "{y}{m:02d}{d:02d}", "{y}年{m}月{d}号", "{y} 年 {m} 月 {d} 日", "{y}-{m:02d}-{d:02d} 14:05",
           "{y}-{m:02d}-{d:02d} 08:30:59", "{y}年{m}月{d}日上午9时20分", "{y}年{m}月{d}日下午3:15",
           "{y}.{m:02d}.{d:02d}", "走访日期：{y}年{m}月{d}日"]


def _written(day: dt.date, fmt: str) -> str:
    return fmt.format(y=day.year, m=day.month, d=day.day)


@given(dates, st.sampled_from(FORMATS))
def test_every_common_form_reads_the_day(day: dt.date, fmt: str) -> None:
    r = read_date(_written(day, fmt))
    assert (r.iso, r.sure, r.days) == (day.isoformat(), True, (day.isoformat(),))


@given(dates, st.sampled_from(FORMATS))
def test_full_width_digits_read_the_same(day: dt.date, fmt: str) -> None:
    assert read_date(_written(day, fmt).translate(FULL_WIDTH)).iso == day.isoformat()


@given(dates)
def test_chinese_numerals_and_letter_spaced_digits(day: dt.date) -> None:
    cn = f"{_cn_digits(day.year)}年{_cn_small(day.month)}月{_cn_small(day.day)}日"
    spaced = " ".join(str(day.year)) + f" 年 {' '.join(str(day.month))} 月 {' '.join(str(day.day))} 日"
    assert read_date(cn).iso == day.isoformat()
    assert read_date(spaced).iso == day.isoformat()


@given(dates, st.integers(-49, 49))
def test_two_digit_year_takes_the_century_nearest_the_hint(day: dt.date, offset: int) -> None:
    text = f"{day.year % 100:02d}年{day.month}月{day.day}日"
    r = read_date(text, year=day.year + offset)
    assert (r.iso, r.sure) == (day.isoformat(), True)


def test_two_digit_year_examples() -> None:
    assert read_date("16年4月9日", year=2026).iso == "2016-04-09"
    assert read_date("97年11月2日", year=2021).iso == "1997-11-02"
    assert read_date("零八年五月六号", year=2026).iso == "2008-05-06"
    assert read_date("16年4月9日") == DateRead(None, False, (), "two_digit_year")  # no hint: not guessed


@given(dates)
def test_month_day_takes_the_year_hint_or_is_not_read(day: dt.date) -> None:
    for text in (f"{day.month}月{day.day}日", f"{day.month}.{day.day}", f"{day.month}月{day.day}号"):
        assert read_date(text, year=day.year).iso == day.isoformat()
        assert read_date(text).iso is None and not read_date(text).sure
    month = f"{day.year}-{day.month:02d}"
    assert read_date(f"{day.month}月{day.day}日", month=month) == DateRead(day.isoformat(), True, (day.isoformat(),))


@given(dates, st.integers(1, 11))
def test_a_date_outside_the_forms_month_is_returned_but_not_sure(day: dt.date, shift: int) -> None:
    other = (day.month - 1 + shift) % 12 + 1
    r = read_date(f"{day.year}年{day.month}月{day.day}日", month=f"{day.year}-{other:02d}")
    assert (r.iso, r.sure, r.why) == (day.isoformat(), False, "outside_month")


RANGE_FORMS = ["{y}年{m}月{a}-{b}日", "{y}年{m}月{a}日至{b}日", "{y}年{m}月{a}日—{m}月{b}日", "{y}.{m}.{a}-{y}.{m}.{b}",
               "{y}年{m}月{a}日到{y}年{m}月{b}日", "{m}月{a}日~{b}日"]


@given(dates, st.integers(1, 20), st.sampled_from(RANGE_FORMS))
def test_a_day_range_never_returns_its_first_day(day: dt.date, length: int, fmt: str) -> None:
    end = day + dt.timedelta(days=length)
    assume(end.month == day.month)
    text = fmt.format(y=day.year, m=day.month, a=day.day, b=end.day)
    r = read_date(text, year=day.year)
    assert r.iso is None and not r.sure and r.why == "range"
    assert r.days[0] == day.isoformat() and r.days[-1] == end.isoformat()
    assert len(r.days) == (end - day).days + 1


def test_lists_of_days() -> None:
    r = read_date("8月4日、6日", year=2026)
    assert (r.iso, r.sure, r.days, r.why) == (None, False, ("2026-08-04", "2026-08-06"), "range")
    assert read_date("5月7号，9号，10号", year=2026).days == ("2026-05-07", "2026-05-09", "2026-05-10")


def test_a_long_range_lists_its_two_ends() -> None:
    r = read_date("2024年3月1日至2024年9月30日")
    assert r.days == ("2024-03-01", "2024-09-30") and r.iso is None


def test_times_on_one_day_as_a_range_are_not_returned() -> None:
    r = read_date("2026年5月12日 8:30-11:00")
    assert (r.iso, r.sure, r.days) == (None, False, ("2026-05-12",))


@pytest.mark.parametrize("text", ["2001.03-2004.07", "2010.05-2013", "2020年5月", "2020年3-6月", "2023年1至5月",
                                  "二〇一八年九月", "2016年", "7月"])
def test_months_and_month_ranges_are_not_a_day(text: str) -> None:
    r = read_date(text, year=2026)
    assert r.iso is None and not r.sure


def test_parse_month_still_reads_months() -> None:
    assert parse_month("2001.03") == "2001-03" and parse_month("2020年5月") == "2020-05"


@pytest.mark.parametrize("text", ["上个礼拜六", "前天", "明天上午", "下周五", "上月12号", "本月20日", "去年5月6日",
                                  "三天后", "2026年6月1日前", "2026年6月1日起", "大前天晚上"])
def test_relative_dates_are_not_returned(text: str) -> None:
    r = read_date(text, year=2026)
    assert (r.iso, r.sure) == (None, False)


@pytest.mark.parametrize("text", ["1988年农历9月12号", "阴历三月初三", "正月十六", "腊月廿三", "初八", "四月十二",
                                  "2020年闰四月五日", "除夕"])
def test_lunar_dates_never_become_gregorian(text: str) -> None:
    r = read_date(text, year=2026)
    assert (r.iso, r.sure, r.why) == (None, False, "lunar")


@pytest.mark.parametrize("text", ["星期三", "周日", "礼拜五", "下午4:20", "9点半", "三个月", "45天", "两小时", "国庆节",
                                  "12日", "第三周", "2026年3月上旬", "2025年底"])
def test_weekdays_times_durations_and_parts_are_not_a_day(text: str) -> None:
    r = read_date(text, year=2026)
    assert (r.iso, r.sure) == (None, False)


@pytest.mark.parametrize("text", ["2026年2月30日", "2025-02-29", "2026.13.1", "4月31日", "20261340", "1850年1月1日"])
def test_impossible_dates_are_invalid(text: str) -> None:
    assert read_date(text, year=2026) == DateRead(None, False, (), "invalid")


@pytest.mark.parametrize("text", ["", "  ", "无", "/", "—", "空"])
def test_nothing_date_like_is_sure_and_empty(text: str) -> None:
    assert read_date(text) == DateRead(None, True)
    assert read_date(None) == DateRead(None, True)


def test_a_weekday_that_contradicts_the_date_is_not_sure() -> None:
    assert read_date("2026年7月3日 星期五").sure  # 2026-07-03 is a Friday
    r = read_date("2026年7月3日（周一）")
    assert (r.iso, r.sure, r.why) == ("2026-07-03", False, "weekday")


def test_parse_date_keeps_its_pair_and_is_re_exported() -> None:
    assert text_parse_date is parse_date
    assert parse_date("2026年3月26日") == ("2026-03-26", True)
    assert parse_date("3月26日", 2026) == ("2026-03-26", True)
    assert parse_date("13年3月26日", 2026) == ("2013-03-26", True)
    assert parse_date("3月26日") == (None, False)
    assert parse_date("无") == (None, True)


def test_visit_date_value() -> None:
    assert visit_date_value("3月26日", 2026, "2026-03") == ("2026-03-26", True)
    assert visit_date_value("4月2日", 2026, "2026-03") == ("2026-04-02", False)
    assert visit_date_value("3月2-6日", 2026, "2026-03") == (None, False)
    assert visit_date_value("", 2026, "2026-03") == (None, True)


@given(st.text(max_size=60), st.none() | st.integers(1, 9999), st.none() | st.text(max_size=8))
def test_never_raises_and_keeps_its_promises(text: str, year: int | None, month: str | None) -> None:
    r = read_date(text, year, month)
    if r.iso is not None:
        assert dt.date.fromisoformat(r.iso).isoformat() == r.iso and r.days == (r.iso,)
    if r.sure:
        assert r.why is None
    else:
        assert r.why


@given(st.text(alphabet="0123456789年月日号.-/至、 周一二三十农历上下午点:", max_size=30), st.integers(1950, 2099))
def test_never_raises_on_date_like_noise(text: str, year: int) -> None:
    r = read_date(text, year)
    assert r.iso is None or r.iso == r.days[0]
