"""The inbox walk: links are not followed out of the inbox, loops and dangling links and FIFOs
are listed as refused, non-UTF-8 names are handled end to end, every entry is in the manifest."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import read_jsonl
from zhidao.fixtures.demo import DemoPaths
from zhidao.ingest.inbox import decode_name, inbox_entries

GBK_NAME = "许静工作记录（传真）.docx".encode("gbk")


def _inbox(tmp: Path, demo: DemoPaths) -> Path:
    inbox = tmp / "收件箱"
    (inbox / "子目录").mkdir(parents=True)
    good = sorted(demo.inbox.glob("许静-工作记录-*.docx"))[:3]
    shutil.copy(good[0], inbox / good[0].name)
    shutil.copy(good[1], inbox / "子目录" / good[1].name)
    shutil.copy(good[2], os.fsdecode(os.fsencode(inbox) + b"/" + GBK_NAME))
    secret = tmp / "外部机密.txt"
    secret.write_text("身份证 510802199001011234\n", encoding="utf-8")
    (inbox / "指向外部.docx").symlink_to(secret)
    (inbox / "断开的链接.docx").symlink_to(tmp / "不存在.docx")
    (inbox / "循环甲").symlink_to(inbox / "循环乙")
    (inbox / "循环乙").symlink_to(inbox / "循环甲")
    (inbox / "子目录" / "上一级").symlink_to(inbox)  # a folder loop
    (inbox / "内部链接.docx").symlink_to(inbox / good[0].name)
    os.mkfifo(inbox / "管道")
    return inbox


def test_entries_and_their_fates(tmp_path: Path, demo: DemoPaths) -> None:
    inbox = _inbox(tmp_path, demo)
    fates = {e.display.rsplit("/", 1)[-1]: (e.refused.code if e.refused else "read") for e in inbox_entries(inbox)}
    assert fates["指向外部.docx"] == "LINK_OUTSIDE_INBOX"
    assert fates["断开的链接.docx"] == "LINK_DANGLING"
    assert fates["循环甲"] == fates["循环乙"] == "LINK_LOOP"
    assert fates["上一级"] == "NOT_A_REGULAR_FILE"
    assert fates["管道"] == "NOT_A_REGULAR_FILE"
    assert fates["内部链接.docx"] == "read"
    assert fates["许静工作记录（传真）.docx"] == "read"  # the GBK name, decoded
    assert len(fates) == 10


def test_decode_name_prefers_utf8_then_gbk() -> None:
    assert decode_name("工作记录.docx") == ("工作记录.docx", True)
    assert decode_name(os.fsdecode(GBK_NAME)) == ("许静工作记录（传真）.docx", False)
    text, ok = decode_name(os.fsdecode(b"\xff\xfe\xfa.docx"))
    assert not ok and text.endswith(".docx")


@pytest.fixture(scope="module")
def hostile_run(demo: DemoPaths, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    tmp = tmp_path_factory.mktemp("inbox")
    inbox = _inbox(tmp, demo)
    out = tmp / "输出"
    cmd = [sys.executable, "-m", "zhidao.cli", "run", str(inbox), "--roster", str(demo.roster), "--quarter",
           demo.quarter, "--out", str(out), "--db", str(tmp / "z.db"), "--as-of", demo.as_of.isoformat(),
           "--jobs", "1"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    return inbox, out, tmp


def test_the_run_accounts_for_every_entry(hostile_run: tuple[Path, Path, Path]) -> None:
    inbox, out, _ = hostile_run
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    files = {Path(f["path"]).name: f for f in manifest["files"] if f["role"] == "inbox"}
    assert len(files) == len(inbox_entries(inbox)) == 10
    assert files["指向外部.docx"]["status"] == "refused"
    assert files["指向外部.docx"]["error_code"] == "LINK_OUTSIDE_INBOX"
    gbk = files["许静工作记录（传真）.docx"]
    assert gbk["status"] == "ok" and bytes.fromhex(gbk["name_bytes"]).endswith(GBK_NAME)
    assert files["内部链接.docx"]["status"] == "ok"


def test_nothing_outside_the_inbox_is_read(hostile_run: tuple[Path, Path, Path]) -> None:
    _, out, _ = hostile_run
    for path in out.rglob("*"):
        if path.is_file():
            assert b"510802199001011234" not in path.read_bytes(), path


def test_records_of_a_gbk_named_file_carry_its_decoded_name(hostile_run: tuple[Path, Path, Path]) -> None:
    _, out, _ = hostile_run
    sources = {Path(r["source"]).name for r in read_jsonl(out / "records.jsonl")}
    assert "许静工作记录（传真）.docx" in sources
    errors = {Path(e["source"]).name: e["error"]["code"] for e in read_jsonl(out / "errors.jsonl")}
    assert errors["断开的链接.docx"] == "LINK_DANGLING" and errors["管道"] == "NOT_A_REGULAR_FILE"
