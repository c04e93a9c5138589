"""The row-height estimator for wrapped cells (reports.xlsx_fit): never fewer lines than the
text needs, explicit line breaks counted, CJK about two units a character."""

from __future__ import annotations

import datetime as dt
import math

from hypothesis import given
from hypothesis import strategies as st

from zhidao.reports.xlsx_fit import (
    CELL_MARGIN,
    DATE_WIDTH,
    DEFAULT_WIDTH,
    LINE_PT,
    NARROW,
    ROW_PAD_PT,
    WIDE,
    char_units,
    display_text,
    fit_widths,
    line_height,
    row_height,
    text_lines,
)

_ALPHABET = st.sampled_from(list("指导员青川县企业党建，。「」（）abcXYZ019 -_./\n"))
texts = st.text(_ALPHABET, max_size=200)
widths = st.floats(min_value=4, max_value=120, allow_nan=False)


def test_character_widths() -> None:
    assert char_units("党") == char_units("，") == char_units("「") == WIDE
    assert char_units("a") == char_units(" ") == NARROW and char_units("0") == 1.0
    assert char_units("\u0301") == 0.0  # a combining accent adds nothing


def test_cjk_text_wraps_at_about_two_units_a_character() -> None:
    width = 10 * WIDE + CELL_MARGIN  # room for exactly 10 characters a line
    assert text_lines("党" * 10, width) == 1
    assert text_lines("党" * 11, width) == 2
    assert text_lines("党" * 30, width) == 3
    assert text_lines("党" * 31, width) == 4
    # a 46-wide column shows 21 a line on a screen (322 pixels, 15 a character): one to spare
    assert text_lines("党" * 20, 46) == 1 and text_lines("党" * 21, 46) == 2
    assert 1.9 <= WIDE <= 2.2


def test_explicit_line_breaks_count() -> None:
    assert text_lines("", 10) == 1
    assert text_lines("甲\n乙\n丙", 40) == 3
    assert text_lines("甲\r\n乙", 40) == 2
    assert text_lines("党" * 11 + "\n乙", 10 * WIDE + CELL_MARGIN) == 3


def test_words_break_at_spaces_and_long_words_inside() -> None:
    assert text_lines("abcd efgh", 6) == 2  # 5 units of room: one word a line
    assert text_lines("a" * 20, 6) == 5  # 4 characters of 1.1 a line
    assert text_lines("0" * 64, 66) == 1  # a hash of digits fits its column


def test_a_closing_mark_does_not_start_a_line() -> None:
    # 10 characters fit; the 11th is a comma, which takes the character before it along
    width = 10 * WIDE + CELL_MARGIN
    assert text_lines("党" * 10 + "，" + "党", width) == 2
    assert text_lines("党" * 9 + "，", width) == 1


@given(texts, widths)
def test_never_fewer_lines_than_its_explicit_lines_nor_than_its_area(text: str, width: float) -> None:
    lines = text_lines(text, width)
    explicit = text.split("\n")
    assert lines >= len(explicit)
    room = max(width - CELL_MARGIN, 1.0)
    # the area of what is printed: a space at a line's end hangs past the edge (as in Excel)
    assert lines >= sum(max(1, math.ceil(sum(char_units(c) for c in line if c != " ") / room)) for line in explicit)


@given(texts, widths, st.floats(min_value=0, max_value=60, allow_nan=False))
def test_a_wider_column_never_needs_more_lines(text: str, width: float, more: float) -> None:
    assert text_lines(text, width + more) <= text_lines(text, width)


@given(texts, widths)
def test_a_larger_font_never_needs_fewer_lines(text: str, width: float) -> None:
    assert text_lines(text, width, size=14) >= text_lines(text, width)


@given(st.lists(st.one_of(texts, st.integers(), st.none()), max_size=8), st.lists(widths, max_size=8))
def test_a_row_is_as_tall_as_its_tallest_cell(values: list[object], ws: list[float]) -> None:
    height = row_height(values, ws)
    assert height >= LINE_PT + ROW_PAD_PT
    for i, value in enumerate(values):
        width = ws[i] if i < len(ws) else DEFAULT_WIDTH
        if isinstance(value, str):
            assert height >= text_lines(value, width) * line_height() + ROW_PAD_PT


def test_row_height_in_points() -> None:
    assert row_height([], []) == row_height([None], [10]) == LINE_PT + ROW_PAD_PT
    assert row_height(["甲\n乙\n丙", "丁"], [20, 20]) == 3 * LINE_PT + ROW_PAD_PT
    assert row_height(["甲"], [20], size=22) == 2 * LINE_PT + ROW_PAD_PT


def test_dates_show_as_iso_and_columns_fit_them() -> None:
    assert display_text(dt.date(2026, 8, 5)) == "2026-08-05" and display_text(None) == ""
    assert display_text(dt.datetime(2026, 8, 5)) == "2026-08-05"  # a date read back from a file
    assert row_height([dt.date(2026, 8, 5), 12345678901234], [3, 3]) == LINE_PT + ROW_PAD_PT, "never wrapped"
    fitted = fit_widths([["甲", dt.date(2026, 8, 5), "0123456789abcdef" * 4], [None, None, None, 7]], [10, 8, 30])
    assert fitted[0] == 10 and fitted[1] >= DATE_WIDTH
    assert text_lines("0123456789abcdef" * 4, fitted[2]) == 1, "a hash does not break"
    assert fitted[3] == DEFAULT_WIDTH
    short, long = fit_widths([["工作记录", "企业负责人对党建工作认识还不够深"]], [8, 8])
    assert text_lines("工作记录", short) == 1, "a short label does not wrap"
    assert long == 8, "a long text wraps"


@given(st.lists(st.lists(st.one_of(texts, st.dates(), st.integers()), max_size=5), max_size=5),
       st.lists(widths, max_size=5))
def test_fitted_widths_only_grow(rows: list[list[object]], given_widths: list[float]) -> None:
    fitted = fit_widths(rows, given_widths)
    assert all(f >= g for f, g in zip(fitted, given_widths, strict=False))
    for row in rows:
        for value, width in zip(row, fitted, strict=False):
            if isinstance(value, dt.date):
                assert width >= DATE_WIDTH
