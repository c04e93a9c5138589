"""Outputs published whole: a run writes into a staging folder beside OUT, and only after the
ledger has committed the run is the staging folder put in OUT's place.

The swap is one ``renameat2(RENAME_EXCHANGE)`` on Linux, so at every moment OUT is either the
previous complete output or the new complete one. Where the exchange is not available, OUT is
renamed aside first and :func:`recover` puts it back if a kill comes between the two renames.
Entries in OUT that zhidao did not write (a clerk's notes) are copied into the new OUT.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import tempfile
from pathlib import Path

from zhidao.errors import BAD_OPTION, DISK_FULL, OUTPUT_UNWRITABLE, ConfigError, OutputError

STAGING = ".zhidao-tmp-"
ASIDE = ".zhidao-old-"
# What a run writes into OUT (anything else found there is the user's and is kept).
OWN_NAMES = frozenset({"records.jsonl", "findings.jsonl", "attendance.csv", "errors.jsonl", "manifest.json",
                       "packet.xlsx", "packet.pdf", "gx", "run.log"})
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def output_error(exc: OSError, path: Path) -> OutputError:
    """A Chinese error for an OS failure while writing outputs."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutputError(DISK_FULL, "磁盘空间已满，输出文件未能写完（原有输出保持不变）", path,
                           "请清理磁盘空间或用 --out 指定其他磁盘上的目录后重新运行")
    return OutputError(OUTPUT_UNWRITABLE, f"输出目录无法写入（{exc.strerror or type(exc).__name__}）", path,
                       "请确认该磁盘不是只读的、当前用户有写入权限，或用 --out 指定其他目录")


def check_out(out: Path, keep_out_of_it: tuple[Path, ...]) -> None:
    """OUT is replaced whole by every run, so it must not hold the inbox, the roster or the ledger."""
    target = out.resolve()
    for path in keep_out_of_it:
        real = path.resolve()
        if real == target or target in real.parents:
            raise ConfigError(BAD_OPTION, f"输出目录不能包含收件目录、名单或台账：{path}", out,
                              "每次运行都会整体替换输出目录；请用 --out 指定一个单独的目录")
    if out.exists() and not out.is_dir():
        raise ConfigError(BAD_OPTION, "--out 指向的是一个文件，不是目录", out, "请指定一个目录")


def stage(out: Path) -> Path:
    """A new, empty staging folder beside OUT (on the same disk, so the swap is a rename)."""
    parent = out.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f"{out.name}{STAGING}{os.getpid()}-", dir=parent))
    except OSError as exc:
        raise output_error(exc, out) from exc


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where the call is not available."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(a))


def _carry_over(out: Path, staged: Path) -> None:
    """Copy what the user keeps in OUT (not ours) into the new OUT."""
    for entry in out.iterdir():
        if entry.name in OWN_NAMES or (staged / entry.name).exists():
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, staged / entry.name, symlinks=True)
        else:
            shutil.copy2(entry, staged / entry.name, follow_symlinks=False)


def publish(staged: Path, out: Path) -> None:
    """Put the staging folder in OUT's place (the previous OUT is removed)."""
    try:
        if not out.exists():
            os.rename(staged, out)
            return
        _carry_over(out, staged)
        if _exchange(staged, out):
            shutil.rmtree(staged, ignore_errors=True)  # now holds the previous OUT
            return
        aside = Path(tempfile.mkdtemp(prefix=out.name + ASIDE, dir=out.absolute().parent))
        os.rename(out, aside / "out")
        os.rename(staged, out)
        shutil.rmtree(aside, ignore_errors=True)
    except OSError as exc:
        raise output_error(exc, out) from exc


def discard(staged: Path) -> None:
    shutil.rmtree(staged, ignore_errors=True)


def recover(out: Path) -> None:
    """After a kill: put a previous OUT renamed aside back, and remove stale staging folders."""
    parent = out.absolute().parent
    if not parent.is_dir():
        return
    for entry in sorted(parent.glob(out.name + ASIDE + "*")):
        if not out.exists() and (entry / "out").is_dir():
            os.rename(entry / "out", out)
        shutil.rmtree(entry, ignore_errors=True)
    for entry in parent.glob(out.name + STAGING + "*"):
        if not _alive(entry.name[len(out.name + STAGING):].split("-", 1)[0]):
            shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: str) -> bool:
    """Is the process that made a staging folder still running (then the folder is in use)?"""
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return int(pid) != 0
