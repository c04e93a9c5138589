"""The ingest stage of a run: the roster and every file under the inbox → frames."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd

from zhidao.context import RunContext
from zhidao.errors import ROSTER_EMPTY, ConfigError
from zhidao.frames import rows_of
from zhidao.model import FileOutcome, ReadOptions, SourceFile
from zhidao.results import Ingested

from . import ROSTER_READERS, read_file, source_file
from .boundary import Progress, read_fenced
from .frames import (
    items_to_records,
    items_to_roster,
    items_to_summaries,
    items_to_values,
    outcomes_to_files,
    roster_with_derived,
)
from .inbox import InboxEntry, inbox_entries
from .versions import engine_version, reader_digest
from .vocab import Vocabulary, item_in_period, items_with_vocabulary


def entry_to_refused(entry: InboxEntry) -> FileOutcome:
    """The outcome of an inbox entry that is not opened (a link out of the inbox, a FIFO …)."""
    assert entry.refused is not None
    return FileOutcome(SourceFile(entry.path, entry.display, "", 0), "?", (), (entry.refused,), refused=True,
                       name_bytes=entry.name_bytes)


def plan_inbox(ctx: RunContext) -> list[InboxEntry]:
    """Every inbox entry, in walk order. Our own output folder or ledger kept inside the inbox
    is not read back as input."""
    own = [ctx.out] + ([Path(str(ctx.db))] if "://" not in str(ctx.db) else [])
    return inbox_entries(ctx.inbox, own)


def read_options(ctx: RunContext) -> ReadOptions:
    return ReadOptions(ocr_engine=ctx.ocr_engine)


def made_by(ctx: RunContext) -> dict[str, object]:
    """What a reading depends on: the reader code, the engine and its model, the settings. A
    stored reading made the same way is reused; any change reads the files again."""
    options = read_options(ctx)
    return {"reader": reader_digest(), "engine": options.ocr_engine,
            "engine_version": engine_version(options.ocr_engine),
            "limits": dataclasses.asdict(options.limits), "file_memory": ctx.boundary.memory_bytes,
            "file_timeout": ctx.boundary.wall_seconds}


def read_entries(ctx: RunContext, entries: Sequence[InboxEntry], progress: Progress | None = None
                 ) -> Iterator[FileOutcome]:
    """Read the given (readable) entries behind the failure boundary, in order."""
    jobs = [(e.path, e.display) for e in entries]
    for entry, outcome in zip(entries, read_fenced(jobs, read_options(ctx), ctx.boundary, progress), strict=True):
        yield dataclasses.replace(outcome, name_bytes=entry.name_bytes)


def read_roster(ctx: RunContext) -> FileOutcome:
    """The roster (fatal when it cannot be read)."""
    roster_outcome = read_file(source_file(ctx.roster), ROSTER_READERS, read_options(ctx))
    if roster_outcome.errors and not roster_outcome.items:
        err = roster_outcome.errors[0]
        raise ConfigError(err.code, err.message, ctx.roster, err.remedy)
    if not roster_outcome.items:
        raise ConfigError(ROSTER_EMPTY, "名单中没有任何指导员", ctx.roster, "请检查名单文件")
    return roster_outcome


def roster_vocabulary(roster: pd.DataFrame) -> Vocabulary:
    """The closed vocabularies of a run: the roster's names, units and enterprises."""
    return Vocabulary.of(rows_of(roster[["name", "unit", "enterprise", "aliases"]]))


def outcomes_with_vocabulary(outcomes: Sequence[FileOutcome], vocabulary: Vocabulary, months: tuple[str, ...]
                             ) -> list[FileOutcome]:
    """Every record's instructor, unit and enterprise checked against the roster, its visit date
    against the run's period."""
    return [dataclasses.replace(o, items=tuple(item_in_period(it, months)
                                               for it in items_with_vocabulary(o.items, vocabulary)))
            if o.items else o for o in outcomes]


def outcomes_to_ingested(ctx: RunContext, roster_outcome: FileOutcome, outcomes: Sequence[FileOutcome],
                         received: dict[str, str]) -> Ingested:
    """The frames of a run from the roster's and the inbox files' outcomes (walk order);
    ``received`` maps sha256 → receipt date."""
    files = outcomes_to_files([roster_outcome], {}, "roster")
    inbox_files = outcomes_to_files(outcomes, received, "inbox")
    roster = roster_with_derived(items_to_roster(roster_outcome.items), ctx.dispatch_start,
                                 ctx.profile.mid_level_keywords)
    outcomes = outcomes_with_vocabulary(outcomes, roster_vocabulary(roster), ctx.quarter.plausible_months)
    items = [it for o in outcomes for it in o.items if it.kind == "record"]
    names = sorted({str(n) for n in roster["name"].dropna()})
    return Ingested(
        roster=roster,
        summaries=items_to_summaries((it for o in outcomes for it in o.items), received, names),
        records=items_to_records(items),
        values=items_to_values(items),
        files=pd.concat([files, inbox_files], ignore_index=True),
        outcomes=tuple(outcomes),
    )
