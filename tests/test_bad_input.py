"""Bad input: a clear error line naming the file and the reason, and the batch goes on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from zhidao.ingest import sniff
from zhidao.pipeline.extract import extract


def _extract_lines(*paths: Path) -> list[dict[str, object]]:
    cmd = [sys.executable, "-m", "zhidao.cli", "extract", *map(str, paths), "--format", "jsonl"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.mark.parametrize(("name", "content", "code"), [
    ("工作记录0805.pdf", b"", "FILE_EMPTY"),
    ("IMG_0001.jpg", bytes(range(256)) * 4, "FILE_UNRECOGNISED"),
    ("记录.docx", b"PK\x03\x04" + b"\x00" * 60, "FILE_DAMAGED"),
    ("说明.rtf", b"{\\rtf1\\ansi hello}", "FORMAT_UNSUPPORTED"),
])
def test_bad_file_gives_one_error_line(tmp_path: Path, name: str, content: bytes, code: str) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    [line] = _extract_lines(bad)
    assert line["source"] == str(bad)
    assert line["kind"] == "error"
    error = line["error"]
    assert isinstance(error, dict)
    assert error["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"]), "the message is in Chinese"


def test_missing_file_is_an_error_not_a_crash(tmp_path: Path) -> None:
    [outcome] = list(extract([str(tmp_path / "不存在.docx")]))
    assert outcome.errors[0].code == "FILE_NOT_FOUND"


def test_sniff_goes_by_content_not_name(tmp_path: Path) -> None:
    fake = tmp_path / "photo.jpg"
    fake.write_bytes(b"%PDF-1.7\n...")
    assert sniff(fake) == "pdf"


def _run_with_empty_roster(tmp_path: Path, quarter: str) -> subprocess.CompletedProcess[str]:
    roster = tmp_path / "名单.xlsx"
    roster.write_bytes(b"")
    cmd = [sys.executable, "-m", "zhidao.cli", "run", str(tmp_path), "--roster", str(roster),
           "--quarter", quarter, "--out", str(tmp_path / "out"), "--db", str(tmp_path / "z.db")]
    return subprocess.run(cmd, capture_output=True, text=True)


def test_bad_option_exits_with_config_code_and_chinese_message(tmp_path: Path) -> None:
    done = _run_with_empty_roster(tmp_path, "2026Q5")
    assert done.returncode == 4
    assert "季度格式不对" in done.stderr and "BAD_OPTION" in done.stderr


def test_unreadable_roster_stops_the_run_naming_the_file(tmp_path: Path) -> None:
    done = _run_with_empty_roster(tmp_path, "2026Q3")
    assert done.returncode == 4
    assert "FILE_EMPTY" in done.stderr and "名单.xlsx" in done.stderr
