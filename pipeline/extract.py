"""`zhidao extract`: read files and yield what was found in each, one outcome per file."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from zhidao.ingest.boundary import read_fenced
from zhidao.ingest.inbox import display_path, inbox_entries
from zhidao.ingest.stage import entry_to_refused
from zhidao.model import Boundary, FileOutcome, ReadOptions


def expand(paths: Iterable[str]) -> Iterator[tuple[Path, str] | FileOutcome]:
    """Paths as given; folders are walked (links not followed out of them, refused entries
    as their outcomes)."""
    for given in paths:
        path = Path(given)
        if path.is_dir() and not path.is_symlink():
            for entry in inbox_entries(path):
                yield entry_to_refused(entry) if entry.refused else (entry.path, entry.display)
        else:
            yield path, display_path(path)[0]


def extract(paths: Iterable[str], options: ReadOptions | None = None, boundary: Boundary | None = None
            ) -> Iterator[FileOutcome]:
    """One outcome per file, in order, each file read behind the failure boundary."""
    expanded = list(expand(paths))
    jobs = [x for x in expanded if not isinstance(x, FileOutcome)]
    read = read_fenced(jobs, options or ReadOptions(), boundary or Boundary())
    for x in expanded:
        yield x if isinstance(x, FileOutcome) else next(read)
