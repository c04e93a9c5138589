"""The roster inside a run: derived columns for the rules, and a nameless row as a finding."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from tests.conftest import read_jsonl
from zhidao.context import Profile, Quarter, RunContext
from zhidao.fixtures import roster_media as media
from zhidao.fixtures.model import RosterRow
from zhidao.frames import ROSTER
from zhidao.ingest.frames import roster_with_derived
from zhidao.pipeline.run import run

ROWS = (
    RosterRow("周文涛", "男", "1978-04", "县审计局", "副局长", "2024-06", "大学本科", "青川县恒信机械制造有限公司",
              "13808391526"),
    RosterRow("许静", "女", "1985-09", "县总工会", "科员", "2008-05", "高中", "青川县华美服饰有限公司",
              "15183920417"),
)


def test_derived_columns() -> None:
    roster = ROSTER.frame([
        {"name": "甲", "party_join": "2024-06", "education": "本科", "position": "办公室主任"},
        {"name": "乙", "party_join": "2008-05", "education": "高中", "position": "科员",
         "dispatch_start": "2010-05"},
        {"name": "丙", "party_join": None, "education": None, "position": None},
    ])
    out = roster_with_derived(roster, "2026-07", ("主任", "科长"))
    assert out["dispatch_start"].tolist() == ["2026-07", "2010-05", "2026-07"]
    assert out["party_years"].tolist()[:2] == [2.08, 2.0]
    assert pd.isna(out["party_years"][2])
    assert out["education_rank"].tolist()[:2] == [4, 1]
    assert out["mid_level"].tolist()[:2] == [True, False]
    assert pd.isna(out["mid_level"][2])


def test_nameless_roster_row_is_a_field_missing_finding(tmp_path: Path) -> None:
    table = media.roster_table(ROWS)
    name_col = next(i for i, h in enumerate(table.header) if h.replace(" ", "") == "姓名")
    nameless = tuple("" if i == name_col else v for i, v in enumerate(table.rows[1]))
    roster = tmp_path / "名单.xlsx"
    media.write_xlsx(roster, media.RosterTable(table.header, (table.rows[0], nameless)))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    ctx = RunContext(inbox=inbox, roster=roster, quarter=Quarter.parse("2026Q3"), out=tmp_path / "out",
                     db=tmp_path / "z.db", as_of=dt.date(2026, 10, 10), profile=Profile())
    run(ctx)
    findings = read_jsonl(tmp_path / "out" / "findings.jsonl")
    missing = [f for f in findings if f["rule"] == "FIELD_MISSING"]
    assert len(missing) == 1
    assert missing[0]["enterprise"] == ROWS[1].enterprise and "姓名" in missing[0]["message"]
    assert missing[0]["sources"] == [str(roster)]
