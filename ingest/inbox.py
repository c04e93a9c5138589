"""The inbox walk: every entry under the inbox, with what will become of it.

Nothing is followed out of the inbox: a link to a file inside it is read like the file, a link
that points outside, a dangling link, a link loop, a link to a folder and anything that is not a
regular file (a FIFO would hang a reader) are listed as refused, with a code, and never opened.
File names that are not UTF-8 (GBK names from a Windows zip) are shown decoded, and the exact
bytes are kept for the manifest.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from zhidao.errors import LINK_DANGLING, LINK_LOOP, LINK_OUTSIDE_INBOX, NOT_A_REGULAR_FILE
from zhidao.model import ErrorInfo


@dataclass(frozen=True)
class InboxEntry:
    path: Path  # what to open (the name as the file system has it)
    display: str  # the name as shown to people and written into outputs (always valid text)
    refused: ErrorInfo | None = None  # why it is not read, if it is not
    name_bytes: str | None = None  # hex of the raw name, when it is not valid UTF-8


def decode_name(name: str) -> tuple[str, bool]:
    """A file-system name as text: UTF-8, else GB18030 (Chinese Windows), else with U+FFFD.
    Returns (text, whether the raw name was valid UTF-8)."""
    raw = os.fsencode(name)
    try:
        return raw.decode("utf-8"), True
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), False
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace"), False


def display_path(path: Path) -> tuple[str, str | None]:
    """(the path as text, the hex of its raw bytes when some part was not UTF-8)."""
    parts = [decode_name(part) for part in os.fspath(path).split(os.sep)]
    ok = all(valid for _, valid in parts)
    return os.sep.join(text for text, _ in parts), None if ok else os.fsencode(os.fspath(path)).hex()


def _refuse(code: str, message: str, remedy: str) -> ErrorInfo:
    return ErrorInfo(code, message, remedy)


def _link_fate(path: Path, root: Path) -> ErrorInfo | None:
    """None when a symbolic link may be read (a file inside the inbox), else why not."""
    try:
        target = path.resolve(strict=True)
    except FileNotFoundError:
        return _refuse(LINK_DANGLING, "快捷方式（符号链接）指向的文件不存在", "请把原文件本身放入收件目录")
    except (RuntimeError, OSError):  # ELOOP, or Python's own "Symlink loop"
        return _refuse(LINK_LOOP, "快捷方式（符号链接）形成循环，无法读取", "请删除该链接，把原文件本身放入收件目录")
    if target != root and root not in target.parents:
        return _refuse(LINK_OUTSIDE_INBOX, "快捷方式（符号链接）指向收件目录以外的位置，出于安全考虑未读取",
                       "请把原文件复制到收件目录中")
    if target.is_dir():
        return _refuse(NOT_A_REGULAR_FILE, "指向文件夹的快捷方式（符号链接）未跟随；该文件夹按原位置读取",
                       "无需处理")
    if not target.is_file():
        return _not_regular()
    return None


def _not_regular() -> ErrorInfo:
    return _refuse(NOT_A_REGULAR_FILE, "不是普通文件（如管道、设备文件），未读取", "请把报送的文件本身放入收件目录")


def _entry(path: Path, root: Path) -> InboxEntry:
    display, name_bytes = display_path(path)
    try:
        mode = path.lstat().st_mode
    except OSError:
        return InboxEntry(path, display, _refuse(LINK_DANGLING, "文件在读取前已被移走或删除", "请重新放入收件目录"),
                          name_bytes)
    if stat.S_ISLNK(mode):
        return InboxEntry(path, display, _link_fate(path, root), name_bytes)
    if not stat.S_ISREG(mode):
        return InboxEntry(path, display, _not_regular(), name_bytes)
    return InboxEntry(path, display, None, name_bytes)


def _excluded(path: Path, skip: Sequence[Path]) -> bool:
    """Is this one of our own files kept inside the inbox: the output folder or the ledger, or
    one of their siblings (the output's staging folders, the ledger's journal)?"""
    if path.is_symlink():
        return False
    real = path.resolve()
    return any(real == p or (real.parent == p.parent and real.name.startswith((p.name + ".zhidao-", p.name + "-")))
               for p in skip)


def inbox_entries(inbox: Path, exclude: Sequence[Path] = ()) -> list[InboxEntry]:
    """Every entry under the inbox in a stable order (hidden ones included), links not
    followed; ``exclude`` (an output folder or ledger kept inside the inbox) is left out."""
    root = inbox.resolve()
    skip = [p.resolve() for p in exclude]
    entries: list[InboxEntry] = []
    for folder, dirs, files in os.walk(inbox, followlinks=False):
        base = Path(folder)
        kept = []
        for name in dirs:
            sub = base / name
            if _excluded(sub, skip):
                continue
            if sub.is_symlink():
                entries.append(_entry(sub, root))
            else:
                kept.append(name)
        dirs[:] = kept
        entries += [_entry(base / name, root) for name in files if not _excluded(base / name, skip)]
    return sorted(entries, key=lambda e: tuple(os.fsencode(part) for part in e.path.parts))


def walk_inbox(inbox: Path) -> Iterator[Path]:
    """The entries under the inbox that will be read (regular files and links to files in it)."""
    for entry in inbox_entries(inbox):
        if entry.refused is None:
            yield entry.path
