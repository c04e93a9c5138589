"""A file's outcome as JSON and back, so a stored reading can be reused without opening the
file again (typed dataclasses in, typed dataclasses out)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zhidao.model import ErrorInfo, FileOutcome, Item, Location, Scalar, SourceFile, Value


def _scalar(value: Any) -> Scalar:
    return tuple(value) if isinstance(value, list) else value


def location_to_dict(loc: Location | None) -> dict[str, Any] | None:
    if loc is None:
        return None
    return {"page": loc.page, "bbox": list(loc.bbox) if loc.bbox else None, "cell": loc.cell, "line": loc.line}


def dict_to_location(d: dict[str, Any] | None) -> Location | None:
    if d is None:
        return None
    bbox = d.get("bbox")
    return Location(int(d["page"]), tuple(float(v) for v in bbox) if bbox else None,  # type: ignore[arg-type]
                    d.get("cell"), d.get("line"))


def item_to_dict(item: Item) -> dict[str, Any]:
    return {
        "kind": item.kind, "page": item.page, "index": item.index, "review": list(item.review),
        "extractor": item.extractor, "extra": item.extra, "steps": item.steps,
        "values": {name: {"value": list(v.value) if isinstance(v.value, tuple) else v.value, "raw": v.raw,
                          "confidence": v.confidence, "location": location_to_dict(v.location)}
                   for name, v in item.values.items()},
    }


def dict_to_item(d: dict[str, Any], source: SourceFile) -> Item:
    values = {name: Value(_scalar(v["value"]), v["raw"], float(v["confidence"]), dict_to_location(v["location"]))
              for name, v in d["values"].items()}
    return Item(d["kind"], source, int(d["page"]), int(d["index"]), values, tuple(d["review"]), d["extractor"],
                dict(d.get("extra") or {}), dict(d.get("steps") or {}))


def outcome_to_dict(outcome: FileOutcome) -> dict[str, Any]:
    return {
        "medium": outcome.medium,
        "items": [item_to_dict(it) for it in outcome.items],
        "errors": [{"code": e.code, "message": e.message, "remedy": e.remedy, "page": e.page}
                   for e in outcome.errors],
    }


def dict_to_outcome(d: dict[str, Any], path: Path, display: str, sha256: str, size: int) -> FileOutcome:
    """The stored outcome, for the file as it stands in this run's inbox (path and name)."""
    source = SourceFile(path, display, sha256, size)
    return FileOutcome(source, d["medium"], tuple(dict_to_item(it, source) for it in d["items"]),
                       tuple(ErrorInfo(e["code"], e["message"], e["remedy"], e.get("page")) for e in d["errors"]))
