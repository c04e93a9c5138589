"""The frames the pipeline passes between phases: column names and dtypes, declared once.

Every stage builds its frames with :meth:`Schema.frame` and checks what it receives with
:meth:`Schema.conform`, so a column renamed in one place is renamed everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Schema:
    name: str
    columns: tuple[tuple[str, str], ...]  # (column, pandas dtype)

    @property
    def names(self) -> list[str]:
        return [c for c, _ in self.columns]

    @property
    def dtypes(self) -> dict[str, str]:
        return dict(self.columns)

    def empty(self) -> pd.DataFrame:
        return self.frame([])

    def frame(self, rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
        """Build a frame of this schema from row mappings (missing keys become NA)."""
        df = pd.DataFrame(list(rows), columns=self.names)
        return self.conform(df)

    def conform(self, df: pd.DataFrame) -> pd.DataFrame:
        """Order and type the columns; raise KeyError naming a missing column."""
        missing = [c for c in self.names if c not in df.columns]
        if missing:
            raise KeyError(f"frame {self.name!r} lacks columns {missing}")
        out = df[self.names].copy()
        for col, dtype in self.columns:
            out[col] = out[col].astype(dtype)  # type: ignore[call-overload]
        return out.reset_index(drop=True)


S, INT, B, F = "string", "Int64", "boolean", "Float64"

ROSTER = Schema(
    "roster",
    (
        ("name", S), ("gender", S), ("birth", S), ("unit", S), ("position", S),
        ("party_join", S), ("education", S), ("education_raw", S), ("enterprise", S),
        ("phone", S), ("remarks", S), ("extra", S),
        # derived for the rules (ingest.frames.roster_with_derived)
        ("dispatch_start", S), ("dispatch_end", S), ("aliases", S),
        ("party_years", F), ("education_rank", INT), ("mid_level", B),
        ("source", S), ("sha256", S), ("page", INT), ("location", S), ("review", S),
    ),
)

RECORDS = Schema(
    "records",
    (
        ("record_id", S), ("instructor", S), ("unit", S), ("enterprise", S), ("visit_date", S),
        ("content", S), ("duties", S), ("problems", S), ("signed", B), ("report_date", S),
        ("remarks", S), ("form_month", S), ("review", S),
        ("source", S), ("sha256", S), ("page", INT), ("extractor", S), ("steps", S),
    ),
)

# One row per field value: the provenance of every number in the packet.
VALUES = Schema(
    "values",
    (
        ("record_id", S), ("field", S), ("value", S), ("raw", S), ("confidence", F),
        ("page", INT), ("location", S), ("extractor", S), ("sha256", S),
    ),
)

# How each record was matched to the roster (written names → roster pair).
MATCHES = Schema(
    "matches",
    (
        ("record_id", S), ("instructor", S), ("enterprise", S), ("month", S), ("status", S),
        ("counted", B),
    ),
)

ATTENDANCE = Schema(
    "attendance",
    (("instructor", S), ("enterprise", S), ("month", S), ("days", INT), ("record_ids", S)),
)

FINDINGS = Schema(
    "findings",
    (
        ("rule", S), ("severity", S), ("instructor", S), ("enterprise", S), ("month", S),
        ("date", S), ("sources", S), ("message", S),
    ),
)

SUMMARIES = Schema(
    "summaries",
    (("instructor", S), ("title", S), ("received", S), ("source", S), ("sha256", S)),
)

FILES = Schema(
    "files",
    (
        ("path", S), ("role", S), ("sha256", S), ("size", INT), ("medium", S), ("status", S), ("items", INT),
        ("error_code", S), ("error_message", S), ("received", S), ("name_bytes", S), ("reused", B),
    ),
)


def rows_of(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a frame as plain dicts, missing values as None (for code that walks rows)."""
    columns = [str(c) for c in df.columns]
    data = [[None if _missing(v) else v for v in df[c].tolist()] for c in df.columns]
    return [dict(zip(columns, values, strict=True)) for values in zip(*data, strict=True)] if columns else []


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)
