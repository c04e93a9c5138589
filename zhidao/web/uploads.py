"""Files uploaded from the browser, saved into the inbox under their own (Chinese) names: the
name is cut to its last part and cleaned, never allowed to leave the inbox; a file already there
with the same content is not saved twice, another file of the same name gets a number."""

from __future__ import annotations

import hashlib
import re
import secrets
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO

SUFFIXES = frozenset({".doc", ".docx", ".wps", ".pdf", ".xls", ".xlsx", ".et", ".csv", ".png", ".jpg", ".jpeg",
                      ".tif", ".tiff", ".bmp", ".zip", ".rtf", ".odt", ".ods"})
MAX_NAME = 120


@dataclass(frozen=True)
class Saved:
    name: str  # as saved in the inbox
    note: str  # what happened, in Chinese


def clean_name(name: str) -> str | None:
    """The last part of a browser's file name, without control or path characters; None when
    nothing usable is left."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name))[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C" and ch not in '<>:"|?*')
    base = base.strip().strip(".").strip()
    if not base:
        return None
    stem, dot, suffix = base.rpartition(".")
    if len(base) > MAX_NAME:
        base = (stem[: MAX_NAME - len(suffix) - 1] + dot + suffix) if dot else base[:MAX_NAME]
    return base


def save_upload(inbox: Path, name: str, stream: IO[bytes]) -> Saved:
    cleaned = clean_name(name)
    if cleaned is None:
        return Saved(name, "文件名无法使用，未保存")
    suffix = Path(cleaned).suffix.lower()
    if suffix not in SUFFIXES:
        return Saved(cleaned, f"不是工作记录常用的文件类型（{suffix or '无扩展名'}），未保存")
    inbox.mkdir(parents=True, exist_ok=True)
    # written beside the inbox, not in it: a run never sees half a file
    staging = inbox.parent / f".{inbox.name}.uploading"
    staging.mkdir(exist_ok=True)
    temp = staging / f"{secrets.token_hex(8)}.part"
    digest = hashlib.sha256()
    with temp.open("wb") as fh:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
            fh.write(chunk)
    target = inbox / cleaned
    stem, suffix = Path(cleaned).stem, Path(cleaned).suffix
    n = 1
    while target.exists():
        if target.is_file() and _sha(target) == digest.hexdigest():
            temp.unlink()
            return Saved(target.name, "收件箱中已有相同的文件，未重复保存")
        n += 1
        target = inbox / f"{stem}({n}){suffix}"
    shutil.move(temp, target)
    return Saved(target.name, "已保存" if n == 1 else f"已保存（收件箱中已有同名文件，改名为 {target.name}）")


def _sha(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def inbox_files(inbox: Path) -> list[tuple[str, int]]:
    if not inbox.is_dir():
        return []
    return sorted((p.name, p.stat().st_size) for p in inbox.iterdir() if p.is_file() and not p.name.startswith("."))
