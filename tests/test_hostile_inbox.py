"""A mixed inbox of good files plus one of each hostile kind: `zhidao run` exits 0, every entry
is in manifest.json, the process tree stays under 1.5 GB, each bad file has one error line, and
the good files' records equal a run without the bad ones."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import read_jsonl
from zhidao.fixtures import hostile
from zhidao.fixtures.demo import DemoPaths

PEAK_LIMIT = 1.5 * (1 << 30)


def _bad_files(inbox: Path, good: Path, tmp: Path) -> dict[str, str]:
    """Write one file of each hostile kind; name → the code it must get."""
    bomb = inbox / "压缩炸弹.docx"
    shutil.copy(good, bomb)
    hostile.declare_size(bomb, "word/document.xml", 3 << 30)
    hostile.rewrite_zip(good, inbox / "实体炸弹.docx", {"word/document.xml": hostile.billion_laughs})
    hostile.png_declaring(inbox / "超大图片.png", 40000, 40000)
    hostile.jpeg_declaring(inbox / "微信图片.jpg", 40000, 40000)
    hostile.pdf_pages(inbox / "巨大页面.pdf", 1, size=(14400.0, 14400.0))
    hostile.tiff_frames(inbox / "传真多页.tif", 301)
    hostile.csv_rows(inbox / "通讯录.csv", 1_000_000)
    hostile.pdf_pages(inbox / "加密.pdf", 1, encrypt=hostile.user_password("123"))
    hostile.truncate(good, inbox / "只传了一半.docx")
    (inbox / "空文件.pdf").write_bytes(b"")
    (inbox / "乱码.jpg").write_bytes(os.urandom(4096))
    (inbox / "外部链接.docx").symlink_to(tmp / "outside.docx")
    shutil.copy(good, tmp / "outside.docx")
    return {"压缩炸弹.docx": "ARCHIVE_BOMB", "实体炸弹.docx": "XML_UNSAFE", "超大图片.png": "IMAGE_TOO_LARGE",
            "微信图片.jpg": "IMAGE_TOO_LARGE", "巨大页面.pdf": "PAGE_TOO_LARGE", "传真多页.tif": "TOO_MANY_PAGES",
            "通讯录.csv": "ROSTER_TOO_LARGE", "加密.pdf": "FILE_ENCRYPTED", "只传了一半.docx": "FILE_DAMAGED",
            "空文件.pdf": "FILE_EMPTY", "乱码.jpg": "FILE_UNRECOGNISED", "外部链接.docx": "LINK_OUTSIDE_INBOX"}


def _tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    parents[int(entry)] = int(fh.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, todo = {pid}, [pid]
    while todo:
        parent = todo.pop()
        for child in (p for p, pp in parents.items() if pp == parent and p not in tree):
            tree.add(child)
            todo.append(child)
    total = 0
    for p in tree:
        try:
            with open(f"/proc/{p}/statm", "rb") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    return total


def _run(inbox: Path, out: Path, demo: DemoPaths) -> tuple[subprocess.CompletedProcess[str], int]:
    cmd = [sys.executable, "-m", "zhidao.cli", "run", str(inbox), "--roster", str(demo.roster), "--quarter",
           demo.quarter, "--out", str(out), "--db", str(out.parent / f"{out.name}.db"), "--as-of",
           demo.as_of.isoformat(), "--received", demo.received.isoformat(), "--jobs", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]

    def watch() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            time.sleep(0.1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    stdout, stderr = proc.communicate(timeout=600)
    watcher.join()
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr), peak[0]


def _records(out: Path) -> list[dict[str, Any]]:
    rows = read_jsonl(out / "records.jsonl")
    for r in rows:
        r["source"] = Path(r["source"]).name
        r.pop("locations", None)
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False))


@pytest.fixture(scope="module")
def runs(demo: DemoPaths, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("hostile")
    good_inbox, mixed_inbox = tmp / "good", tmp / "mixed"
    good_inbox.mkdir()
    mixed_inbox.mkdir()
    goods = sorted(demo.inbox.glob("*.docx"))[:5]
    for path in goods:
        shutil.copy(path, good_inbox / path.name)
        shutil.copy(path, mixed_inbox / path.name)
    bad = _bad_files(mixed_inbox, goods[0], tmp)
    good_done, _ = _run(good_inbox, tmp / "out_good", demo)
    mixed_done, peak = _run(mixed_inbox, tmp / "out_mixed", demo)
    return {"good": good_done, "mixed": mixed_done, "peak": peak, "bad": bad, "tmp": tmp, "inbox": mixed_inbox}


def test_the_run_exits_0_without_a_traceback(runs: dict[str, Any]) -> None:
    done = runs["mixed"]
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_every_entry_is_in_the_manifest(runs: dict[str, Any]) -> None:
    manifest = json.loads((runs["tmp"] / "out_mixed" / "manifest.json").read_text(encoding="utf-8"))
    names = sorted(Path(f["path"]).name for f in manifest["files"] if f["role"] == "inbox")
    assert names == sorted(os.listdir(runs["inbox"]))


def test_each_bad_file_has_one_error_line_with_its_code(runs: dict[str, Any]) -> None:
    errors = read_jsonl(runs["tmp"] / "out_mixed" / "errors.jsonl")
    by_file: dict[str, list[str]] = {}
    for e in errors:
        by_file.setdefault(Path(e["source"]).name, []).append(e["error"]["code"])
    assert by_file == {name: [code] for name, code in runs["bad"].items()}


def test_the_good_files_read_as_without_the_bad_ones(runs: dict[str, Any]) -> None:
    assert runs["good"].returncode == 0
    assert _records(runs["tmp"] / "out_mixed") == _records(runs["tmp"] / "out_good")


def test_memory_stays_under_the_limit(runs: dict[str, Any]) -> None:
    assert 0 < runs["peak"] < PEAK_LIMIT, f"peak {runs['peak'] / (1 << 20):.0f} MB"
