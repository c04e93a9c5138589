"""Spreadsheet grids (Excel .xlsx/.xls) → pages of the layout model, merged cells resolved.

A cell merged across columns appears once; a cell merged down over rows keeps its place in
the rows below as an empty placeholder (so the columns stay aligned) and records its rowspan.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from zhidao.model import Location

from .layout import Cell, Page, Table

Merge = tuple[int, int, int, int]  # first row, last row, first col, last col (0-based, inclusive)


def grid_to_page(number: int, values: Sequence[Sequence[str]], merges: Sequence[Merge],
                 ref: Callable[[int, int], str]) -> Page:
    span: dict[tuple[int, int], int] = {}
    covered: dict[tuple[int, int], int] = {}  # covered cell → the row of its anchor
    last_row, last_col = len(values) - 1, max((len(row) for row in values), default=0) - 1
    for r0, r1, c0, c1 in merges:
        r1, c1 = min(r1, last_row), min(c1, last_col)  # a merge declared past the grid covers no more than it
        if r1 < r0 or c1 < c0:
            continue
        span[(r0, c0)] = r1 - r0 + 1
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    covered[(r, c)] = r0
    rows: list[tuple[Cell, ...]] = []
    for r, row in enumerate(values):
        cells: list[Cell] = []
        for c, text in enumerate(row):
            location = Location(number, cell=ref(r, c))
            if (r, c) in covered:
                if covered[(r, c)] != r:  # under a cell merged downwards: keep the column
                    cells.append(Cell("", location))
                continue  # right of a cell merged across: that cell stands once
            cells.append(Cell(text, location, rowspan=span.get((r, c), 1)))
        rows.append(tuple(cells))
    return Page(number, (Table(tuple(rows)),))
