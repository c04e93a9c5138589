"""The stable machine-readable lines of SPEC.md (`extract --format jsonl`, records.jsonl)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from zhidao.model import FileOutcome, Item, Scalar


def _json_value(value: Scalar) -> Any:
    return list(value) if isinstance(value, tuple) else value


def item_to_dict(item: Item) -> dict[str, Any]:
    """One record/roster line. Extra keys after the SPEC ones carry the provenance."""
    return {
        "source": item.source.display,
        "page": item.page,
        "kind": item.kind,
        "fields": {k: _json_value(v.value) for k, v in item.values.items()},
        "confidence": {k: round(v.confidence, 3) for k, v in item.values.items()},
        "review": list(item.review),
        "id": item.item_id,
        "sha256": item.source.sha256,
        "extractor": item.extractor,
        "locations": {k: v.location.describe() for k, v in item.values.items() if v.location},
    }


def outcome_to_dicts(outcome: FileOutcome) -> Iterator[dict[str, Any]]:
    for item in outcome.items:
        yield item_to_dict(item)
    for err in outcome.errors:
        line: dict[str, Any] = {
            "source": outcome.source.display,
            "kind": "error",
            "error": {"code": err.code, "message": err.message, "remedy": err.remedy},
            "sha256": outcome.source.sha256,
        }
        if err.page is not None:
            line["page"] = err.page
        yield line


def write_lines(rows: Iterable[dict[str, Any]], fh: IO[str]) -> int:
    n = 0
    for row in rows:
        fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        n += 1
    return n
