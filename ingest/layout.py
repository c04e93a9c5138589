"""A medium-neutral model of a page: free text lines and tables of cells.

Every reader (Word, Excel, PDF text layer, OCR) turns its input into :class:`Page` objects;
the label matcher and the form interpreter work only on these, so the scan path reuses the
same code as the digital path.
"""

from __future__ import annotations

from dataclasses import dataclass

from zhidao.model import Location


@dataclass(frozen=True)
class Cell:
    text: str
    location: Location
    confidence: float = 1.0
    rowspan: int = 1  # a label merged over several rows owns the values right of it in each
    # scans only: share of the cell's interior that is ink, and its tick boxes read by ink
    # (ticked, confidence) in reading order
    ink: float | None = None
    marks: tuple[tuple[bool, float], ...] | None = None
    script: str | None = None  # scans only: 'hand' or 'print' (ingest.confidence.ink_script)


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[Cell, ...], ...]  # merged cells appear once per row


@dataclass(frozen=True)
class Line:
    text: str
    location: Location
    confidence: float = 1.0


@dataclass(frozen=True)
class Page:
    number: int
    blocks: tuple[Line | Table, ...]  # in reading order

    @property
    def lines(self) -> tuple[Line, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Line))

    @property
    def tables(self) -> tuple[Table, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Table))
