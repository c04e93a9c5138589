"""Closed vocabularies: instructor, unit and enterprise checked against the run's roster."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import docx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import read_jsonl
from zhidao.context import Profile, Quarter, RunContext
from zhidao.fixtures.demo import DemoPaths
from zhidao.ingest.vocab import Vocabulary, edit_distance, item_in_period, item_with_vocabulary, match_value
from zhidao.model import Item, Location, SourceFile, Value
from zhidao.pipeline.extract import extract
from zhidao.pipeline.run import run

ROSTER = (
    {"name": "李嘉禾", "unit": "县审计局", "enterprise": "青川县金穗粮油有限公司", "aliases": "青川县金穗米业有限公司"},
    {"name": "王嘉木", "unit": "县总工会", "enterprise": "青川县华美服饰有限公司", "aliases": None},
    {"name": "王嘉林", "unit": "县总工会", "enterprise": "青川县恒信机械制造有限公司", "aliases": None},
)
VOCAB = Vocabulary.of(ROSTER)


def _item(**fields: str) -> Item:
    source = SourceFile(Path("x.png"), "x.png", "0" * 64, 1)
    values = {k: Value(v, v, 0.9, Location(1, cell=f"table 1 row 1 col {i}"))
              for i, (k, v) in enumerate(fields.items())}
    return Item("record", source, 1, 0, values, tuple(fields), "scan/1+rapidocr")


def test_unique_match_takes_the_roster_value_and_keeps_the_raw_text() -> None:
    item = item_with_vocabulary(_item(instructor="李嘉不"), VOCAB)
    value = item.values["instructor"]
    assert value.value == "李嘉禾"
    assert value.raw == "李嘉不"  # what was read stays in the provenance
    assert "instructor" not in item.review
    assert item.steps["vocabulary.instructor"] == "matched 李嘉不 → 李嘉禾 (edit distance 1)"


def test_two_candidates_go_to_review() -> None:
    item = item_with_vocabulary(_item(instructor="王嘉本"), VOCAB)  # one edit from 王嘉木 and from 王嘉林
    assert item.values["instructor"].value == "王嘉本"
    assert "instructor" in item.review
    assert item.steps["vocabulary.instructor"] == "ambiguous: 王嘉木、王嘉林"


def test_a_name_far_from_every_roster_name_is_left_as_read() -> None:
    item = item_with_vocabulary(_item(instructor="刘洋"), VOCAB)
    assert item.values["instructor"].value == "刘洋"
    assert "vocabulary.instructor" not in item.steps


def test_exact_roster_value_is_confirmed_out_of_review() -> None:
    item = item_with_vocabulary(_item(instructor="李嘉禾", unit="县审计局"), VOCAB)
    assert item.review == ()
    assert item.values["instructor"].confidence >= 0.99


def test_enterprise_keeps_the_forms_shape_when_a_character_is_misread() -> None:
    # the form dropped the county; OCR read 油 as 汕: the county-less roster spelling is taken
    item = item_with_vocabulary(_item(enterprise="金穗粮汕有限公司"), VOCAB)
    assert item.values["enterprise"].value == "金穗粮油有限公司"
    assert item.values["enterprise"].raw == "金穗粮汕有限公司"
    # a former name (曾用名) misread is matched to that former name
    old = item_with_vocabulary(_item(enterprise="青川县金穗米亚有限公司"), VOCAB)
    assert old.values["enterprise"].value == "青川县金穗米业有限公司"


def test_shortened_enterprise_is_confirmed_unchanged() -> None:
    item = item_with_vocabulary(_item(enterprise="华美服饰公司"), VOCAB)
    assert item.values["enterprise"].value == "华美服饰公司"
    assert "enterprise" not in item.review


def test_two_character_name_one_edit_away_is_not_taken_when_two_are_near() -> None:
    vocab = Vocabulary.of([{"name": "刘阳", "unit": None, "enterprise": None, "aliases": None},
                           {"name": "刘扬", "unit": None, "enterprise": None, "aliases": None}])
    assert match_value("instructor", "刘洋", vocab).status == "ambiguous"


@given(st.text(min_size=0, max_size=8), st.text(min_size=0, max_size=8))
def test_edit_distance_is_symmetric_and_bounded(a: str, b: str) -> None:
    d = edit_distance(a, b, 10)
    assert d == edit_distance(b, a, 10)
    assert (d == 0) == (a == b)
    assert d <= max(len(a), len(b))


def _misspelt_inbox(demo: DemoPaths, tmp_path: Path) -> tuple[Path, str]:
    """One demo form with its instructor's name misspelt by one character."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    src = demo.inbox / "7月份指导员工作记录 郑海燕.docx"
    target = inbox / src.name
    shutil.copy(src, target)
    document = docx.Document(str(target))
    changed = 0
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                for p in cell.paragraphs:
                    for r in p.runs:
                        if "郑海燕" in r.text:
                            r.text = r.text.replace("郑海燕", "郑海艳")
                            changed += 1
    for p in document.paragraphs:
        for r in p.runs:
            if "郑海燕" in r.text:
                r.text = r.text.replace("郑海燕", "郑海艳")
                changed += 1
    assert changed
    document.save(str(target))
    return target, "郑海燕"


def test_run_matches_a_misspelt_instructor_and_counts_the_days(demo: DemoPaths, tmp_path: Path) -> None:
    target, name = _misspelt_inbox(demo, tmp_path)
    # without a roster (extract) the name stays as written
    outcome = next(extract([str(target)]))
    assert {it.get("instructor") for it in outcome.items} == {"郑海艳"}
    out = tmp_path / "out"
    ctx = RunContext(inbox=target.parent, roster=demo.roster, quarter=Quarter.parse("2026Q3"), out=out,
                     db=tmp_path / "l.db", as_of=dt.date(2026, 10, 10), profile=Profile())
    run(ctx)
    records = read_jsonl(out / "records.jsonl")
    assert records and {r["fields"]["instructor"] for r in records} == {name}
    assert all("instructor" not in r["review"] for r in records)
    with (out / "attendance.csv").open(encoding="utf-8-sig") as fh:
        days = {(row["instructor"], row["month"]): int(row["days"]) for row in csv.DictReader(fh)}
    assert days[(name, "2026-07")] == len({r["fields"]["visit_date"] for r in records})
    assert not [f for f in read_jsonl(out / "findings.jsonl") if f["rule"] == "UNKNOWN_INSTRUCTOR"]


@pytest.mark.parametrize(("written", "status"), [("郑海", "matched"), ("郑海燕燕燕燕", "unknown")])
def test_only_names_of_two_to_five_characters_are_matched(written: str, status: str) -> None:
    vocab = Vocabulary.of([{"name": "郑海燕", "unit": None, "enterprise": None, "aliases": None}])
    assert match_value("instructor", written, vocab).status == status


def test_a_visit_outside_the_period_on_a_form_without_a_month_goes_to_review() -> None:
    months = ("2026-07", "2026-08", "2026-09")
    inside = item_in_period(dataclasses.replace(_item(visit_date="2026-08-03"), review=()), months)
    outside = item_in_period(dataclasses.replace(_item(visit_date="2025-08-03"), review=()), months)
    assert "visit_date" in outside.review and outside.steps["period.visit_date"] == "outside 2026-07..2026-09"
    assert inside.steps == {} and inside.review == ()
