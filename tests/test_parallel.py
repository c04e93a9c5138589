"""Reading in worker processes gives the same outcomes, in the same order, as reading in one."""

from __future__ import annotations

from zhidao.fixtures.demo import DemoPaths
from zhidao.ingest import read_paths, walk_inbox
from zhidao.model import Boundary


def test_two_workers_read_the_same_as_one(demo: DemoPaths) -> None:
    paths = [(p, p.name) for p in walk_inbox(demo.inbox)][:12]
    one = read_paths(paths, boundary=Boundary(jobs=1))
    two = read_paths(paths, boundary=Boundary(jobs=2))
    assert [o.source.display for o in two] == [p for _, p in paths]
    assert [[it.item_id for it in o.items] for o in two] == [[it.item_id for it in o.items] for o in one]
    assert [[it.get("visit_date") for it in o.items] for o in two] == [[it.get("visit_date") for it in o.items]
                                                                        for o in one]
