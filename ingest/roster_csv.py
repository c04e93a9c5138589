"""Roster in a CSV text file. The encoding is detected, not assumed.

A BOM says UTF-8 or UTF-16 (Excel's "Unicode text"); bytes that are valid UTF-8 are UTF-8.
Anything else is GB18030 (a superset of GBK and GB2312: a mainland office's Excel) or Big5 (cp950:
a Taiwanese or Hong Kong Excel), told apart by charset-normalizer's mess ratio of each reading.
GB18030 decodes almost any bytes without error, so a reading must also look like text: when
Big5's reading is cleaner but not decisively so, or no reading is text at all, the file is
refused (FILE_UNRECOGNISED) rather than read as garbage. charset-normalizer's own best guess is not
taken: on a file of a few names it says UTF-16-BE, Thai or Shift_JIS
(benchmarks/RESULTS_libraries.md).
"""

from __future__ import annotations

import codecs
import csv
import io
import math
from pathlib import Path

import charset_normalizer

from zhidao.errors import FILE_UNRECOGNISED, InputError, file_damaged
from zhidao.model import Item, Location, ReadOptions, SourceFile

from .layout import Cell
from .limits import check_file_size, check_roster_shape, count_lines
from .roster_xlsx import sheets_to_items

CLEAN = 0.2  # charset-normalizer's default threshold: a reading messier than this is not clean text
GB18030_WITHIN = 0.1  # GB18030 is taken unless its reading is messier than Big5's by more than this
BIG5_BY = 0.3  # Big5 is taken only when its reading is clean and cleaner than GB18030's by this much


def mess(data: bytes, encoding: str) -> float:
    """charset-normalizer's mess ratio of ``data`` read as ``encoding``; infinite when the bytes
    do not decode, or are messier than any text."""
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return math.inf
    match = charset_normalizer.from_bytes(data, cp_isolation=[encoding], threshold=1.0).best()
    return match.chaos if match is not None else math.inf


def legacy_encoding(data: bytes) -> str | None:
    """'gb18030' or 'cp950' for bytes that are not UTF-8, or None when it cannot be told.

    Bytes that are not Big5 stay GB18030 as before (√ and × in a short file make a GB18030
    reading messy, yet it is the only one), unless even that reading is no text at all."""
    gb, big5 = mess(data, "gb18030"), mess(data, "cp950")
    if big5 <= CLEAN and gb - big5 >= BIG5_BY:
        return "cp950"
    if gb < math.inf and (big5 == math.inf or gb - big5 <= GB18030_WITHIN):
        return "gb18030"
    return None


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding). Raises UnicodeDecodeError when the encoding cannot be told with confidence."""
    if data.startswith(codecs.BOM_UTF8):
        return data.decode("utf-8-sig"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    encoding = legacy_encoding(data)
    if encoding is None:
        raise UnicodeDecodeError("gb18030", data, 0, len(data), "neither GB18030 nor Big5 with confidence")
    return data.decode(encoding), encoding


def read(path: Path, source: SourceFile, options: ReadOptions) -> list[Item]:
    """ROSTER_TOO_LARGE from the line count before the file is decoded, and from each row's
    width while it is parsed."""
    limits = options.limits
    check_file_size(path, limits)
    check_roster_shape(path, count_lines(path, limits.roster_rows), 0, limits)
    try:
        text, _ = decode(path.read_bytes())
    except UnicodeDecodeError as exc:
        raise InputError(FILE_UNRECOGNISED,
                         "无法确定文本编码（不是 UTF-8 或 UTF-16，也无法确定是 GBK/GB18030 还是 Big5）", path,
                         "请用 Excel 或 WPS 另存为 .xlsx 后重新放入") from exc
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;，")
    except csv.Error:
        dialect = csv.excel
    rows = []
    try:
        for r, row in enumerate(csv.reader(io.StringIO(text), dialect)):
            check_roster_shape(path, r + 1, len(row), limits)
            rows.append([Cell(v, Location(1, cell=f"row {r + 1} col {c + 1}")) for c, v in enumerate(row)])
    except csv.Error as exc:  # a NUL byte, an unterminated quote at the end, a field over the size limit
        raise file_damaged(path, f"CSV 文件格式不正确（{type(exc).__name__}）") from exc
    return sheets_to_items([(path.name, rows)], source)
