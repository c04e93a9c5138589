"""`zhidao serve` and `zhidao users`: the web verification station's commands.

Kept apart from zhidao.cli so that the web framework is imported only when these run.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from zhidao.cli_params import db_option
from zhidao.cli_zh import example as _example

F = TypeVar("F", bound=Callable[..., Any])


def _handled(func: F) -> F:
    """zhidao.cli.handle_errors, looked up when the command runs (zhidao.cli imports this module)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from zhidao.cli import handle_errors

        return handle_errors(func)(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _date(text: str | None, option: str) -> dt.date | None:
    from zhidao.cli import _date as parse

    return parse(text, option)


_db_option = db_option()


@click.command(epilog=_example(
    "zhidao serve --inbox 收件箱 --roster 名单.xlsx --quarter 2026年第三季度 --out 输出",
    "zhidao serve --inbox 收件箱 --roster 名单.xlsx --quarter 2026Q3 --out 输出 --host 0.0.0.0 --port 8080"))
@click.option("--inbox", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="收件箱目录：上传的文件存放在这里")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="名单文件（附件1）")
@click.option("--quarter", required=True,
              help="季度，如 2026Q3、2026年第三季度（半年 2026H2、2026年下半年，全年 2026、2026年）")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="输出目录")
@_db_option
@click.option("--county", default=None, help="台账中的县（区）名：与 zhidao run 的 --county 相同（默认取规则配置）")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听地址；不是本机地址（如 0.0.0.0）时必须先用 zhidao users add 建立用户")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default="0＝随机空闲端口", help="端口")
@click.option("--login", "need_login", is_flag=True, default=False, help="在本机也要求用户名和密码登录（不用访问令牌）")
@click.option("--received", default=None, help="收件日期，如 2026-10-10 或 2026年10月10日（表内无报送日期时用）")
@click.option("--as-of", "as_of", default=None, help="核查基准日，如 2026-10-10 或 2026年10月10日（默认每次运行当天）")
@click.option("--rules", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="规则配置文件（TOML，默认为种子方案）")
@click.option("--jobs", type=click.IntRange(1, 64), default=os.cpu_count() or 1, show_default="CPU 核数",
              help="并行读取文件的进程数")
@click.option("--file-timeout", type=click.FloatRange(1, 86400), default=120.0, show_default=True,
              help="每个文件最长读取时间（秒）")
@click.option("--file-memory", type=click.FloatRange(0.25, 64), default=2.0, show_default=True,
              help="每个文件最多使用的内存（GB）")
@click.option("--ocr-engine", default=None, help="扫描件文字识别引擎（默认同 zhidao run）")
@_handled
def serve(inbox: Path, roster: Path, quarter: str, out: Path, db: Path, county: str | None, host: str, port: int,
          need_login: bool, received: str | None, as_of: str | None, rules: Path | None, jobs: int,
          file_timeout: float, file_memory: float, ocr_engine: str | None) -> None:
    """启动网页核对台：上传、运行、核对更正、下载材料。

    在浏览器中上传文件、运行、核对更正、查看核查发现、下载材料；只在本机时打印带访问令牌的链接。
    """
    from zhidao.cli import _boundary
    from zhidao.context import Quarter, RunContext
    from zhidao.errors import BAD_OPTION, ConfigError
    from zhidao.ingest.engines import DEFAULT_ENGINE, ENGINES
    from zhidao.store.ledger import SHANGHAI
    from zhidao.validate.profile import load_profile
    from zhidao.web.accounts import Accounts
    from zhidao.web.app import ACCOUNTS, TOKEN, Station
    from zhidao.web.server import is_loopback
    from zhidao.web.server import serve as run_server

    engine = ocr_engine or DEFAULT_ENGINE
    if engine not in ENGINES:
        raise ConfigError(BAD_OPTION, f"没有这种识别引擎：{engine!r}", remedy=f"可选：{'、'.join(ENGINES)}")
    period = Quarter.parse(quarter)
    profile = load_profile(rules)
    fixed_as_of, received_on = _date(as_of, "--as-of"), _date(received, "--received")
    boundary = _boundary(jobs, file_timeout, file_memory)
    inbox.mkdir(parents=True, exist_ok=True)

    def make_context() -> RunContext:
        today = dt.datetime.now(dt.UTC).astimezone(SHANGHAI).date()
        return RunContext(inbox=inbox, roster=roster, quarter=period, out=out, db=db, as_of=fixed_as_of or today,
                          received=received_on, ocr_engine=engine, boundary=boundary, profile=profile, county=county)

    mode = ACCOUNTS if need_login or not is_loopback(host) else TOKEN
    if mode == ACCOUNTS:
        with Accounts(db) as accounts:
            if not accounts.users():
                raise ConfigError(BAD_OPTION, "在网络上开放核对台（或要求登录）前，必须先建立用户",
                                  remedy=f"请先运行 zhidao users add 姓名 --role 核对 --db {db}")
    county_key = make_context().county_key
    station = Station(db=db, county=county_key, inbox=inbox, out=out, make_context=make_context,
                      quarter=str(period), mode=mode)
    click.echo("网页核对台已启动，请在浏览器中打开（按 Ctrl+C 停止）：", err=True)

    def say(url: str) -> None:
        click.echo(url)  # the one line on stdout: the address to open
        sys.stdout.flush()

    run_server(station, host, port, say)


@click.group(epilog=_example("zhidao users add 王芳 --role 核对", "zhidao users list", "zhidao users remove 王芳"))
def users() -> None:
    """管理网页核对台的用户（核对：可确认和更正；审核：只能查看）。"""


@users.command("add", epilog=_example("zhidao users add 王芳 --role 核对",
                                       "echo 密码 | zhidao users add 李明 --role 审核 --password-stdin"))
@click.argument("name")
@click.option("--role", type=click.Choice(["核对", "审核"]), required=True, help="核对：可确认和更正；审核：只能查看")
@_db_option
@click.option("--password-stdin", "password_stdin", is_flag=True, default=False, help="从标准输入读取密码（一行）")
@_handled
def users_add(name: str, role: str, db: Path, password_stdin: bool) -> None:
    """建立一个用户（密码以 argon2 散列保存在台账数据库中）。"""
    from zhidao.web.accounts import Accounts

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("密码", hide_input=True, confirmation_prompt="再输入一次密码")
    with Accounts(db) as accounts:
        user = accounts.add(name, role, password)
    click.echo(f"已建立用户「{user.name}」（{user.role}）")


@users.command("list", epilog=_example("zhidao users list --db zhidao.db"))
@_db_option
@_handled
def users_list(db: Path) -> None:
    """列出用户。"""
    from zhidao.web.accounts import Accounts

    with Accounts(db) as accounts:
        found = accounts.users()
    if not found:
        click.echo("还没有用户")
    for user in found:
        click.echo(f"{user.name}\t{user.role}\t建立于 {user.created}")


@users.command("remove", epilog=_example("zhidao users remove 王芳"))
@click.argument("name")
@_db_option
@_handled
def users_remove(name: str, db: Path) -> None:
    """删除一个用户（其已做的更正仍留在台账中）。"""
    from zhidao.errors import BAD_OPTION, ConfigError
    from zhidao.web.accounts import Accounts

    with Accounts(db) as accounts:
        if not accounts.remove(name):
            raise ConfigError(BAD_OPTION, f"没有用户「{name}」", remedy="用 zhidao users list 查看用户")
    click.echo(f"已删除用户「{name}」")
