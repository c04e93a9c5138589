"""One test per dispatch rule: a violation planted in a clean quarter, and the clean control."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.rules_support import Quarterly, found, record, run_rules
from zhidao.context import Profile
from zhidao.frames import rows_of
from zhidao.validate.gx_run import unexpected_ids
from zhidao.validate.profile import load_profile


@pytest.fixture(scope="module")
def clean() -> Quarterly:
    return Quarterly()


def test_clean_quarter_has_no_findings(clean: Quarterly) -> None:
    v = run_rules(clean)
    assert found(v) == set()
    assert set(v.attendance["days"]) == {5}


def _drop(q: Quarterly, name: str, month: str, keep: int | None = None) -> None:
    mine = [r for r in q.records if r["instructor"] == name and r["form_month"] == month]
    for r in mine[keep or 0 :] if keep is not None else mine:
        q.records.remove(r)


def test_elig_party_age(clean: Quarterly) -> None:
    q = clean.copy()
    q.roster[0]["party_join"] = "2025-03"
    assert ("ELIG_PARTY_AGE", "周文涛", None) in found(run_rules(q))


def test_elig_education(clean: Quarterly) -> None:
    q = clean.copy()
    q.roster[0].update(education="高中", education_raw="高中")
    v = run_rules(q)
    assert ("ELIG_EDUCATION", "周文涛", None) in found(v)
    assert "高中" in next(f["message"] for f in rows_of(v.findings) if f["rule"] == "ELIG_EDUCATION")


def test_pref_mid_level(clean: Quarterly) -> None:
    q = clean.copy()
    q.roster[0]["position"] = "科员"
    assert ("PREF_MID_LEVEL", "周文涛", None) in found(run_rules(q))


def test_days_min(clean: Quarterly) -> None:
    q = clean.copy()
    _drop(q, "周文涛", "2026-08", keep=3)
    v = run_rules(q)
    assert found(v) == {("DAYS_MIN", "周文涛", "2026-08")}
    [f] = rows_of(v.findings)
    assert len(json.loads(f["sources"])) == 1, "the finding names the forms behind the figure"


def test_report_missing_and_no_days_min_for_that_month(clean: Quarterly) -> None:
    q = clean.copy()
    _drop(q, "周文涛", "2026-09")
    assert found(run_rules(q)) == {("REPORT_MISSING", "周文涛", "2026-09")}


def test_report_late(clean: Quarterly) -> None:
    q = clean.copy()
    for r in q.records:
        if r["instructor"] == "周文涛" and r["form_month"] == "2026-07":
            r["report_date"] = "2026-08-09"
    assert found(run_rules(q)) == {("REPORT_LATE", "周文涛", "2026-07")}


def test_unknown_instructor(clean: Quarterly) -> None:
    q = clean.copy()
    q.records.append(record(900, "刘洋", "青川县百川物流有限公司", "2026-08-20", "2026-08"))
    assert found(run_rules(q)) == {("UNKNOWN_INSTRUCTOR", "刘洋", "2026-08")}


def test_enterprise_mismatch(clean: Quarterly) -> None:
    q = clean.copy()
    q.records.append(record(901, "周文涛", "青川县百川物流有限公司", "2026-08-21", "2026-08"))
    assert found(run_rules(q)) == {("ENTERPRISE_MISMATCH", "周文涛", "2026-08")}


def test_enterprise_renamed_is_matched_by_its_alias(clean: Quarterly) -> None:
    q = clean.copy()
    q.roster[0]["aliases"] = "青川县恒信机械厂"
    q.records.append(record(902, "周文涛", "青川县恒信机械厂", "2026-08-24", "2026-08"))
    v = run_rules(q)
    assert found(v) == set()
    assert v.attendance.query("instructor == '周文涛' and month == '2026-08'")["days"].tolist() == [6]


@pytest.mark.parametrize(("date", "raw"), [(None, "2026年8月32日"), ("2026-10-25", "2026-10-25"),
                                           ("2026-09-01", "2026-09-01")])
def test_date_invalid(clean: Quarterly, date: str | None, raw: str) -> None:
    q = clean.copy()
    q.records.append(record(903, "周文涛", "青川县恒信机械制造有限公司", date, "2026-08", raw_date=raw))
    assert found(run_rules(q)) == {("DATE_INVALID", "周文涛", "2026-08")}


def test_duplicate_counted_once(clean: Quarterly) -> None:
    q = clean.copy()
    twin = dict(q.records[0], record_id="rec-twin", source="扫描件.jpg", sha256="t" * 64)
    q.records.append(twin)
    v = run_rules(q)
    assert found(v) == {("DUPLICATE", "周文涛", "2026-07")}
    [f] = rows_of(v.findings)
    assert set(json.loads(f["sources"])) == {q.records[0]["source"], "扫描件.jpg"}
    assert set(v.attendance["days"]) == {5}


def test_conflict(clean: Quarterly) -> None:
    q = clean.copy()
    q.records.append(record(904, "许静", "青川县绿谷茶业有限公司", "2026-07-06", "2026-07"))
    assert ("CONFLICT", "许静", "2026-07") in found(run_rules(q))


def test_field_missing(clean: Quarterly) -> None:
    q = clean.copy()
    q.records.append(record(905, "周文涛", "青川县恒信机械制造有限公司", "2026-08-25", "2026-08", content=None))
    v = run_rules(q)
    assert found(v) == {("FIELD_MISSING", "周文涛", "2026-08")}
    assert "工作内容" in rows_of(v.findings)[0]["message"]


def test_unsigned(clean: Quarterly) -> None:
    q = clean.copy()
    q.records[3]["signed"] = False
    assert found(run_rules(q)) == {("UNSIGNED", "周文涛", "2026-07")}


def test_summary_missing(clean: Quarterly) -> None:
    q = clean.copy()
    for row in q.roster:
        row["dispatch_start"] = "2026-04-01"  # dispatched before the half year ended: a summary is due
    assert found(run_rules(q)) == set()
    q.summaries = q.summaries[1:]
    assert found(run_rules(q)) == {("SUMMARY_MISSING", "周文涛", None)}


def test_dispatch_mid_month_is_pro_rated_or_skipped(clean: Quarterly) -> None:
    q = clean.copy()
    for row in q.roster:
        if row["name"] == "周文涛":
            row["dispatch_start"] = "2026-07-20"
    _drop(q, "周文涛", "2026-07", keep=2)
    prorated = found(run_rules(q))  # 12 of 31 days: ceil(4 × 12/31) = 2 days required
    assert ("DAYS_MIN", "周文涛", "2026-07") not in prorated
    _drop(q, "周文涛", "2026-07", keep=1)
    assert ("DAYS_MIN", "周文涛", "2026-07") in found(run_rules(q))
    assert ("DAYS_MIN", "周文涛", "2026-07") not in found(run_rules(q, Profile(mid_month_dispatch="skip")))


def test_dispatch_ended_checks_nothing_after(clean: Quarterly) -> None:
    q = clean.copy()
    for row in q.roster:
        if row["name"] == "周文涛":
            row["dispatch_end"] = "2026-08-31"
    _drop(q, "周文涛", "2026-09")
    assert found(run_rules(q)) == set()


def test_another_countys_profile_changes_the_findings(clean: Quarterly) -> None:
    q = clean.copy()
    _drop(q, "周文涛", "2026-08", keep=3)  # 3 days: short of 4, enough for 3
    for r in q.records:
        if r["instructor"] == "许静" and r["form_month"] == "2026-07":
            r["report_date"] = "2026-08-04"  # on time by the 5th, late by the 3rd
    q.roster[0]["position"] = "科员"
    county_b = load_profile(Path(__file__).parents[1] / "validate" / "profiles" / "county_b.toml")
    default = found(run_rules(q))
    other = found(run_rules(q, county_b))
    assert ("DAYS_MIN", "周文涛", "2026-08") in default and ("DAYS_MIN", "周文涛", "2026-08") not in other
    assert ("REPORT_LATE", "许静", "2026-07") in other and ("REPORT_LATE", "许静", "2026-07") not in default
    assert ("PREF_MID_LEVEL", "周文涛", None) in default and ("PREF_MID_LEVEL", "周文涛", None) not in other


def test_findings_are_the_same_with_and_without_data_docs(clean: Quarterly, tmp_path: Path) -> None:
    """Without Data Docs GX validates without its results store; with them, by checkpoint: the
    unexpected rows, and so the findings and the results kept, must not depend on the path."""
    from tests.rules_support import AS_OF, QUARTER
    from zhidao.context import RunContext
    from zhidao.validate.stage import validate

    q = clean.copy()
    _drop(q, "周文涛", "2026-08", keep=3)
    q.records[0]["signed"] = False
    q.roster[0]["position"] = "科员"
    ctx = RunContext(inbox=tmp_path, roster=tmp_path, quarter=QUARTER, out=tmp_path, db=tmp_path, as_of=AS_OF)
    plain = validate(ctx, q.ingested())
    docs = validate(ctx, q.ingested(), docs_dir=tmp_path / "docs")
    assert (tmp_path / "docs" / "index.html").is_file()
    assert rows_of(plain.findings) == rows_of(docs.findings)
    assert {("DAYS_MIN", "周文涛", "2026-08"), ("UNSIGNED", "周文涛", "2026-07"),
            ("PREF_MID_LEVEL", "周文涛", None)} <= found(plain)

    def unexpected(results: tuple[dict[str, Any], ...]) -> dict[str, list[str]]:
        return {r["expectation_config"]["meta"]["rule"] + "/" + res["suite_name"]:
                sorted(unexpected_ids(r["result"].get("unexpected_index_list")))
                for res in results for r in res["results"] if not r["success"]}

    assert unexpected(plain.gx_results) == unexpected(docs.gx_results)
    assert "2026-08" in "".join(unexpected(plain.gx_results)["DAYS_MIN/attendance"])


def test_unexpected_ids_reads_both_shapes_of_gx_index_lists() -> None:
    assert unexpected_ids([{"row_id": ["a", "b"]}]) == ["a", "b"]  # exclude_unexpected_values
    assert unexpected_ids([{"row_id": "a", "days": 1}, {"row_id": 7}]) == ["a", "7"]  # one dict a row
    assert unexpected_ids(None) == [] and unexpected_ids([]) == []
