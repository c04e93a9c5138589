"""`zhidao extract`: read files and yield what was found in each, one outcome per file."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from zhidao.ingest import read_path, walk_inbox
from zhidao.model import FileOutcome, ReadOptions


def expand(paths: Iterable[str]) -> Iterator[tuple[Path, str]]:
    """Paths as given; folders are walked recursively."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for p in walk_inbox(path):
                yield p, str(p)
        else:
            yield path, given


def extract(paths: Iterable[str], options: ReadOptions | None = None) -> Iterator[FileOutcome]:
    for path, display in expand(paths):
        yield read_path(path, display, options)
