"""The typed results each stage hands to the next (frames plus the per-file outcomes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from zhidao.model import FileOutcome


@dataclass(frozen=True)
class Ingested:
    roster: pd.DataFrame  # frames.ROSTER
    records: pd.DataFrame  # frames.RECORDS
    values: pd.DataFrame  # frames.VALUES (provenance of every field value)
    files: pd.DataFrame  # frames.FILES (every input file, roster included)
    outcomes: tuple[FileOutcome, ...]  # inbox files, in walk order
    summaries: pd.DataFrame  # frames.SUMMARIES (half-year work summaries received)


@dataclass(frozen=True)
class Validated:
    matches: pd.DataFrame  # frames.MATCHES
    attendance: pd.DataFrame  # frames.ATTENDANCE
    findings: pd.DataFrame  # frames.FINDINGS
    submissions: pd.DataFrame | None = None  # instructor × month: deadline, received, late (validate.checks)
    summaries: pd.DataFrame | None = None  # instructor × half year: deadline, received (validate.checks)
    gx_results: tuple[dict[str, Any], ...] = ()  # Great Expectations validation results (JSON)


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    out: str
    files: int
    files_failed: int
    records: int
    findings: int
    written: tuple[str, ...]
    files_read: int = 0  # opened and read in this run
    files_reused: int = 0  # their reading reused from the ledger

    def describe(self) -> str:
        reused = f"，其中 {self.files_reused} 个沿用台账中已有的识别结果" if self.files_reused else ""
        return (f"完成：读取文件 {self.files} 个{reused}（无法读取 {self.files_failed} 个），"
                f"工作记录 {self.records} 条，核查发现 {self.findings} 条。输出目录：{self.out}")
