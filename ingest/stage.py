"""The ingest stage of a run: the roster and every file under the inbox → frames."""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd

from zhidao.context import RunContext
from zhidao.errors import ROSTER_EMPTY, ConfigError
from zhidao.model import ReadOptions
from zhidao.results import Ingested

from . import ROSTER_READERS, read_file, read_paths, source_file, walk_inbox
from .frames import (
    items_to_records,
    items_to_roster,
    items_to_summaries,
    items_to_values,
    outcomes_to_files,
    roster_with_derived,
)


def ingest(ctx: RunContext, known_received: dict[str, str]) -> Ingested:
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
    options = ReadOptions(ocr_engine=ctx.ocr_engine)
    own = (ctx.out.resolve(), ctx.db.resolve())  # an output folder or ledger kept inside the inbox
    paths = [(path, os.fspath(path)) for path in walk_inbox(ctx.inbox)
             if not any(path.resolve() == p or p in path.resolve().parents for p in own)]
    outcomes = read_paths(paths, options, ctx.jobs)
    today = (ctx.received or dt.date.today()).isoformat()
    received = {o.source.sha256: known_received.get(o.source.sha256, today) for o in outcomes}
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
