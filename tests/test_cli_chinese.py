"""The terminal speaks Chinese: every command's help, click's usage errors, and the written forms
of dates and periods the clerks use."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from zhidao.cli import _date, main
from zhidao.context import Quarter
from zhidao.errors import BAD_OPTION, ConfigError

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = ("Usage:", "Error:", "Try ", "Options:", "Commands:", "Show this message", "Missing option",
           "No such option", "Invalid value", "is not one of")


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _commands(command, (*path, name))
        else:
            found.append((*path, name))
    return found


COMMANDS = _commands(main)


def test_every_command_and_group_is_listed() -> None:
    names = {" ".join(c) for c in COMMANDS}
    assert {"", "run", "packet", "halfyear", "demo", "extract", "trace", "review", "review export",
            "review apply", "audit", "audit verify", "audit export", "rules", "rules show", "serve", "users",
            "users add", "users list", "users remove"} <= names


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "zhidao")
def test_help_is_chinese_with_an_example(path: tuple[str, ...]) -> None:
    done = CliRunner().invoke(main, [*path, "--help"], prog_name="zhidao")
    assert done.exit_code == 0, done.output
    lines = [line for line in done.output.splitlines() if line.strip()]
    assert lines[0].startswith("用法：") and CJK.search(lines[0])
    assert CJK.search(lines[1]), lines[1]  # the command's own first line
    assert "示例" in done.output and "zhidao " in done.output.split("示例", 1)[1]
    assert "选项" in done.output and "显示本帮助并退出。" in done.output
    assert not any(phrase in done.output for phrase in ENGLISH), done.output


def test_command_list_and_version_are_chinese() -> None:
    done = CliRunner().invoke(main, ["--help"], prog_name="zhidao")
    assert "命令" in done.output and "显示版本号并退出。" in done.output
    # each command's one-line summary is shown whole (not cut to "...")
    assert "..." not in done.output.split("命令", 1)[1].split("示例", 1)[0]


@pytest.mark.parametrize(("args", "expect"), [
    (["run", ".", "--quarter", "2026Q3", "--bogus"], "没有这个选项"),
    (["run", ".", "--quarter", "2026Q3"], "缺少选项 '--roster'"),
    (["run"], "缺少参数 'INBOX'"),
    (["extract", "--format", "xml", "a.docx"], "不是可选值"),
    (["trace", "张三", "2026-08", "--format", "xml"], "不是可选值"),
    (["nosuch"], "没有这个命令"),
    (["run", "/no/such/folder", "--quarter", "2026Q3"], "不存在"),
    (["users", "add", "王芳", "--role", "管理员"], "不是可选值"),
])
def test_usage_errors_are_chinese(args: list[str], expect: str) -> None:
    done = CliRunner().invoke(main, args, prog_name="zhidao")
    assert done.exit_code == 2
    assert expect in done.output, done.output
    assert "错误：" in done.output and "用法：" in done.output and "查看帮助：zhidao" in done.output
    assert not any(phrase in done.output for phrase in ENGLISH), done.output


@pytest.mark.parametrize("text", ["2026Q3", "2026q3", "2026-Q3", "2026 Q3", "２０２６Ｑ３", "2026年第三季度",
                                  "2026年三季度", "2026年第3季度", "2026年3季度"])
def test_quarter_forms(text: str) -> None:
    assert Quarter.parse(text) == Quarter(2026, 3, "Q")


@pytest.mark.parametrize(("text", "period"), [
    ("2026H2", Quarter(2026, 2, "H")), ("2026h1", Quarter(2026, 1, "H")), ("2026-H2", Quarter(2026, 2, "H")),
    ("2026年下半年", Quarter(2026, 2, "H")), ("2026年上半年", Quarter(2026, 1, "H")),
    ("2026", Quarter(2026, 0, "Y")), ("2026年", Quarter(2026, 0, "Y")), ("2026年度", Quarter(2026, 0, "Y")),
    ("2026年第一季度", Quarter(2026, 1, "Q")), ("2026年第四季度", Quarter(2026, 4, "Q")),
])
def test_half_year_and_year_forms(text: str, period: Quarter) -> None:
    assert Quarter.parse(text) == period
    assert Quarter.parse(str(period)) == period


@pytest.mark.parametrize("text", ["2026Q5", "2026H3", "2026年第五季度", "20263", "2026三", "Q3", "abc", "",
                                  "2026年第三", "2026年中半年"])
def test_bad_quarters_are_bad_options(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Quarter.parse(text)
    assert caught.value.code == BAD_OPTION and "季度格式不对" in str(caught.value)


@pytest.mark.parametrize("text", ["2026-10-10", "2026/10/10", "2026.10.10", "2026年10月10日", "20261010",
                                  " 2026-10-10 ", "2026年10月10号"])
def test_date_forms(text: str) -> None:
    assert _date(text, "--as-of") == dt.date(2026, 10, 10)


def test_no_date_is_none() -> None:
    assert _date(None, "--as-of") is None


@pytest.mark.parametrize("text", ["2026-13-01", "2026-02-30", "2026-10", "10月10日", "明天", "abc", "",
                                  "2026-10-10至2026-10-12", "国庆节"])
def test_bad_dates_are_bad_options_naming_the_option(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _date(text, "--received")
    assert caught.value.code == BAD_OPTION
    assert "--received" in str(caught.value) and "日期" in str(caught.value)


def test_bad_date_on_the_command_line(tmp_path: Path) -> None:
    from zhidao.fixtures.demo import demo_paths

    paths = demo_paths()
    done = CliRunner().invoke(main, ["run", str(paths.inbox), "--roster", str(paths.roster), "--quarter", "2026Q3",
                                     "--out", str(tmp_path / "out"), "--db", str(tmp_path / "z.db"),
                                     "--as-of", "2026年13月1日"], prog_name="zhidao")
    assert done.exit_code == 4
    assert "[BAD_OPTION]" in done.output and "--as-of" in done.output and "日期" in done.output
    assert not (tmp_path / "z.db").exists()


def test_halfyear_rejects_a_quarter_in_chinese(tmp_path: Path) -> None:
    from zhidao.fixtures.demo import demo_paths

    paths = demo_paths()
    done = CliRunner().invoke(main, ["halfyear", "2026年第三季度", str(paths.inbox), "--roster", str(paths.roster),
                                     "--out", str(tmp_path / "out")], prog_name="zhidao")
    assert done.exit_code == 2 and "2026年下半年" in done.output
    assert not any(phrase in done.output for phrase in ENGLISH), done.output


def test_demo_run_takes_chinese_quarter_and_date(tmp_path: Path) -> None:
    from zhidao.fixtures.demo import demo_paths

    paths = demo_paths()
    assert Quarter.parse(paths.quarter) == Quarter(2026, 3, "Q")
    as_of = paths.as_of
    done = CliRunner().invoke(main, [
        "run", str(paths.inbox), "--roster", str(paths.roster), "--quarter", "2026年第三季度",
        "--out", str(tmp_path / "out"), "--db", str(tmp_path / "z.db"), "--jobs", "2",
        "--as-of", f"{as_of.year}/{as_of.month}/{as_of.day}",
        "--received", f"{paths.received.year}年{paths.received.month}月{paths.received.day}日",
    ], prog_name="zhidao")
    assert done.exit_code == 0, done.output
    assert (tmp_path / "out" / "packet.xlsx").exists()
