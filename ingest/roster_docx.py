"""Roster as a table in a Word document: every table with a roster header."""

from __future__ import annotations

from pathlib import Path

from zhidao.model import Item, ReadOptions, SourceFile

from .docx import docx_to_page
from .roster_xlsx import sheets_to_items


def read(path: Path, source: SourceFile, options: ReadOptions) -> list[Item]:
    page = docx_to_page(path, options.limits)
    sheets = [(f"表格{i + 1}", [list(row) for row in table.rows]) for i, table in enumerate(page.tables)]
    return sheets_to_items(sheets, source)
