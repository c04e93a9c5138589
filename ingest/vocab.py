"""Closed vocabularies: instructor, unit and enterprise checked against the run's roster.

A read name that is on the roster (exactly, or — for enterprises — as the validate stage's
tolerant match finds it) is confirmed. A name within a small edit distance of exactly one
roster value takes that value: OCR read 嘉不 for 嘉禾. The raw text stays in the value's
provenance (``Value.raw``) and the item's ``steps`` say what was matched. Two or more roster
values within reach leave the value as read and put it in ``review``. Without a roster
(``extract`` alone) nothing here runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from zhidao.model import Item, Value
from zhidao.names import county_dropped, enterprise_core
from zhidao.text import clean_name

VOCAB_FIELDS = ("instructor", "unit", "enterprise")
CONFIRMED = 0.995  # a value that is, letter for letter, a value of the run's roster
MATCHED = 0.99  # a value one or two edits from exactly one roster value (see max_edits)


@dataclass(frozen=True)
class Vocabulary:
    """Each field's roster values: written variant → the roster value it stands for."""

    variants: dict[str, dict[str, str]]
    cores: dict[str, dict[str, frozenset[str]]]  # unit/enterprise: name core → roster values

    @classmethod
    def of(cls, rows: Iterable[dict[str, str | None]]) -> Vocabulary:
        """From roster rows with keys name, unit, enterprise, aliases (a 、-separated list)."""
        variants: dict[str, dict[str, str]] = {k: {} for k in VOCAB_FIELDS}
        for row in rows:
            for key, column in (("instructor", "name"), ("unit", "unit"), ("enterprise", "enterprise")):
                canonical = clean_name(row.get(column))
                if not canonical:
                    continue
                spellings = [canonical]
                if key == "enterprise":
                    spellings += _split(row.get("aliases"))
                for spelling in spellings:
                    for variant in {spelling, county_dropped(spelling)} if key != "instructor" else {spelling}:
                        variants[key].setdefault(variant, canonical)
        cores: dict[str, dict[str, frozenset[str]]] = {}
        for key in ("unit", "enterprise"):
            by_core: dict[str, set[str]] = {}
            for variant, canonical in variants[key].items():
                by_core.setdefault(enterprise_core(variant), set()).add(canonical)
            cores[key] = {core: frozenset(c) for core, c in by_core.items() if core}
        return cls(variants, cores)


def _split(text: str | None) -> list[str]:
    out = []
    for part in (text or "").replace("；", "、").replace(";", "、").replace("，", "、").replace(",", "、").split("、"):
        if (name := clean_name(part)):
            out.append(name)
    return out


def edit_distance(a: str, b: str, bound: int) -> int:
    """Levenshtein distance of two strings, or ``bound + 1`` when it exceeds ``bound``
    (rapidfuzz; the same decisions as the dynamic programme it replaced, benchmarks/RESULTS_libraries.md)."""
    return int(Levenshtein.distance(a, b, score_cutoff=bound))


def max_edits(key: str, text: str) -> int:
    """How far a misread may stand from its roster value: one character in a name of two to
    five, one in six of a unit's or enterprise's name."""
    if key == "instructor":
        return 1 if 2 <= len(text) <= 5 else 0
    return max(1, len(text) // 6) if len(text) >= 4 else 0


@dataclass(frozen=True)
class Match:
    """What the vocabulary says of one read value."""

    status: str  # confirmed | matched | ambiguous | unknown
    value: str | None = None  # the roster spelling to take (matched)
    canonical: tuple[str, ...] = ()  # the roster value(s) it stands for
    distance: int = 0


def match_value(key: str, written: str, vocabulary: Vocabulary) -> Match:
    """Match one read value of ``key`` to the roster."""
    variants = vocabulary.variants.get(key, {})
    text = clean_name(written) or ""
    if not text or not variants:
        return Match("unknown")
    if text in variants:
        return Match("confirmed", text, (variants[text],))
    same_core = vocabulary.cores.get(key, {}).get(enterprise_core(text), frozenset())
    if len(same_core) == 1:  # a shortening of one roster name (有限责任公司 written 公司)
        return Match("confirmed", text, tuple(same_core))
    bound = max_edits(key, text)
    if bound == 0:
        return Match("unknown")
    near: dict[str, tuple[int, str]] = {}  # canonical → (distance, closest variant)
    for variant, canonical in variants.items():
        d = edit_distance(text, variant, bound)
        if d <= bound and (canonical not in near or d < near[canonical][0]):
            near[canonical] = (d, variant)
    if not near:
        return Match("unknown")
    if len(near) > 1:
        return Match("ambiguous", None, tuple(sorted(near)))
    (canonical, (distance, variant)), = near.items()
    return Match("matched", variant, (canonical,), distance)


def items_with_vocabulary(items: Iterable[Item], vocabulary: Vocabulary) -> list[Item]:
    return [item_with_vocabulary(item, vocabulary) for item in items]


def item_with_vocabulary(item: Item, vocabulary: Vocabulary) -> Item:
    """One record checked against the roster."""
    if item.kind != "record":
        return item
    values = dict(item.values)
    review = list(item.review)
    steps = dict(item.steps)
    for key in VOCAB_FIELDS:
        value = values.get(key)
        if value is None or not isinstance(value.value, str):
            continue
        match = match_value(key, value.value, vocabulary)
        if match.status == "confirmed":
            values[key] = dataclasses.replace(value, confidence=max(value.confidence, CONFIRMED))
            if key in review and value.value:
                review.remove(key)
        elif match.status == "matched" and match.value is not None:
            values[key] = Value(match.value, value.raw, max(value.confidence, MATCHED), value.location)
            steps[f"vocabulary.{key}"] = f"matched {value.value} → {match.value} (edit distance {match.distance})"
            if key in review:
                review.remove(key)
        elif match.status == "ambiguous":
            values[key] = dataclasses.replace(value, confidence=min(value.confidence, 0.5))
            steps[f"vocabulary.{key}"] = "ambiguous: " + "、".join(match.canonical)
            if key not in review:
                review.append(key)
    return dataclasses.replace(item, values=values, review=tuple(k for k in item.values if k in review), steps=steps)


def item_in_period(item: Item, months: tuple[str, ...]) -> Item:
    """A visit date outside the run's period, on a form that names no month of its own (a form's
    month is checked by the form reader), is put in review: the year or month may be misread."""
    date = item.get("visit_date")
    if item.kind != "record" or not isinstance(date, str) or item.extra.get("month") or date[:7] in months \
            or "visit_date" in item.review:
        return item
    steps = {**item.steps, "period.visit_date": f"outside {months[0]}..{months[-1]}"}
    review = tuple(k for k in item.values if k in (*item.review, "visit_date"))
    return dataclasses.replace(item, review=review, steps=steps)
