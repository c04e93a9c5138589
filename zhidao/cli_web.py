"""`zhidao serve` and `zhidao users`: the web verification station's commands.

Kept apart from zhidao.cli so that the web framework is imported only when these run.
"""

from __future__ import annotations

import click


@click.command()
def serve() -> None:
    """启动网页核对台（开发中）。"""
    raise click.UsageError("网页核对台尚未完成")


@click.group()
def users() -> None:
    """管理网页核对台的用户。"""
