"""Roster as a table in a PDF with a text layer (one table, possibly over several pages)."""

from __future__ import annotations

from pathlib import Path

from zhidao.model import Item, ReadOptions, SourceFile

from .pdf_tables import pdf_table_rows
from .roster_xlsx import sheets_to_items


def read(path: Path, source: SourceFile, options: ReadOptions) -> list[Item]:
    return sheets_to_items([(path.name, pdf_table_rows(path, options.limits))], source)
