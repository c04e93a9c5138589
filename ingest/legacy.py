"""Old Word documents (.doc, and WPS .wps saved in the same OLE format): converted to .docx
by LibreOffice headless when it is installed, then read by the .docx reader.

``ZHIDAO_SOFFICE`` names the LibreOffice binary (default: ``soffice`` on the PATH).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from zhidao.errors import CONVERTER_MISSING, InputError, file_damaged, no_form_found
from zhidao.model import Item, ReadOptions, SourceFile

from .docx import docx_to_page
from .forms import page_to_items, seen_labels
from .limits import check_file_size
from .sniff import SUFFIXES

EXTRACTOR = "doc-libreoffice/1"
TIMEOUT_S = 180


def soffice() -> str | None:
    configured = os.environ.get("ZHIDAO_SOFFICE")
    if configured is not None:
        return configured if Path(configured).is_file() else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(path: Path, fmt: str, workdir: Path, suffix: str | None = None) -> Path:
    """Convert ``path`` with LibreOffice into ``workdir``; returns the converted file. The copy
    LibreOffice opens is named with ``suffix`` (the sniffed medium's, so that a .doc named
    .docx is opened as what it is), by default the file's own."""
    binary = soffice()
    if binary is None:
        raise InputError(CONVERTER_MISSING, "读取旧版 Word 文件（.doc/.wps）需要 LibreOffice，本机未安装", path,
                         "请安装 LibreOffice（Debian：apt-get install libreoffice-writer-nogui），"
                         "或用 Word/WPS 把文件另存为 .docx")
    src = workdir / f"input{suffix or path.suffix.lower() or '.doc'}"
    shutil.copyfile(path, src)
    profile = workdir / "profile"
    cmd = [binary, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           "--convert-to", fmt, "--outdir", str(workdir), str(src)]
    try:
        subprocess.run(cmd, check=True, capture_output=True, timeout=TIMEOUT_S)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        raise file_damaged(path, f"LibreOffice 转换失败（{type(exc).__name__}）") from exc
    out = workdir / f"input.{fmt}"
    if not out.is_file():
        raise file_damaged(path, "LibreOffice 无法转换该文件")
    return out


def read(path: Path, source: SourceFile, options: ReadOptions) -> list[Item]:
    check_file_size(path, options.limits)
    with tempfile.TemporaryDirectory(prefix="zhidao-doc-") as tmp:
        page = docx_to_page(convert(path, "docx", Path(tmp), SUFFIXES["doc"]), options.limits)
    items = page_to_items(page, source, EXTRACTOR)
    if not items:
        raise no_form_found(path, seen_labels(page))
    return items
