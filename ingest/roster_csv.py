"""Roster in a CSV text file. The encoding is detected, not assumed: UTF-8 (with or without a
BOM) when the bytes are valid UTF-8, else GB18030 (a superset of GBK and GB2312)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from zhidao.errors import FILE_UNRECOGNISED, InputError, file_damaged
from zhidao.model import Item, Location, ReadOptions, SourceFile

from .layout import Cell
from .limits import check_file_size, check_roster_shape, count_lines
from .roster_xlsx import sheets_to_items

ENCODINGS = ("utf-8-sig", "gb18030")


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding). Raises UnicodeDecodeError when neither encoding fits."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("gb18030", data, 0, 1, "neither UTF-8 nor GB18030")


def read(path: Path, source: SourceFile, options: ReadOptions) -> list[Item]:
    """ROSTER_TOO_LARGE from the line count before the file is decoded, and from each row's
    width while it is parsed."""
    limits = options.limits
    check_file_size(path, limits)
    check_roster_shape(path, count_lines(path, limits.roster_rows), 0, limits)
    try:
        text, _ = decode(path.read_bytes())
    except UnicodeDecodeError as exc:
        raise InputError(FILE_UNRECOGNISED, "无法识别文本编码（不是 UTF-8，也不是 GBK/GB18030）", path,
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
