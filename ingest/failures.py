"""What an exception that escaped a reader says about the file.

Decoding libraries answer a damaged file with whatever their code happens to raise (zlib.error
from a torn zip member, xlrd's CompDocError, a KeyError deep in Pillow's TIFF decoder). An
exception raised inside one of them while it decodes the user's file is the file's damage:
FILE_DAMAGED. One raised in our own code is a bug: READER_FAILED. Either way the traceback goes
to the log; the clerk sees one Chinese line.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

from zhidao.errors import FILE_DAMAGED, READER_FAILED
from zhidao.model import ErrorInfo

# Top-level modules whose exceptions, raised from their own code, mean "this file is damaged".
DECODERS = frozenset({
    "zipfile", "zlib", "gzip", "lzma", "bz2", "struct", "xml", "lxml", "defusedxml", "docx", "openpyxl",
    "et_xmlfile", "xlrd", "olefile", "PIL", "cv2", "pdfminer", "pdfplumber", "pypdfium2", "pypdfium2_raw",
    "charset_normalizer", "csv", "codecs", "encodings", "tifffile",
})
# Exception types that mean damage wherever they come from.
DAMAGE_TYPES = ("BadZipFile", "error", "CompDocError", "XLRDError", "UnidentifiedImageError", "XMLSyntaxError",
                "ParseError", "PDFSyntaxError", "PSEOF", "PdfiumError", "DecompressionBombError", "EOFError",
                "UnicodeDecodeError")


def _ours() -> tuple[Path, ...]:
    """The folders of zhidao's own packages (in a source checkout they are separate folders)."""
    names = ("zhidao", "zhidao.ingest", "zhidao.validate", "zhidao.reports", "zhidao.pipeline", "zhidao.fixtures")
    files = (getattr(sys.modules.get(name), "__file__", None) for name in names)
    return tuple(Path(f).resolve().parent for f in files if f)


def _origin(exc: BaseException) -> str:
    """The top-level module of the innermost frame that raised: 'zhidao' for our own code."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    where = Path(frames[-1].filename).resolve()
    if any(folder in where.parents for folder in _ours()):
        return "zhidao"
    parts = where.parts
    if "site-packages" in parts:
        rest = parts[parts.index("site-packages") + 1:]
        return rest[0].removesuffix(".py") if rest else ""
    return where.stem  # the standard library: zipfile.py → zipfile


def is_damage(exc: BaseException) -> bool:
    return type(exc).__name__ in DAMAGE_TYPES or _origin(exc) in DECODERS


def exception_to_error(exc: BaseException, medium_name: str) -> ErrorInfo:
    """The outcome of a file whose reader raised ``exc`` (not one of our typed errors)."""
    if is_damage(exc):
        return ErrorInfo(FILE_DAMAGED, f"文件已损坏，无法完整读取（{medium_name}，内部结构有误）",
                         "请用办公软件打开确认；如已损坏请向报送人重新索取该文件")
    return ErrorInfo(READER_FAILED, f"读取时出现意外错误（{medium_name}），已跳过该文件",
                     "请确认文件能用办公软件正常打开；详细信息已写入 run.log")


def traceback_without_text(exc: BaseException) -> str:
    """The traceback for the log, without the exception's message (a library may quote the
    file's content there: a cell's value, a line of text)."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    return f"Traceback (most recent call last):\n{frames}{type(exc).__module__}.{type(exc).__qualname__}"
