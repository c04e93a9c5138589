"""The typed error hierarchy.

Every error carries a stable ``code`` (outside tools match on it), a message in Chinese for the
office staff who read it, the file it concerns, and a remedy (what the user can do).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(eq=False)
class ZhidaoError(Exception):
    """Base class. ``message`` and ``remedy`` are Chinese, for the user."""

    code: str
    message: str
    path: Path | None = None
    remedy: str = ""
    page: int | None = None

    def __post_init__(self) -> None:
        super().__init__(self.code, self.message)

    def __str__(self) -> str:
        where = f"{self.path}" if self.path else ""
        if self.page is not None:
            where += f" 第{self.page}页"
        text = f"[{self.code}] {where}：{self.message}" if where else f"[{self.code}] {self.message}"
        return f"{text}（{self.remedy}）" if self.remedy else text


class InputError(ZhidaoError):
    """A user file cannot be read or understood. The batch goes on without it."""


class ConfigError(ZhidaoError):
    """A command-line option, rules profile or roster makes the run impossible."""


class LedgerError(ZhidaoError):
    """The ledger database cannot be opened or is inconsistent."""


class OutputError(ZhidaoError):
    """The outputs cannot be written (read-only or full disk, no permission)."""


class InternalError(ZhidaoError):
    """Something unexpected (a bug): the traceback is in run.log, the user gets its path."""


# Stable error codes. Keep them: they appear in jsonl output and in the run manifest.
FILE_EMPTY = "FILE_EMPTY"
FILE_NOT_FOUND = "FILE_NOT_FOUND"
FILE_UNRECOGNISED = "FILE_UNRECOGNISED"
FORMAT_UNSUPPORTED = "FORMAT_UNSUPPORTED"
FILE_DAMAGED = "FILE_DAMAGED"
NO_FORM_FOUND = "NO_FORM_FOUND"
ROSTER_NO_HEADER = "ROSTER_NO_HEADER"
ROSTER_EMPTY = "ROSTER_EMPTY"
BAD_OPTION = "BAD_OPTION"
NEEDS_OCR = "NEEDS_OCR"
REVIEW_SHEET_INVALID = "REVIEW_SHEET_INVALID"
CONVERTER_MISSING = "CONVERTER_MISSING"
# The per-file failure boundary (zhidao.ingest.boundary): whatever happens inside a reader.
READER_FAILED = "READER_FAILED"  # an unexpected exception inside a reader (traceback in run.log)
READER_CRASHED = "READER_CRASHED"  # the worker process reading the file died
FILE_TIMEOUT = "FILE_TIMEOUT"  # reading took longer than the wall-time limit
FILE_TOO_LARGE = "FILE_TOO_LARGE"  # the file, or reading it, needs more memory than allowed
# Limits checked before any work (zhidao.ingest.limits), each with its own code.
ARCHIVE_BOMB = "ARCHIVE_BOMB"  # zip members declaring huge sizes or compression ratios
XML_UNSAFE = "XML_UNSAFE"  # entity declarations / external entities in an Office file's XML
IMAGE_TOO_LARGE = "IMAGE_TOO_LARGE"  # pixel count over the budget, from the header
TOO_MANY_PAGES = "TOO_MANY_PAGES"  # PDF pages or TIFF frames over the limit
PAGE_TOO_LARGE = "PAGE_TOO_LARGE"  # a PDF page whose size is absurd
ROSTER_TOO_LARGE = "ROSTER_TOO_LARGE"  # a roster with more rows or columns than any county has
FILE_ENCRYPTED = "FILE_ENCRYPTED"  # password-protected PDF or Office file
# The inbox walk (zhidao.ingest.inbox): entries that are not read, and why.
LINK_OUTSIDE_INBOX = "LINK_OUTSIDE_INBOX"
LINK_DANGLING = "LINK_DANGLING"
LINK_LOOP = "LINK_LOOP"
NOT_A_REGULAR_FILE = "NOT_A_REGULAR_FILE"  # a folder link, FIFO, socket or device
FILE_UNREADABLE = "FILE_UNREADABLE"  # permission denied and the like
# Whole-run failures.
LEDGER_BUSY = "LEDGER_BUSY"
OUTPUT_UNWRITABLE = "OUTPUT_UNWRITABLE"  # read-only folder, no permission
DISK_FULL = "DISK_FULL"
INTERNAL = "INTERNAL"


def file_empty(path: Path) -> InputError:
    return InputError(FILE_EMPTY, "文件是空的（0 字节）", path, "请向报送人重新索取该文件")


def file_damaged(path: Path, detail: str) -> InputError:
    return InputError(FILE_DAMAGED, f"文件已损坏，无法打开：{detail}", path, "请向报送人重新索取该文件")


def format_unsupported(path: Path, kind: str) -> InputError:
    return InputError(
        FORMAT_UNSUPPORTED,
        f"暂不支持读取此类文件（{kind}）",
        path,
        "请另存为 Word（.docx）、Excel（.xlsx）或 PDF 后重新放入收件目录",
    )


def file_unrecognised(path: Path) -> InputError:
    return InputError(
        FILE_UNRECOGNISED,
        "无法识别文件内容：扩展名与实际内容不符，或文件不是文档/表格/图片",
        path,
        "请用办公软件打开确认；如已损坏请向报送人重新索取",
    )


def no_form_found(path: Path, seen: list[str], page: int | None = None) -> InputError:
    """Only how much text was seen, never the text: a file that is not a form (a phone list,
    an ID register) must not have its contents copied into errors.jsonl, the manifest or the packet."""
    shown = f"文件中识别到 {len(seen)} 段文字，但都不是工作记录表的栏目" if seen else "文件中没有可识别的文字"
    return InputError(
        NO_FORM_FOUND,
        f"没有找到工作记录表的栏目（如 指导员、驻企时间、工作内容）：{shown}（文件内容不在此转录，请打开原文件查看）",
        path,
        "请确认这是《非公企业党建工作指导员工作记录》；如是新的表样，请把栏目名称加入同义词表",
        page,
    )


def roster_no_header(path: Path, sheet: str, seen: list[str]) -> InputError:
    """Only how much was seen, never the cells nor the sheet's name (both are the file's content)."""
    shown = f"查看了表格开头的 {len(seen)} 个格子，都不是名单的栏目" if seen else "表格开头没有内容"
    return InputError(
        ROSTER_NO_HEADER,
        f"找不到名单表头（至少需要 姓名 和 派驻企业 等栏目）：{shown}（文件内容不在此转录，请打开原文件查看）",
        path,
        "请确认这是《非公企业党建工作指导员名单》，表头含 姓名、性别、工作单位、派驻企业 等栏目",
    )


# Limits checked before any work (zhidao.ingest.limits). Messages give sizes and counts only.
_RESEND = "请向报送人重新索取该文件"


def _mib(size: int) -> str:
    return f"{size / (1 << 20):.0f} MB"


def file_too_large(path: Path, size: int, limit: int) -> InputError:
    return InputError(FILE_TOO_LARGE, f"文件过大（{_mib(size)}，上限 {_mib(limit)}），未读取", path,
                      "请确认文件无误；扫描件请用 300 dpi 左右的分辨率重新扫描，或拆成几个文件")


def archive_bomb(path: Path, detail: str) -> InputError:
    return InputError(ARCHIVE_BOMB, f"文件的压缩内容异常（{detail}），为安全起见未解压", path,
                      "请用办公软件打开确认后另存一份，或" + _RESEND)


def xml_unsafe(path: Path) -> InputError:
    return InputError(XML_UNSAFE, "文件内含不安全的 XML 声明（DOCTYPE/实体定义），为安全起见未读取", path,
                      "正常办公软件保存的文件不会这样；请用 Word/WPS/Excel 打开后另存一份，或" + _RESEND)


def image_too_large(path: Path, width: int, height: int, limit: int, page: int | None = None) -> InputError:
    size = f"{width}×{height} 像素，" if width and height else ""
    return InputError(IMAGE_TOO_LARGE, f"图片尺寸过大（{size}上限 {limit // 1_000_000} 百万像素），未解码",
                      path, "请用 300 dpi 左右的分辨率重新扫描或拍照后重新放入收件目录", page)


def too_many_pages(path: Path, count: int, limit: int, unit: str = "页") -> InputError:
    return InputError(TOO_MANY_PAGES, f"文件页数过多（{count} {unit}，上限 {limit} {unit}），未读取", path,
                      "请把文件拆成每月一份后重新放入收件目录")


def page_too_large(path: Path, page: int, width_in: float, height_in: float) -> InputError:
    return InputError(PAGE_TOO_LARGE,
                      f"第{page}页的页面尺寸异常（{width_in:.0f}×{height_in:.0f} 英寸），未读取", path,
                      "请把文件另存或打印为 A4 的 PDF 后重新放入收件目录", page)


def roster_too_large(path: Path, detail: str) -> InputError:
    return InputError(ROSTER_TOO_LARGE, f"名单过大（{detail}），不像指导员名单，未读取", path,
                      "请确认选对了名单文件；名单只需含指导员的各行")


def file_encrypted(path: Path, kind: str) -> InputError:
    return InputError(FILE_ENCRYPTED, f"{kind}设有打开密码，无法读取", path,
                      "请另存一份不加密码的副本后重新放入收件目录")
