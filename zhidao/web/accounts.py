"""The station's user accounts: name, role and an argon2 password hash, in a table of their own
in the ledger's database (its own MetaData: the ledger's schema and audit trail are untouched)."""

from __future__ import annotations

import functools
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy import Column, MetaData, String, Table, Text, delete, insert, select

from zhidao.errors import BAD_OPTION, ConfigError
from zhidao.store.engine import make_engine
from zhidao.store.ledger import now

if TYPE_CHECKING:
    from argon2 import PasswordHasher

CHECKER = "核对"  # checks values and corrects them
AUDITOR = "审核"  # sees everything, changes nothing
ROLES = (CHECKER, AUDITOR)
LOCAL_USER = "本机用户"  # who a correction is by in token mode (no accounts)
MIN_PASSWORD = 8

metadata = MetaData()
web_users = Table(
    "web_users", metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(8), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("created", String(32), nullable=False),
)



@dataclass(frozen=True)
class User:
    name: str
    role: str
    created: str

    @property
    def can_change(self) -> bool:
        return self.role == CHECKER


def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the name is unknown: the answer takes as long either way."""
    return _hasher().hash(secrets.token_hex(16))


def check_name(name: str) -> str:
    name = name.strip()
    if not re.fullmatch(r"[\w\u4e00-\u9fff·.\-]{1,32}", name) or name == LOCAL_USER:
        raise ConfigError(BAD_OPTION, f"用户名不合适：{name!r}",
                          remedy="用户名用 1–32 个汉字、字母或数字，不能叫「本机用户」")
    return name


class Accounts:
    """``with Accounts(db) as accounts:`` — the users of the station whose ledger is ``db``."""

    def __init__(self, db: Path | str) -> None:
        if "://" not in str(db):
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(db, 10.0)
        with self.engine.begin() as conn:
            metadata.create_all(conn)

    def __enter__(self) -> Accounts:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.engine.dispose()

    def add(self, name: str, role: str, password: str) -> User:
        name = check_name(name)
        if role not in ROLES:
            raise ConfigError(BAD_OPTION, f"没有这种角色：{role!r}", remedy="角色填 核对 或 审核")
        if len(password) < MIN_PASSWORD:
            raise ConfigError(BAD_OPTION, f"密码太短（至少 {MIN_PASSWORD} 位）", remedy="请换一个更长的密码")
        user = User(name, role, now())
        with self.engine.begin() as conn:
            if conn.execute(select(web_users.c.name).where(web_users.c.name == name)).first():
                raise ConfigError(BAD_OPTION, f"用户「{name}」已存在", remedy="请换一个用户名，或先删除该用户")
            conn.execute(insert(web_users).values(name=name, role=role, password_hash=_hasher().hash(password),
                                                  created=user.created))
        return user

    def remove(self, name: str) -> bool:
        with self.engine.begin() as conn:
            return bool(conn.execute(delete(web_users).where(web_users.c.name == name)).rowcount)

    def users(self) -> list[User]:
        c = web_users.c
        with self.engine.connect() as conn:
            return [User(n, r, at) for n, r, at in conn.execute(select(c.name, c.role, c.created).order_by(c.name))]

    def verify(self, name: str, password: str) -> User | None:
        """The user whose name and password these are, else None."""
        from argon2.exceptions import InvalidHashError, VerificationError

        c = web_users.c
        with self.engine.connect() as conn:
            row = conn.execute(select(c.name, c.role, c.created, c.password_hash).where(c.name == name.strip())
                               ).first()
        try:
            _hasher().verify(str(row[3]) if row else _dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            return None
        return User(str(row[0]), str(row[1]), str(row[2])) if row else None

    def get(self, name: str) -> User | None:
        return next((u for u in self.users() if u.name == name), None)
