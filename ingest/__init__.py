"""Ingest: the only phase that reads user files.

Files are recognised by their content (magic bytes), not by their name, then handed to the
reader registered for that medium. Readers are registered by module path so that importing
this package stays cheap; the keys of the registries also feed the CLI's choices.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from zhidao.errors import (
    FILE_NOT_FOUND,
    FILE_TOO_LARGE,
    FILE_UNREADABLE,
    FORMAT_UNSUPPORTED,
    NO_FORM_FOUND,
    InputError,
    ZhidaoError,
    file_damaged,
    file_empty,
    file_unrecognised,
    format_unsupported,
)
from zhidao.model import Boundary, ErrorInfo, FileOutcome, Item, ReadOptions, SourceFile

from .boundary import Progress, read_fenced
from .failures import exception_to_error, traceback_without_text
from .inbox import walk_inbox
from .sniff import KNOWN_MEDIA, sniff

log = logging.getLogger("zhidao.ingest")

__all__ = [
    "KNOWN_MEDIA",
    "RECORD_READERS",
    "ROSTER_READERS",
    "SUMMARY_READERS",
    "Boundary",
    "read_any",
    "read_file",
    "read_path",
    "read_paths",
    "sha256_of",
    "sniff",
    "source_file",
    "walk_inbox",
]

# A reader returns the file's items, and an ErrorInfo for each page it could not read (a stack
# of scanned forms goes on past a page that is no form); a whole-file failure is raised.
Read = Callable[[Path, SourceFile, ReadOptions], Sequence[Item | ErrorInfo]]

# medium → 'module' with a `read(path, source) -> list[Item]` function, or 'module:function'.
RECORD_READERS: dict[str, str] = {
    "docx": "zhidao.ingest.docx",
    "xlsx": "zhidao.ingest.xlsx",
    "xls": "zhidao.ingest.xlsx:read_xls",
    "pdf": "zhidao.ingest.pdf",
    "doc": "zhidao.ingest.legacy",
    "image": "zhidao.ingest.scan",
}
ROSTER_READERS: dict[str, str] = {
    "xlsx": "zhidao.ingest.roster_xlsx",
    "xls": "zhidao.ingest.roster_xls",
    "csv": "zhidao.ingest.roster_csv",
    "docx": "zhidao.ingest.roster_docx",
    "pdf": "zhidao.ingest.roster_pdf",
}
SUMMARY_READERS: dict[str, str] = {
    "docx": "zhidao.ingest.summary:read_docx",
    "pdf": "zhidao.ingest.summary:read_pdf",
}
def sha256_of(path: Path) -> str:
    """The content hash of a file ('' when it cannot be read)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()


def source_file(path: Path, display: str | None = None) -> SourceFile:
    """Identify a file by its sha256. Raises InputError if it is missing or cannot be opened."""
    if not path.is_file():
        raise InputError(FILE_NOT_FOUND, "找不到文件", path, "请检查路径是否正确")
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(FILE_UNREADABLE, f"无法打开文件（{exc.strerror or type(exc).__name__}）", path,
                         "请确认文件没有被其他程序占用，并且当前用户有权读取") from exc
    return SourceFile(path, display if display is not None else str(path), digest.hexdigest(), size)


def _reader(registry: dict[str, str], medium: str) -> Read:
    """'package.module' (its `read`) or 'package.module:function'."""
    module_name, _, function = registry[medium].partition(":")
    read: Read = getattr(importlib.import_module(module_name), function or "read")
    return read


def read_file(source: SourceFile, registry: dict[str, str], options: ReadOptions | None = None) -> FileOutcome:
    """Read one file with the registry's reader for its medium. Never raises for bad input."""
    path = source.path
    medium = "?"
    try:
        if source.size == 0:
            raise file_empty(path)
        medium = sniff(path) or "?"
        if medium == "?":
            raise file_unrecognised(path)
        if medium == "damaged":
            raise file_damaged(path, "文件的压缩结构不完整（可能只传了一半）")
        if medium not in registry:
            raise format_unsupported(path, KNOWN_MEDIA.get(medium, medium))
        found = _reader(registry, medium)(path, source, options or ReadOptions())
    except ZhidaoError as exc:
        return FileOutcome(source, medium, (), (ErrorInfo(exc.code, exc.message, exc.remedy, exc.page),))
    except MemoryError:
        log.error("%s: 内存不足", source.display)
        return FileOutcome(source, medium, (), (ErrorInfo(
            FILE_TOO_LARGE, "读取该文件所需内存超过上限，已跳过",
            "请确认文件未损坏；扫描件请用 300 dpi 左右的分辨率重新扫描"),))
    except Exception as exc:  # the failure boundary: a reader's bug or a library's surprise costs this file only
        log.error("%s: 读取时出现意外错误（%s）\n%s", source.display, medium, traceback_without_text(exc))
        return FileOutcome(source, medium, (), (exception_to_error(exc, KNOWN_MEDIA.get(medium, "未知类型")),))
    items = tuple(x for x in found if isinstance(x, Item))
    return FileOutcome(source, medium, items, tuple(x for x in found if isinstance(x, ErrorInfo)))


def read_any(source: SourceFile, options: ReadOptions | None = None) -> FileOutcome:
    """Read a file as work records; a file with no record form but a roster table is a roster."""
    outcome = read_file(source, RECORD_READERS, options)
    code = outcome.errors[0].code if outcome.errors and not outcome.items else None
    if code in (NO_FORM_FOUND, FORMAT_UNSUPPORTED) and outcome.medium in ROSTER_READERS:
        roster = read_file(source, ROSTER_READERS, options)
        if roster.items or code == FORMAT_UNSUPPORTED:
            return roster
    if code == NO_FORM_FOUND and outcome.medium in SUMMARY_READERS:
        summary = read_file(source, SUMMARY_READERS, options)
        if summary.items:
            return summary
    return outcome


def read_path(path: Path, display: str, options: ReadOptions | None = None) -> FileOutcome:
    """Identify and read one file; a file that cannot even be opened becomes an error outcome."""
    try:
        source = source_file(path, display)
    except ZhidaoError as exc:
        missing = SourceFile(path, display, "", 0)
        return FileOutcome(missing, "?", (), (ErrorInfo(exc.code, exc.message, exc.remedy),))
    return read_any(source, options)


def read_paths(paths: Sequence[tuple[Path, str]], options: ReadOptions | None = None,
               boundary: Boundary | None = None, progress: Progress | None = None) -> list[FileOutcome]:
    """Read many files, in order, each in a worker process behind the failure boundary
    (:mod:`zhidao.ingest.boundary`): no file can stop the batch."""
    return list(read_fenced(paths, options or ReadOptions(), boundary or Boundary(), progress))
