"""What a file is, by its content (magic bytes and container structure), never by its name."""

from __future__ import annotations

import zipfile
from pathlib import Path

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

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"II*\x00", "image"),
    (b"MM\x00*", "image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"{\\rtf", "rtf"),
)


def sniff(path: Path) -> str | None:
    """The medium of a file by its content, or None when it is not a kind we know."""
    with path.open("rb") as fh:
        head = fh.read(8)
    for magic, medium in _MAGIC:
        if head.startswith(magic):
            return _ole_medium(path) if medium == "ole" else medium
    if head.startswith(b"PK\x03\x04"):
        return _zip_medium(path)
    if path.suffix.lower() in (".csv", ".txt"):
        return "csv"
    return None


def _ole_medium(path: Path) -> str:
    """Tell an old Excel workbook from an old Word document by their OLE stream names."""
    data = path.read_bytes()
    if "WordDocument".encode("utf-16-le") in data:
        return "doc"
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") + b"\x00\x00" in data:
        return "xls"
    return "ole"


def _zip_medium(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except zipfile.BadZipFile:
        return "damaged"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "mimetype" in names:
        return "odf"
    return "zip"
