"""Find CJK TrueType fonts to embed in the PDFs zhidao writes (packet, test fixtures).

ReportLab embeds TrueType outlines only, so CFF-based OpenType fonts (Noto CJK .otf/.ttc) do
not qualify. Two faces:

* the sans (黑体 style) — WenQuanYi Zen Hei (Debian: fonts-wqy-zenhei): headings, and every
  caller of :func:`register_cjk_font`; ``ZHIDAO_CJK_FONT`` overrides the search.
* the serif (宋/明 style) — AR PL UMing (Debian: fonts-arphic-uming), the CN face of its
  TrueType collection: body text and tables of printed materials (:func:`register_serif_font`);
  ``ZHIDAO_CJK_SERIF_FONT`` overrides the search; without a serif the sans is used.

scripts/install.sh installs both.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from zhidao.errors import ConfigError

if TYPE_CHECKING:
    from reportlab.pdfbase.ttfonts import TTFont

CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
FONT_NAME = "ZhidaoCJK"

SERIF_CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf",
)
SERIF_FONT_NAME = "ZhidaoCJKSerif"
_SERIF_FACE = b"CN"  # in a collection (uming.ttc: CN, HK, TW, TW MBE) the face with the mainland glyph forms
_MAX_FACES = 8


def cjk_font_path() -> Path:
    override = os.environ.get("ZHIDAO_CJK_FONT")
    for candidate in ([override] if override else []) + list(CANDIDATES):
        if Path(candidate).is_file():
            return Path(candidate)
    raise ConfigError("FONT_MISSING", "找不到可嵌入 PDF 的中文字体", None,
                      "请安装 fonts-wqy-zenhei（apt-get install fonts-wqy-zenhei），或设置 ZHIDAO_CJK_FONT")


def register_cjk_font() -> str:
    """Register the CJK font with ReportLab (once) and return its name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(cjk_font_path()), subfontIndex=0))
    return FONT_NAME


def serif_font_path() -> Path | None:
    """The serif CJK font file, or None when none is installed."""
    override = os.environ.get("ZHIDAO_CJK_SERIF_FONT")
    for candidate in ([override] if override else []) + list(SERIF_CANDIDATES):
        if Path(candidate).is_file():
            return Path(candidate)
    return None


def _serif_face(path: Path) -> TTFont:
    """The font of ``path``; of a TrueType collection, the first face named …CN (else the first)."""
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    if path.suffix.lower() != ".ttc":
        return TTFont(SERIF_FONT_NAME, str(path))
    first: TTFont | None = None
    for index in range(_MAX_FACES):
        try:
            font = TTFont(SERIF_FONT_NAME, str(path), subfontIndex=index)
        except TTFError:
            break
        if _SERIF_FACE in font.face.name:
            return font
        first = first or font
    if first is None:
        raise TTFError(f"{path}: no TrueType face")
    return first


def register_serif_font() -> str:
    """Register the serif CJK font with ReportLab (once) and return its name; the sans
    (:func:`register_cjk_font`) when no serif is installed or it cannot be read."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError

    if SERIF_FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return SERIF_FONT_NAME
    path = serif_font_path()
    if path is None:
        return register_cjk_font()
    try:
        font = _serif_face(path)
    except (TTFError, OSError):
        return register_cjk_font()
    pdfmetrics.registerFont(font)
    return SERIF_FONT_NAME
