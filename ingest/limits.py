"""Limits checked before any work: a reader looks at what a file declares (its size, the sizes
its zip members claim, the prologs of its XML parts, its page count and page sizes, its row
count) and refuses it with a code of its own before it inflates, parses, decodes or renders.

The limits themselves are :class:`zhidao.model.Limits` (on ``ReadOptions.limits``); image
headers are checked where images are opened (:mod:`zhidao.ingest.imaging`).
"""

from __future__ import annotations

import math
import struct
import zipfile
import zlib
from pathlib import Path

from zhidao.errors import (
    archive_bomb,
    file_damaged,
    file_encrypted,
    file_too_large,
    image_too_large,
    page_too_large,
    roster_too_large,
    too_many_pages,
    xml_unsafe,
)
from zhidao.model import Limits

__all__ = [
    "OFFICE_ZIP_ERRORS",
    "Limits",
    "check_file_size",
    "check_image_pixels",
    "check_office_zip",
    "check_pdf",
    "check_roster_shape",
    "check_zip_members",
    "count_lines",
    "declared_entries",
    "prolog_is_safe",
    "render_scale",
]

# What python-docx and openpyxl raise on a malformed package (a missing part, a broken deflate
# stream, XML that does not parse: lxml's and ElementTree's errors are SyntaxErrors).
OFFICE_ZIP_ERRORS = (zipfile.BadZipFile, KeyError, ValueError, EOFError, zlib.error, SyntaxError)

_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"
_EOCD_SIZE = 22
_CD_ENTRY_BYTES = 1024  # a generous average size of a central-directory entry
_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA})
_PROLOG_CHUNK = 4096
_PROLOG_MAX = 64 * 1024  # no XML part an office suite writes has a longer prolog than this


def check_file_size(path: Path, limits: Limits) -> None:
    """FILE_TOO_LARGE before any reading."""
    size = path.stat().st_size
    if size > limits.file_bytes:
        raise file_too_large(path, size, limits.file_bytes)


# --- zip containers (docx, xlsx) -------------------------------------------------------------


def declared_entries(path: Path) -> int | None:
    """How many members the zip's end-of-central-directory record declares (zip64 included),
    read from the file's tail only; None when there is no such record."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        tail_len = min(size, _EOCD_SIZE + 0xFFFF + 20)
        fh.seek(size - tail_len)
        tail = fh.read(tail_len)
        at = tail.rfind(_EOCD)
        if at < 0 or len(tail) < at + _EOCD_SIZE:
            return None
        entries, cd_size = struct.unpack_from("<HI", tail, at + 10)
        if entries == 0xFFFF and at >= 20 and tail[at - 20:at - 16] == _ZIP64_LOCATOR:
            (offset,) = struct.unpack_from("<Q", tail, at - 12)
            fh.seek(offset)
            record = fh.read(56)
            if len(record) == 56 and record.startswith(_ZIP64_EOCD):
                entries, cd_size = struct.unpack_from("<QQ", record, 32)
    return max(int(entries), int(cd_size) // _CD_ENTRY_BYTES)


def check_zip_members(path: Path, infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """ARCHIVE_BOMB from the declared sizes (Python's zipfile never inflates a member past its
    declared size, so these bound what reading can produce); FILE_ENCRYPTED for a member with
    a password; FILE_DAMAGED for a compression method no office suite uses."""
    if len(infos) > limits.zip_members:
        raise archive_bomb(path, f"{len(infos)} 个压缩成员，上限 {limits.zip_members} 个")
    total = sum(info.file_size for info in infos)
    if total > limits.zip_total_bytes:
        raise archive_bomb(path, f"解压后共 {total >> 20} MB，上限 {limits.zip_total_bytes >> 20} MB")
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.zip_ratio_from_bytes and ratio > limits.zip_ratio:
            raise archive_bomb(path, f"一个成员的压缩比为 {ratio:.0f} 倍，上限 {limits.zip_ratio:.0f} 倍")
        if info.flag_bits & 0x1:
            raise file_encrypted(path, "文件的压缩内容")
        if info.compress_type not in _METHODS:
            raise file_damaged(path, "压缩方式不受支持")


def check_member_count(path: Path, limits: Limits) -> None:
    """The member count a zip declares in its end record, before the central directory is read."""
    entries = declared_entries(path)
    if entries is not None and entries > limits.zip_members:
        raise archive_bomb(path, f"声明了 {entries} 个压缩成员，上限 {limits.zip_members} 个")


def check_office_zip(path: Path, limits: Limits) -> None:
    """Everything checked before a .docx/.xlsx is handed to its library: the file size, the
    member count, the declared sizes and ratios, and that no XML part declares a DOCTYPE
    (entity expansion, external entities)."""
    check_file_size(path, limits)
    check_member_count(path, limits)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            check_zip_members(path, infos, limits)
            for info in infos:
                if not info.is_dir() and info.file_size and not _member_is_safe(zf, info):
                    raise xml_unsafe(path)
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
        raise file_damaged(path, f"压缩结构不完整（{type(exc).__name__}）") from exc


def _member_is_safe(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Read a member's head, a few KB at a time, until its XML prolog ends (a member that is
    not XML ends it at once)."""
    head = b""
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(_PROLOG_CHUNK)
            head += chunk
            verdict = prolog_is_safe(head, complete=not chunk or len(head) >= info.file_size)
            if verdict is not None:
                return verdict
            if len(head) >= _PROLOG_MAX:
                return False


def _decode_head(data: bytes) -> str:
    """The head of an XML document as text, by its byte-order mark or its first bytes (UTF-8
    and the ASCII-compatible encodings decode 1:1 for the prolog's ASCII grammar)."""
    for marks, encoding, width in ((b"\xff\xfe\x00\x00", "utf-32-le", 4), (b"\x00\x00\xfe\xff", "utf-32-be", 4),
                                   (b"\xff\xfe", "utf-16-le", 2), (b"\xfe\xff", "utf-16-be", 2),
                                   (b"<\x00?\x00", "utf-16-le", 2), (b"\x00<\x00?", "utf-16-be", 2),
                                   (b"\x4c\x6f\xa7\x94", "cp500", 1)):
        if data.startswith(marks):
            return data[: len(data) // width * width].decode(encoding, errors="replace")
    return data.decode("latin-1")


def prolog_is_safe(data: bytes, complete: bool) -> bool | None:
    """True when the XML prolog ends (the root element starts) with no DOCTYPE or other
    declaration in it; False when it holds one; None when more bytes are needed. Data that is
    not XML is left to its parser (True)."""
    text = _decode_head(data).lstrip("\ufeff")
    i = 0
    while True:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        rest = text[i:i + 4]
        if not rest or (not complete and rest in ("<", "<!", "<!-")):
            return True if complete else None
        if rest.startswith(("<?", "<!--")):
            close = "?>" if rest.startswith("<?") else "-->"
            end = text.find(close, i + 2)
            if end < 0:
                return True if complete else None
            i = end + len(close)
        else:
            # <!DOCTYPE …> (with its <!ENTITY …> declarations) is unsafe; the root element
            # starting, or data that is no XML, ends the prolog
            return not rest.startswith("<!")


# --- PDFs ------------------------------------------------------------------------------------


def check_pdf(path: Path, limits: Limits) -> list[tuple[float, float]]:
    """Open a PDF with PDFium (its header, cross-reference and page tree only): FILE_ENCRYPTED
    for a user password, TOO_MANY_PAGES, PAGE_TOO_LARGE for an absurd page. Returns the page
    sizes in points."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    check_file_size(path, limits)
    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise file_encrypted(path, "PDF 文件") from exc
        raise file_damaged(path, "PDF 文件无法解析（PDFium）") from exc
    try:
        count = len(doc)
        if count > limits.pdf_pages:
            raise too_many_pages(path, count, limits.pdf_pages)
        sizes = [doc.get_page_size(i) for i in range(count)]
    finally:
        doc.close()
    for number, (width, height) in enumerate(sizes, start=1):
        if max(width, height) > limits.page_inches * 72:
            raise page_too_large(path, number, width / 72, height / 72)
    return [(float(w), float(h)) for w, h in sizes]


def render_scale(width_pt: float, height_pt: float, dpi: float, limits: Limits) -> float:
    """PDFium's scale for rendering a page at ``dpi``, lowered so that the page stays within
    the pixel budget (a large but plausible page is rendered coarser, not refused)."""
    scale = dpi / 72
    area = max(width_pt * height_pt, 1.0)
    if area * scale * scale > limits.render_pixels:
        scale = math.sqrt(limits.render_pixels / area)
        while math.ceil(width_pt * scale) * math.ceil(height_pt * scale) > limits.render_pixels:
            scale *= 0.999  # PDFium rounds the bitmap's sides up
    return scale


def check_image_pixels(path: Path, width: int, height: int, limits: Limits, page: int | None = None) -> None:
    if width * height > limits.image_pixels:
        raise image_too_large(path, width, height, limits.image_pixels, page)


# --- rosters ---------------------------------------------------------------------------------


def count_lines(path: Path, stop_after: int) -> int:
    """Lines of a text file, counted a megabyte at a time (stops counting past ``stop_after``)."""
    lines = 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            lines += chunk.count(b"\n")
            if lines > stop_after:
                break
    return lines


def check_roster_shape(path: Path, rows: int, columns: int, limits: Limits) -> None:
    if rows > limits.roster_rows:
        raise roster_too_large(path, f"超过 {limits.roster_rows} 行")
    if columns > limits.roster_columns:
        raise roster_too_large(path, f"超过 {limits.roster_columns} 列")
