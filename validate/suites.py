"""The Great Expectations suites, built from a rules profile in this one place.

Every rule that is a property of a frame's rows is an expectation on that frame, tagged with
its rule id in ``meta``; `suites_json` writes them out for review with each run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from zhidao.context import Profile
from zhidao.text import EDUCATION_LEVELS


@dataclass(frozen=True)
class Check:
    rule: str
    frame: str  # roster | records | attendance | submissions | summaries
    expectation: str  # a class in great_expectations.expectations
    kwargs: dict[str, Any] = field(default_factory=dict)


def checks_for(profile: Profile) -> list[Check]:
    never = {"value_set": [False]}
    checks = [
        Check("ELIG_PARTY_AGE", "roster", "ExpectColumnValuesToBeBetween",
              {"column": "party_years", "min_value": profile.party_age_years}),
        Check("ELIG_EDUCATION", "roster", "ExpectColumnValuesToBeBetween",
              {"column": "education_rank", "min_value": EDUCATION_LEVELS.index(profile.education_min)}),
        Check("PREF_MID_LEVEL", "roster", "ExpectColumnValuesToBeInSet", {"column": "mid_level", "value_set": [True]}),
        Check("FIELD_MISSING", "roster", "ExpectColumnValuesToBeInSet", {"column": "name_missing", **never}),
        Check("FIELD_MISSING", "roster", "ExpectColumnValuesToBeInSet", {"column": "enterprise_missing", **never}),
        *(Check("FIELD_MISSING", "records", "ExpectColumnValuesToBeInSet", {"column": f"{name}_missing", **never})
          for name in ("instructor", "enterprise", "date", "content")),
        Check("UNKNOWN_INSTRUCTOR", "records", "ExpectColumnValuesToNotBeInSet",
              {"column": "match_status", "value_set": ["unknown_instructor"]}),
        Check("ENTERPRISE_MISMATCH", "records", "ExpectColumnValuesToNotBeInSet",
              {"column": "match_status", "value_set": ["enterprise_mismatch", "enterprise_ambiguous"]}),
        Check("DATE_INVALID", "records", "ExpectColumnValuesToBeInSet",
              {"column": "date_status", "value_set": ["ok", "missing"]}),
        Check("UNSIGNED", "records", "ExpectColumnValuesToBeInSet", {"column": "unsigned", **never}),
        Check("DAYS_MIN", "attendance", "ExpectColumnPairValuesAToBeGreaterThanB",
              {"column_A": "days", "column_B": "required", "or_equal": True}),
        Check("REPORT_MISSING", "submissions", "ExpectColumnValuesToNotBeNull", {"column": "received"}),
        Check("REPORT_LATE", "submissions", "ExpectColumnValuesToBeInSet", {"column": "late", **never}),
        Check("SUMMARY_MISSING", "summaries", "ExpectColumnValuesToNotBeNull", {"column": "received"}),
    ]
    return [c for c in checks if profile.enabled(c.rule)]


def suites_json(profile: Profile) -> str:
    """The suites as JSON (frame → expectations), for the run's output and for review."""
    suites: dict[str, list[dict[str, Any]]] = {}
    for c in checks_for(profile):
        suites.setdefault(c.frame, []).append({"expectation": c.expectation, "kwargs": c.kwargs,
                                               "meta": {"rule": c.rule}})
    return json.dumps({"profile": profile.name, "suites": suites}, ensure_ascii=False, indent=2)
