"""The ingest stage of a run: the roster and every file under the inbox → frames."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd

from zhidao.context import RunContext
from zhidao.errors import ROSTER_EMPTY, ConfigError
from zhidao.model import FileOutcome, ReadOptions, SourceFile
from zhidao.results import Ingested

from . import ROSTER_READERS, read_file, read_paths, source_file
from .boundary import Progress
from .frames import (
    items_to_records,
    items_to_roster,
    items_to_summaries,
    items_to_values,
    outcomes_to_files,
    roster_with_derived,
)
from .inbox import InboxEntry, inbox_entries


def entry_to_refused(entry: InboxEntry) -> FileOutcome:
    """The outcome of an inbox entry that is not opened (a link out of the inbox, a FIFO …)."""
    assert entry.refused is not None
    return FileOutcome(SourceFile(entry.path, entry.display, "", 0), "?", (), (entry.refused,), refused=True,
                       name_bytes=entry.name_bytes)


def read_inbox(ctx: RunContext, progress: Progress | None = None) -> list[FileOutcome]:
    """Every inbox entry's outcome, in walk order: refused entries as such, the rest read
    behind the failure boundary. Our own output folder or ledger kept inside the inbox is not
    read back as input."""
    entries = inbox_entries(ctx.inbox, (ctx.out, ctx.db))
    readable = [e for e in entries if e.refused is None]
    options = ReadOptions(ocr_engine=ctx.ocr_engine)
    read = iter(read_paths([(e.path, e.display) for e in readable], options, ctx.boundary, progress))
    return [entry_to_refused(e) if e.refused else dataclasses.replace(next(read), name_bytes=e.name_bytes)
            for e in entries]


def ingest(ctx: RunContext, known_received: dict[str, str], progress: Progress | None = None) -> Ingested:
    """Read the roster (fatal if unreadable) and every inbox file (never fatal).

    ``known_received`` maps sha256 → the receipt date already in the ledger, so a file keeps
    the date it first arrived.
    """
    roster_outcome = read_file(source_file(ctx.roster), ROSTER_READERS)
    if roster_outcome.errors and not roster_outcome.items:
        err = roster_outcome.errors[0]
        raise ConfigError(err.code, err.message, ctx.roster, err.remedy)
    if not roster_outcome.items:
        raise ConfigError(ROSTER_EMPTY, "名单中没有任何指导员", ctx.roster, "请检查名单文件")
    outcomes = read_inbox(ctx, progress)
    today = (ctx.received or dt.date.today()).isoformat()
    received = {o.source.sha256: known_received.get(o.source.sha256, today) for o in outcomes if o.source.sha256}
    items = [it for o in outcomes for it in o.items if it.kind == "record"]
    files = outcomes_to_files([roster_outcome], {}, "roster")
    inbox_files = outcomes_to_files(outcomes, received, "inbox")
    roster = roster_with_derived(items_to_roster(roster_outcome.items), ctx.dispatch_start,
                                 ctx.profile.mid_level_keywords)
    names = sorted({str(n) for n in roster["name"].dropna()})
    return Ingested(
        roster=roster,
        summaries=items_to_summaries((it for o in outcomes for it in o.items), received, names),
        records=items_to_records(items),
        values=items_to_values(items),
        files=pd.concat([files, inbox_files], ignore_index=True),
        outcomes=tuple(outcomes),
    )
