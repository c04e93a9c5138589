"""Property and example tests of the pure normalisers (dates, months, names, education)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from zhidao.text import (
    EDUCATION_LEVELS,
    clean_name,
    collapse_ws,
    education_rank,
    parse_date,
    parse_education,
    parse_month,
)

CN = "〇一二三四五六七八九"
dates = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2099, 12, 31))


def _cn_year(y: int) -> str:
    return "".join(CN[int(c)] for c in str(y))


def _cn_small(n: int) -> str:
    if n < 10:
        return CN[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN[tens]) + "十" + (CN[ones] if ones else "")


@given(dates, st.sampled_from(["{y}年{m}月{d}日", "{y}.{m}.{d}", "{y}-{m:02d}-{d:02d}", "{y}/{m}/{d}",
                               "{y} 年 {m} 月 {d} 日", "{y}{m:02d}{d:02d}"]))
def test_parse_date_reads_every_written_form(day: dt.date, fmt: str) -> None:
    text = fmt.format(y=day.year, m=day.month, d=day.day)
    assert parse_date(text) == (day.isoformat(), True)


@given(dates)
def test_parse_date_reads_chinese_numerals(day: dt.date) -> None:
    text = f"{_cn_year(day.year)}年{_cn_small(day.month)}月{_cn_small(day.day)}日"
    assert parse_date(text) == (day.isoformat(), True)


@given(dates)
def test_date_without_year_takes_the_forms_year(day: dt.date) -> None:
    assert parse_date(f"{day.month}月{day.day}日", year=day.year) == (day.isoformat(), True)
    assert parse_date(f"{day.month}.{day.day}", year=day.year) == (day.isoformat(), True)
    assert parse_date(f"{day.month}月{day.day}日") == (None, False)  # no year known: not guessed


def test_impossible_date_is_not_ok() -> None:
    assert parse_date("2026年2月30日") == (None, False)
    assert parse_date("") == (None, True)
    assert parse_date("无") == (None, True)


@given(st.integers(1950, 2099), st.integers(1, 12))
def test_parse_month_forms(y: int, m: int) -> None:
    want = f"{y:04d}-{m:02d}"
    for text in (f"{y}.{m:02d}", f"{y}年{m}月", f"{y}-{m:02d}-01", f"{_cn_year(y)}年{_cn_small(m)}月"):
        assert parse_month(text) == want, text


@given(st.text(alphabet="李明王芳张伟欧阳", min_size=1, max_size=4),
       st.lists(st.sampled_from([" ", "\u3000", "\t", "  "]), max_size=3))
def test_clean_name_drops_inner_spaces(name: str, spaces: list[str]) -> None:
    spaced = name[0] + "".join(spaces) + name[1:]
    assert clean_name(f" {spaced} ") == name


def test_clean_name_folds_full_width() -> None:
    assert clean_name("ＡＢ\u3000王") == "AB王"
    assert clean_name("  ") is None


@given(st.sampled_from(["", "在职", "党校", "全日制", "函授"]),
       st.sampled_from([("大学本科", "本科"), ("本科", "本科"), ("专科", "大专"), ("大专", "大专"),
                        ("研究生", "硕士"), ("硕士研究生", "硕士"), ("博士研究生", "博士"), ("中专", "中专"),
                        ("中技", "中专"), ("高中", "高中"), ("初中", "初中"), ("大学", "本科"),
                        ("大学专科", "大专"), ("中专/中技", "中专")]))
def test_education_levels(prefix: str, pair: tuple[str, str]) -> None:
    raw, level = pair
    assert parse_education(prefix + raw) == level
    assert education_rank(level) == EDUCATION_LEVELS.index(level)


def test_education_unknown_is_none() -> None:
    assert parse_education("其他") is None
    assert parse_education(None) is None


def test_collapse_ws_keeps_latin_spaces_and_drops_cjk_gaps() -> None:
    assert collapse_ws("指导 企业\n开展  活动") == "指导企业开展活动"
    assert collapse_ws("A  B") == "A B"
