"""Reading back the ledger anchors a packet or an audit bundle carries (for `zhidao audit verify
--anchor FILE`): packet.pdf (its keywords, else the footer printed on its pages), packet.xlsx
(the ``zhidao_anchor`` document property, else the 数据来源 sheet) or the audit bundle's
anchor.json. Recognised by content, whatever the file's name."""

from __future__ import annotations

import zipfile
from pathlib import Path

from zhidao.anchor import PROPERTY, Anchor, find_anchors
from zhidao.errors import FILE_DAMAGED, FILE_NOT_FOUND, InputError, file_unrecognised

ANCHOR_NOT_FOUND = "ANCHOR_NOT_FOUND"
BUNDLE_MEMBER = "anchor.json"
_MAX_MEMBER = 1 << 20  # anchor.json is a few hundred bytes
_PAGES = 3  # the footer is on every page: the first ones suffice


def _damaged(path: Path, detail: str) -> InputError:
    return InputError(FILE_DAMAGED, f"文件已损坏，无法从中读出台账锚点：{detail}", path,
                      "请使用 zhidao 生成的 packet.pdf / packet.xlsx 或导出的材料包原件，或直接给出页脚印的哈希")


def _pdf_text(path: Path) -> str:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        meta = pdf.metadata or {}
        keywords = str(meta.get("Keywords") or "")
        if find_anchors(keywords):
            return keywords
        return "\n".join(page.extract_text() or "" for page in pdf.pages[:_PAGES])


def _xlsx_text(path: Path) -> str:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        props = [str(p.value) for p in wb.custom_doc_props.props if p.name == PROPERTY]
        if props and find_anchors(props[0]):
            return props[0]
        sheet = "数据来源" if "数据来源" in wb.sheetnames else None
        if sheet is None:
            return ""
        return "\n".join(str(v) for row in wb[sheet].iter_rows(values_only=True) for v in row if isinstance(v, str))
    finally:
        wb.close()


def _bundle_text(zf: zipfile.ZipFile, path: Path) -> str:
    info = zf.getinfo(BUNDLE_MEMBER)
    if info.file_size > _MAX_MEMBER:
        raise _damaged(path, "anchor.json 大小异常")
    return zf.read(info).decode("utf-8", errors="replace")


def _text_of(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"%PDF"):
        return _pdf_text(path)
    if head.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if BUNDLE_MEMBER in names:
                return _bundle_text(zf, path)
        if "xl/workbook.xml" in names:
            return _xlsx_text(path)
    raise file_unrecognised(path)


def read_anchors(path: Path) -> list[Anchor]:
    """The anchors ``path`` carries (a bundle: the run's and the chain head at export)."""
    if not path.is_file():
        raise InputError(FILE_NOT_FOUND, "找不到文件", path, "--anchor 应为 packet.pdf、packet.xlsx 或督查材料包的路径")
    try:
        found = find_anchors(_text_of(path))
    except InputError:
        raise
    except Exception as exc:  # whatever a decoding library raises on a damaged file
        raise _damaged(path, type(exc).__name__) from exc
    if not found:
        raise InputError(ANCHOR_NOT_FOUND, "文件中没有台账锚点", path,
                         "请使用 zhidao run 生成的 packet.pdf / packet.xlsx 或 zhidao audit export 导出的材料包，"
                         "或直接给出材料页脚印的哈希")
    return found
