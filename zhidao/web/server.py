"""Serving the station with waitress: bind first (port 0 picks a free one), then say where."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from .app import ACCOUNTS, Station, create_app

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def station_url(station: Station, host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    if station.mode == ACCOUNTS:
        return f"http://{shown}:{port}/"
    return f"http://{shown}:{port}/?token={station.token}"


def make_server(station: Station, host: str, port: int, threads: int = 8) -> Any:
    """A bound waitress server for the station (``.effective_port``, ``.run()``, ``.close()``)."""
    from waitress import create_server

    return create_server(create_app(station), host=host, port=port, threads=threads, ident="zhidao",
                         clear_untrusted_proxy_headers=True)


def serve(station: Station, host: str, port: int, say: Callable[[str], None]) -> None:
    server = make_server(station, host, port)
    try:
        say(station_url(station, host, int(server.effective_port)))
        server.run()
    finally:
        server.close()
