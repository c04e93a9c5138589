"""Parameter types shared by the click commands (cli.py, cli_web.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

DB_HELP = "台账数据库：SQLite 文件，或 PostgreSQL 地址 postgresql://用户@主机/库名"


class LedgerTarget(click.ParamType["Path | str", Any]):
    """--db: an SQLite file (a Path) or a database URL kept as text (postgresql://user@host/db;
    a Path would fold its '//')."""

    name = "FILE|URL"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path | str:
        if isinstance(value, Path):
            return value
        text = str(value).strip()
        if "://" in text:
            if not text.startswith(("postgresql://", "postgres://", "postgresql+psycopg://", "sqlite://")):
                self.fail(f"不支持的数据库地址：{text.split('://', 1)[0]}://（只支持 postgresql:// 或 SQLite 文件）",
                          param, ctx)
            return text.replace("postgres://", "postgresql://", 1) if text.startswith("postgres://") else text
        path = Path(text)
        if path.is_dir():
            self.fail(f"{text} 是一个目录，请给出台账文件名（如 zhidao.db）", param, ctx)
        return path


LEDGER = LedgerTarget()


def db_option(default: Path | None = Path("zhidao.db"), help: str = DB_HELP) -> Callable[[F], F]:
    option: Callable[[F], F] = click.option("--db", type=LEDGER, default=default, show_default=default is not None,
                                            help=help)
    return option


class DaskTarget(click.ParamType[str, Any]):
    """--dask-scheduler: a Dask scheduler's address, tcp://HOST:PORT (tls:// too)."""

    name = "ADDRESS"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip()
        if text.startswith(("tcp://", "tls://")) and ":" in text.split("://", 1)[1]:
            return text
        self.fail("请写调度器地址 tcp://主机:端口（在本机启动集群请用 --dask local）", param, ctx)


DASK = DaskTarget()
