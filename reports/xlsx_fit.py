"""How tall a row of wrapped text must be, and how wide a column, estimated from the text alone
(pure: no workbook). Excel, WPS and LibreOffice fit the height of a row written by openpyxl
only when a person edits it, so a wrapped cell prints over the next row unless the writer sets
the height itself.

Units are Excel's: a column width is a number of '0' characters of the default font (11 pt), a
row height is in points. At 11 pt a CJK character is about two '0' wide (a 15-pixel glyph
against Calibri's 7-pixel '0' on a screen: 2.15), other characters about 1.1, digits exactly
one. The estimate errs on the tall side: a row a little too tall prints
well, a row too short overprints or cuts its text.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import unicodedata
from collections.abc import Iterable, Sequence
from itertools import zip_longest
from typing import Any

BASE_SIZE = 11.0  # the default font size the units below are measured at
WIDE = 2.15  # a CJK character or a full-width form
NARROW = 1.1  # a Latin letter, a punctuation mark, a space
DIGIT = 1.0  # a digit is the width unit itself
CELL_MARGIN = 1.0  # the part of a column's width the cell's margins take
LINE_PT = 16.0  # one line at 11 pt: CJK fonts are taller than Calibri's 15 pt
ROW_PAD_PT = 4.0  # above and below the text
DEFAULT_WIDTH = 8.43  # a column whose width is not set
DATE_WIDTH = 12.0  # yyyy-mm-dd with room to spare: a date too wide for its column shows as ####
MAX_WORD_WIDTH = 80.0  # a column widens to hold its longest unbreakable word (a hash, a file name) up to this
SHORT_TEXT = 14.0  # ... and a short text (a label of up to six CJK characters) on one line

# A line may not start with a closing mark nor end with an opening one (kinsoku): the mark
# travels with its neighbour.
_CLOSING = frozenset("，。、；：？！）」』》〉】〕”’…‥·,.;:?!)]}%")
_OPENING = frozenset("（「『《〈【〔“‘([{")


@functools.cache  # pure; a workbook has a few thousand distinct characters
def char_units(ch: str) -> float:
    """The width of one character, in '0' widths at 11 pt."""
    if ch.isdigit() and ch.isascii():
        return DIGIT
    if unicodedata.combining(ch) or unicodedata.category(ch) == "Cf":
        return 0.0
    east = unicodedata.east_asian_width(ch)
    if east in ("W", "F") or (east == "A" and ord(ch) >= 0x2000):  # “ ” … ① are full width in a CJK font
        return WIDE
    return NARROW


def _tokens(line: str) -> list[tuple[list[float], bool]]:
    """The line cut where it may break: (character widths, is a space). A run of narrow
    characters is a word (it breaks at a space); a wide character is a word of its own; marks
    stick to their neighbours."""
    tokens: list[tuple[list[float], bool]] = []
    glue = False  # the previous character was an opening mark: the next one joins it
    last_wide = False
    for ch in line:
        units = char_units(ch)
        space = ch.isspace()
        wide = units == WIDE
        last = tokens[-1] if tokens else None
        if last is not None and not last[1] and not space and (
                glue or ch in _CLOSING or (not wide and not last_wide)):
            last[0].append(units)
        else:
            tokens.append(([units], space))
        glue = ch in _OPENING
        last_wide = wide
    return tokens


@functools.lru_cache(maxsize=1 << 16)  # pure: a packet repeats its names, months and notes in many cells
def text_lines(text: str, width: float, size: float = BASE_SIZE) -> int:
    """How many lines ``text`` takes in a wrapped cell ``width`` characters wide at ``size``
    points: its own line breaks, then greedy wrapping (at spaces, between CJK characters,
    inside a word too long for a line)."""
    scale = size / BASE_SIZE
    room = max(width - CELL_MARGIN, 1.0)
    total = 0
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if sum(map(char_units, line)) * scale <= room:  # the whole line fits: no break in it
            total += 1
            continue
        lines, x = 1, 0.0
        for chars, space in _tokens(line):
            units = [u * scale for u in chars]
            if space:
                x += sum(units)  # a space at the end of a line hangs past the edge
                continue
            if x + sum(units) <= room:
                x += sum(units)
                continue
            if x > 0:
                lines, x = lines + 1, 0.0
            for u in units:  # a word longer than a line breaks between its characters
                if x + u > room and x > 0:
                    lines, x = lines + 1, 0.0
                x += u
        total += lines
    return total


def display_text(value: Any) -> str:
    """A cell's value as it shows: a date as yyyy-mm-dd (a date read back from a file is a
    datetime at midnight), None as nothing."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d" if value.time() == dt.time() else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def line_height(size: float = BASE_SIZE) -> float:
    """The height of one line of text at ``size`` points, in points."""
    return LINE_PT * size / BASE_SIZE


def cell_height(value: Any, width: float, size: float = BASE_SIZE, wrap: bool = True) -> float:
    """The height, in points, a cell needs to show ``value`` whole: an unwrapped cell, a number or
    a date (they never wrap: too wide, they show ####) take one line."""
    lines = text_lines(display_text(value), width, size) if wrap and isinstance(value, str) else 1
    return lines * line_height(size) + ROW_PAD_PT


def row_height(values: Sequence[Any], widths: Sequence[float], size: float = BASE_SIZE) -> float:
    """The height, in points, of a row of wrapped cells: its tallest cell's. A value beyond
    ``widths`` is in a column of the default width."""
    pairs = [(v, DEFAULT_WIDTH if w is None else w) for v, w in zip_longest(values, widths)]
    return max((cell_height(v, w, size) for v, w in pairs), default=cell_height(None, DEFAULT_WIDTH, size))


@functools.lru_cache(maxsize=1 << 16)
def word_width(text: str) -> float:
    """The width of the widest run of narrow characters without a space (it cannot break)."""
    widest = 0.0
    for line in text.splitlines() or [""]:
        for chars, space in _tokens(line):
            if not space and chars and chars[0] != WIDE:
                widest = max(widest, sum(chars))
    return widest


def fit_widths(rows: Iterable[Sequence[Any]], widths: Sequence[float]) -> list[float]:
    """Column widths at least as given, wide enough for a date (never ####), for a short text
    on one line (``SHORT_TEXT``: 工作记录 does not wrap) and for the longest unbreakable word (a
    hash, a file name's digits) up to ``MAX_WORD_WIDTH``. ``rows`` may include the header."""
    fitted = [float(w) for w in widths]
    for row in rows:
        for i, value in enumerate(row):
            if i >= len(fitted):
                fitted.append(DEFAULT_WIDTH)
            if isinstance(value, dt.date):
                need = DATE_WIDTH if not isinstance(value, dt.datetime) else DATE_WIDTH + 9
            elif isinstance(value, bool | int | float):
                need = len(display_text(value)) * DIGIT + CELL_MARGIN + 1
            else:
                need = _text_need(display_text(value))
            fitted[i] = max(fitted[i], math.ceil(need * 2) / 2)
    return fitted


@functools.lru_cache(maxsize=1 << 16)
def _text_need(text: str) -> float:
    """The width a text asks of its column (fit_widths), before rounding."""
    whole = max((sum(char_units(c) for c in line) for line in text.splitlines()), default=0.0)
    need = whole if whole <= SHORT_TEXT else min(word_width(text), MAX_WORD_WIDTH)
    return need + CELL_MARGIN + 0.5
