"""What `zhidao run` shows: progress lines a file, the closing summary in Chinese, the
warnings of an empty inbox or an empty period; the readable table format."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from zhidao.console import NO_FORMS, Outlook, ProgressWriter, progress_bar, summary_text
from zhidao.fixtures.demo import DemoPaths, demo_paths

_DOCS = ("工作记录20260805.docx", "许静-工作记录-7.1.docx")
_BAD = "坏文件.pdf"


def _run(inbox: Path, out: Path, db: Path, quarter: str = "2026Q3") -> subprocess.CompletedProcess[str]:
    demo = demo_paths()
    cmd = [sys.executable, "-m", "zhidao.cli", "run", str(inbox), "--roster", str(demo.roster),
           "--quarter", quarter, "--out", str(out), "--db", str(db), "--jobs", "2",
           "--as-of", demo.as_of.isoformat(), "--received", demo.received.isoformat()]
    # stdin/stderr are pipes: not a terminal
    return subprocess.run(cmd, capture_output=True, text=True, check=True, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def small_inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    inbox = tmp_path_factory.mktemp("console") / "inbox"
    inbox.mkdir()
    demo: DemoPaths = demo_paths()
    for name in _DOCS:
        shutil.copy(demo.inbox / name, inbox / name)
    (inbox / _BAD).write_bytes(b"not a pdf at all")
    return inbox


@pytest.fixture(scope="module")
def small_run(small_inbox: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = small_inbox.parent / "out"
    return _run(small_inbox, out, small_inbox.parent / "zhidao.db"), out


def test_progress_is_one_plain_line_a_file_by_name(small_run: tuple[subprocess.CompletedProcess[str], Path],
                                                   small_inbox: Path) -> None:
    done, _ = small_run
    lines = [line for line in done.stderr.splitlines() if line.startswith("读取 ")]
    assert len(lines) == 3
    assert [line.split("：", 1)[0] for line in lines] == ["读取 1/3", "读取 2/3", "读取 3/3"]
    names = {line.split("：", 1)[1].removesuffix("（无法读取）") for line in lines}
    assert names == {*_DOCS, _BAD}
    assert str(small_inbox) not in done.stderr and "\r" not in done.stderr
    assert next(line for line in lines if _BAD in line).endswith("（无法读取）")


def test_closing_summary(small_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    done, out = small_run
    text = done.stdout
    assert text.startswith("完成：读取文件 3 个（无法读取 1 个）")  # the former final line is kept
    assert "文件：共 3 个，读取 2 个，无法读取 1 个" in text
    assert f"无法读取：{_BAD} [FILE_UNRECOGNISED] 无法识别文件内容" in text
    assert "工作记录：5 条（本期 5 条）" in text
    assert "待核对的值：0 项" in text
    assert "核查发现：23 条（问题 23 条）" in text
    assert f"季度交流会材料：{out / 'packet.xlsx'}" in text and f"季度交流会材料：{out / 'packet.pdf'}" in text
    assert text.rstrip().endswith(f"下一步：打开 {out / 'packet.xlsx'}")
    assert "注意" not in text


def test_an_inbox_without_forms_is_warned(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "说明.txt").write_text("这里没有工作记录", encoding="utf-8")
    done = _run(inbox, tmp_path / "out", tmp_path / "zhidao.db")
    assert f"注意：{NO_FORMS}" in done.stdout
    assert "没有任何工作记录落在期内" not in done.stdout


def test_a_period_without_records_is_warned(small_inbox: Path, tmp_path: Path) -> None:
    done = _run(small_inbox, tmp_path / "out", tmp_path / "zhidao.db", quarter="2026Q1")
    assert "注意：本期（2026年第一季度）没有任何工作记录落在期内，请检查 --quarter" in done.stdout
    assert "工作记录：5 条（本期 0 条）" in done.stdout


def test_open_values_lead_to_the_review_command() -> None:
    outlook = Outlook(files=4, files_failed=(), records=7, records_in_period=7,
                      findings={"warning": 2, "error": 1}, open_values=3, packets=("/o/packet.xlsx",),
                      period="2026年第三季度", review_command="zhidao review export --out 核对表.xlsx --db x.db")
    text = summary_text(outlook)
    assert "待核对的值：3 项" in text
    assert "核查发现：3 条（问题 1 条，提醒 2 条）" in text
    assert text.endswith("下一步：核对 3 项待核对的值：zhidao review export --out 核对表.xlsx --db x.db")


def test_the_terminal_bar_is_redrawn_in_place() -> None:
    from zhidao.model import FileOutcome, SourceFile

    ticks = iter([0.0, 10.0, 20.0])
    stream = io.StringIO()
    writer = ProgressWriter(stream, tty=True, clock=lambda: next(ticks))
    for done, name in ((1, "甲.docx"), (2, "工作记录0805.pdf")):
        source = SourceFile(Path("/收件箱/子目录") / name, f"/收件箱/子目录/{name}", "", 1)
        writer(done, 4, FileOutcome(source, "docx", (), ()))
    writer.close()
    shown = stream.getvalue()
    assert shown.count("\r") == 2 and shown.endswith("\n") and shown.count("\n") == 1
    assert "2/4 个文件" in shown and "工作记录0805.pdf" in shown and "收件箱" not in shown
    assert "约剩 20秒" in shown  # 2 files in 20 s, 2 to go
    assert "12 页" in progress_bar(3, 4, "x.pdf", pages=12)


def test_table_format_shows_duty_names_and_yes_no(small_inbox: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "zhidao.cli", "extract", "--format", "table", "--jobs", "1",
                           str(small_inbox / _DOCS[0])], capture_output=True, text=True, check=True)
    rows = [line.split("\t") for line in done.stdout.splitlines()[1:]]
    assert rows
    duties, signed = {r[5] for r in rows}, {r[6] for r in rows}
    assert "建设党员队伍" in duties and not any("D3" in d for d in duties)
    assert signed <= {"是", "否", ""} and "是" in signed


def test_attendance_csv_opens_in_a_chinese_excel(demo: DemoPaths, tmp_path: Path) -> None:
    """UTF-8 with a BOM: Excel and WPS read it as UTF-8, not as the local code page."""
    from zhidao.cli import main

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(demo.inbox / "7月份指导员工作记录 郑海燕.docx", inbox)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(inbox), "--roster", str(demo.roster), "--quarter", "2026Q3",
                                       "--out", str(out), "--db", str(tmp_path / "l.db"), "--as-of", "2026-10-10"])
    assert result.exit_code == 0, result.output
    data = (out / "attendance.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data[3:].decode("utf-8").splitlines()[0] == "instructor,enterprise,month,days"
