"""Roster in a CSV text file. The encoding is detected, not assumed: UTF-8 (with or without a
BOM) when the bytes are valid UTF-8, else GB18030 (a superset of GBK and GB2312)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from zhidao.errors import FILE_UNRECOGNISED, InputError
from zhidao.model import Item, Location, ReadOptions, SourceFile

from .layout import Cell
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
    try:
        text, _ = decode(path.read_bytes())
    except UnicodeDecodeError as exc:
        raise InputError(FILE_UNRECOGNISED, "无法识别文本编码（不是 UTF-8，也不是 GBK/GB18030）", path,
                         "请用 Excel 或 WPS 另存为 .xlsx 后重新放入") from exc
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;，")
    except csv.Error:
        dialect = csv.excel
    rows = [[Cell(v, Location(1, cell=f"row {r + 1} col {c + 1}")) for c, v in enumerate(row)]
            for r, row in enumerate(csv.reader(io.StringIO(text), dialect))]
    return sheets_to_items([(path.name, rows)], source)
