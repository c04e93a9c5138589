"""A NUL character from a hostile file (PostgreSQL's text refuses it; SQLite keeps it) is stored
and read back exactly on both backends, and the chain over it verifies."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from zhidao.fixtures.demo import DemoPaths
from zhidao.store.schema import PgText


def test_pg_text_round_trips_nul_and_its_escape() -> None:
    codec = PgText()
    for text in ("黄志\x00刚", "\ue000", "\ue000\ue001", "a\x00\x00b\ue000", "", "普通"):
        stored = codec.process_bind_param(text, None)
        assert stored is not None and "\x00" not in stored
        assert codec.process_result_value(stored, None) == text


def test_a_roster_with_a_nul_is_stored_and_verified(demo: DemoPaths, ledger_db: Path | str, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "工作记录20260707.docx").write_bytes((demo.inbox / "工作记录20260707.docx").read_bytes())
    roster = tmp_path / "名单.csv"
    roster.write_bytes("序号,姓名,工作单位,派驻企业,联系电话\r\n1,黄志\x00刚,县审计局,青川县百川物流有限公司,13608123456\r\n"
                       .encode())
    cli = [sys.executable, "-m", "zhidao.cli"]
    done = subprocess.run([*cli, "run", str(inbox), "--roster", str(roster), "--quarter", "2026Q3",
                           "--out", str(tmp_path / "out"), "--db", str(ledger_db)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    verified = subprocess.run([*cli, "audit", "verify", "--db", str(ledger_db)], capture_output=True, text=True)
    assert verified.returncode == 0 and "哈希链校验通过" in verified.stdout, verified.stdout + verified.stderr
