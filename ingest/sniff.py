"""What a file is, by its content (magic bytes and container structure), never by its name.

Sniffing stays cheap: it reads the first bytes, a zip's central directory, an OLE container's
allocation table and directory — never a whole file. A file of a kind we know but must refuse
raises its InputError here: an encrypted Office file (FILE_ENCRYPTED), a zip declaring a bomb
(ARCHIVE_BOMB), an old Office file cut short (FILE_DAMAGED).
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path
from typing import Any

from zhidao.errors import file_damaged, file_encrypted
from zhidao.model import Limits

from .limits import check_member_count, check_zip_members

# What people send that we recognise but cannot read yet: medium → how to name it to the user.
KNOWN_MEDIA: dict[str, str] = {
    "pdf": "PDF 文件",
    "image": "图片",
    "doc": "旧版 Word 文件（.doc）",
    "xls": "旧版 Excel 文件（.xls）",
    "ole": "旧版 Office 文件",
    "rtf": "RTF 文档",
    "odf": "OpenDocument 文件",
    "xlsx": "Excel 文件",
    "docx": "Word 文件",
    "csv": "CSV 文本表格",
    "zip": "压缩包",
}

# The proper file name suffix of each medium (a converter that goes by the name gets this one).
SUFFIXES: dict[str, str] = {"doc": ".doc", "xls": ".xls", "docx": ".docx", "xlsx": ".xlsx", "pdf": ".pdf"}

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"II*\x00", "image"),
    (b"MM\x00*", "image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"{\\rtf", "rtf"),
)
_ENDOFCHAIN = 0xFFFFFFFE
_MAXREGSECT = 0xFFFFFFFA
_STREAM, _ROOT = 2, 5  # directory entry types of the OLE format
_FIB_ENCRYPTED = 0x0100  # fEncrypted in the flags word at offset 10 of a Word document's FIB


def sniff(path: Path, limits: Limits | None = None) -> str | None:
    """The medium of a file by its content, or None when it is not a kind we know."""
    with path.open("rb") as fh:
        head = fh.read(8)
    for magic, medium in _MAGIC:
        if head.startswith(magic):
            return _ole_medium(path) if medium == "ole" else medium
    if head.startswith(b"PK\x03\x04"):
        return _zip_medium(path, limits or Limits())
    if path.suffix.lower() in (".csv", ".txt"):
        return "csv"
    return None


def _ole_medium(path: Path) -> str:
    """An old Word document, an old Excel workbook or an encrypted OOXML file, by the streams
    of its OLE container; the container is checked to be whole (every sector of those streams
    inside the file) without reading the streams."""
    import olefile

    try:
        ole = olefile.OleFileIO(str(path))
    except (OSError, ValueError, IndexError, struct.error) as exc:  # olefile's OleFileError is an OSError
        raise file_damaged(path, "旧版 Office 文件不完整（可能只传了一半）") from exc
    with ole:
        if ole.exists("EncryptionInfo") and ole.exists("EncryptedPackage"):
            raise file_encrypted(path, "Office 文件")
        stream = next((name for name in ("WordDocument", "Workbook", "Book") if ole.exists(name)), None)
        if stream is None:
            return "ole"
        if not _streams_whole(ole, path.stat().st_size):
            raise file_damaged(path, "旧版 Office 文件不完整（可能只传了一半）")
        if stream == "WordDocument" and _word_encrypted(ole, path):
            raise file_encrypted(path, "Word 文件")
    return "doc" if stream == "WordDocument" else "xls"


def _streams_whole(ole: Any, file_size: int) -> bool:
    """Every stream kept in the big sectors (and the root's mini-stream) lies inside the file."""
    for entry in ole.direntries:
        if entry is None or entry.entry_type not in (_STREAM, _ROOT):
            continue
        if (entry.entry_type == _ROOT or entry.size >= ole.minisectorcutoff) and not _chain_inside(
                ole, entry.isectStart, entry.size, file_size):
            return False
    return True


def _chain_inside(ole: Any, start: int, size: int, file_size: int) -> bool:
    sector_size = int(ole.sectorsize)
    fat = ole.fat
    sector, offset, steps = start, 0, 0
    while offset < size:
        if sector > _MAXREGSECT or sector >= len(fat) or steps > len(fat):
            return False
        needed = min(sector_size, size - offset)
        if (sector + 1) * sector_size + needed > file_size:
            return False
        offset += sector_size
        steps += 1
        sector = int(fat[sector])
    return True


def _word_encrypted(ole: Any, path: Path) -> bool:
    """fEncrypted of the Word document's FIB, read from the stream's first sector."""
    entry = ole.direntries[ole._find("WordDocument")]
    if entry.size < ole.minisectorcutoff or entry.size < 12:
        return False  # a real Word document is never this small; LibreOffice will say what it is
    with path.open("rb") as fh:
        fh.seek((entry.isectStart + 1) * ole.sectorsize)
        fib = fh.read(12)
    return len(fib) == 12 and bool(struct.unpack_from("<H", fib, 10)[0] & _FIB_ENCRYPTED)


def _zip_medium(path: Path, limits: Limits) -> str:
    check_member_count(path, limits)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, EOFError, OSError, ValueError):
        return "damaged"
    names = {info.filename for info in infos}
    if "word/document.xml" in names or "xl/workbook.xml" in names:
        check_zip_members(path, infos, limits)
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "mimetype" in names:
        return "odf"
    return "zip"
