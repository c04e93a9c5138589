"""What `zhidao run` shows the clerk: progress while the inbox is read (a bar redrawn in place
on a terminal, one plain line a file otherwise) and a closing summary in Chinese.

Pure formatting plus a small writer; no heavy imports (the summary reads the run's own output
files in OUT: manifest.json, records.jsonl, findings.jsonl)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from zhidao.context import RunContext
    from zhidao.model import FileOutcome
    from zhidao.results import RunSummary

SEVERITY_ZH = {"error": "问题", "warning": "提醒", "info": "说明"}
_SEVERITY_ORDER = ("error", "warning", "info")
NO_FORMS = "收件箱中没有可识别的工作记录"
_BAR_WIDTH = 24


def file_name(outcome: FileOutcome) -> str:
    """The file's name (never its path)."""
    return Path(outcome.source.display).name or outcome.source.path.name


def pages_of(outcome: FileOutcome) -> int:
    """The pages the file's records were read from (0: not known)."""
    return len({it.page for it in outcome.items})


def duration(seconds: float) -> str:
    whole = max(0, round(seconds))
    if whole >= 3600:
        return f"{whole // 3600}小时{whole % 3600 // 60:02d}分"
    if whole >= 60:
        return f"{whole // 60}分{whole % 60:02d}秒"
    return f"{whole}秒"


def progress_line(done: int, total: int, name: str, failed: bool = False) -> str:
    """The plain line of one file read (not a terminal): 读取 3/12：工作记录0805.pdf"""
    return f"读取 {done}/{total}：{name}{'（无法读取）' if failed else ''}"


def progress_bar(done: int, total: int, name: str, pages: int = 0, eta: float | None = None,
                 width: int = _BAR_WIDTH) -> str:
    """The terminal's one line: bar, files done/total, pages where known, ETA, the file's name."""
    filled = width if total <= 0 else min(width, width * done // total)
    parts = [f"[{'█' * filled}{'░' * (width - filled)}] {done}/{total} 个文件"]
    if pages:
        parts.append(f"{pages} 页")
    if eta is not None and done < total:
        parts.append(f"约剩 {duration(eta)}")
    parts.append(name)
    return "  ".join(parts)


@dataclass
class ProgressWriter:
    """A ``Progress`` callback (files done, files in all, the outcome) that writes to ``stream``."""

    stream: TextIO
    tty: bool
    clock: Callable[[], float] = time.monotonic
    _started: float = field(default=0.0, init=False)
    _pages: int = field(default=0, init=False)
    _drawn: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self._started = self.clock()

    def __call__(self, done: int, total: int, outcome: FileOutcome) -> None:
        name = file_name(outcome)
        self._pages += pages_of(outcome)
        if not self.tty:
            self.stream.write(progress_line(done, total, name, outcome.status in ("error", "refused")) + "\n")
        else:
            elapsed = self.clock() - self._started
            eta = elapsed / done * (total - done) if done else None
            line = progress_bar(done, total, name, self._pages, eta)
            pad = max(0, self._drawn - len(line))
            self.stream.write("\r" + line + " " * pad)
            self._drawn = len(line)
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line (nothing to do for plain lines)."""
        if self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = 0


@dataclass(frozen=True)
class FailedFile:
    name: str
    code: str
    message: str


@dataclass(frozen=True)
class Outlook:
    """What the closing summary says, gathered from the run's outputs."""

    files: int
    files_failed: tuple[FailedFile, ...]
    records: int
    records_in_period: int
    findings: dict[str, int]  # severity → count
    open_values: int | None  # fields in review not yet corrected or confirmed (None: not known)
    packets: tuple[str, ...]
    period: str  # 2026年第三季度
    review_command: str  # the command that exports the values to check
    period_option: str = "--quarter"  # the option that named the period (--month for a monthly check)


def _jsonl(path: Path) -> Iterable[dict[str, Any]]:
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row: dict[str, Any] = json.loads(line)
                yield row


# The deliverables the summary names, by file name.
DOCUMENTS = {"packet.xlsx": "季度交流会材料", "packet.pdf": "季度交流会材料", "notice.xlsx": "月度通报",
             "notice.pdf": "月度通报"}


def read_outlook(summary: RunSummary, months: Sequence[str], period: str, open_values: int | None,
                 review_command: str = "zhidao review export --out 核对表.xlsx") -> Outlook:
    """The summary's facts from OUT/manifest.json, records.jsonl and findings.jsonl."""
    out = Path(summary.out)
    manifest_path = out / "manifest.json"
    manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
    failed = tuple(FailedFile(Path(str(f.get("path") or "")).name, str(f.get("error_code") or ""),
                              str(f.get("error_message") or ""))
                   for f in manifest.get("files", [])
                   if f.get("role") == "inbox" and f.get("status") in ("error", "refused"))
    records = [r for r in _jsonl(out / "records.jsonl") if r.get("kind", "record") == "record"]
    wanted = set(months)
    in_period = sum(1 for r in records if str((r.get("fields") or {}).get("visit_date") or "")[:7] in wanted)
    severities: dict[str, int] = {}
    for f in _jsonl(out / "findings.jsonl"):
        severity = str(f.get("severity") or "")
        severities[severity] = severities.get(severity, 0) + 1
    packets = tuple(str(Path(p).resolve()) for p in summary.written if Path(p).name in DOCUMENTS)
    return Outlook(summary.files, failed, summary.records, in_period, severities, open_values, packets,
                   period, review_command, "--month" if len(months) == 1 else "--quarter")


def warnings(o: Outlook) -> list[str]:
    if o.records == 0:
        return [NO_FORMS]
    if o.records_in_period == 0:
        return [f"本期（{o.period}）没有任何工作记录落在期内，请检查 {o.period_option}"]
    return []


def next_command(o: Outlook) -> str:
    if o.open_values:
        return o.review_command
    return o.packets[0] if o.packets else ""


def summary_lines(o: Outlook) -> list[str]:
    """The closing summary, one line a fact."""
    lines = [f"文件：共 {o.files} 个，读取 {o.files - len(o.files_failed)} 个，无法读取 {len(o.files_failed)} 个"]
    lines += [f"  无法读取：{f.name} [{f.code}] {f.message}" for f in o.files_failed]
    lines.append(f"工作记录：{o.records} 条（本期 {o.records_in_period} 条）")
    if o.open_values is not None:
        lines.append(f"待核对的值：{o.open_values} 项")
    counts = [f"{SEVERITY_ZH.get(s, s)} {o.findings[s]} 条"
              for s in (*_SEVERITY_ORDER, *sorted(set(o.findings) - set(_SEVERITY_ORDER))) if o.findings.get(s)]
    lines.append(f"核查发现：{sum(o.findings.values())} 条" + (f"（{'，'.join(counts)}）" if counts else ""))
    lines += [f"{DOCUMENTS[Path(p).name]}：{p}" for p in o.packets]
    lines += [f"注意：{w}" for w in warnings(o)]
    step = next_command(o)
    if step:
        if o.open_values:
            lines.append(f"下一步：核对 {o.open_values} 项待核对的值：{step}")
        else:
            lines.append(f"下一步：打开 {step}")
    return lines


def summary_text(o: Outlook) -> str:
    return "\n".join(summary_lines(o))


def open_values(db: Path | str, county: str) -> int | None:
    """The fields in review of the latest run no one has corrected or confirmed yet (what
    `zhidao review export` lists); None when the ledger cannot say."""
    from zhidao.errors import ZhidaoError
    from zhidao.pipeline.review import sheet_items
    from zhidao.store import Ledger

    try:
        with Ledger(db, county, create=False) as ledger:
            return len(sheet_items(ledger, with_pictures=False))
    except (ZhidaoError, OSError):
        return None


def review_command(db: Path | str, county: str) -> str:
    """`zhidao review export` with the options that find this run's ledger."""
    parts = ["zhidao review export --out 核对表.xlsx"]
    if str(db) != "zhidao.db":
        parts.append(f"--db {_quoted(str(db))}")
    if county:
        parts.append(f"--county {_quoted(county)}")
    return " ".join(parts)


def _quoted(text: str) -> str:
    import shlex

    return shlex.quote(text)


def closing(summary: RunSummary, ctx: RunContext, demo: bool = False) -> str:
    """The closing summary of a finished run (from its outputs in OUT and the ledger); the demo's
    closes with how to run the same on the office's own files."""
    outlook = read_outlook(summary, ctx.quarter.months, ctx.quarter.label, open_values(ctx.db, ctx.county_key),
                           review_command(ctx.db, ctx.county_key))
    text = summary_text(outlook)
    if demo:
        text += (f"\n以上是自带的示例数据（{ctx.quarter.label}，人名、企业均为虚构）。"
                 "\n用自己的文件：zhidao run 收件箱 --roster 名单.xlsx --quarter 2026年第三季度 --out 输出"
                 "\n月度核查：zhidao run 收件箱 --roster 名单.xlsx --month 2026年10月 --out 输出/10月")
    return text
