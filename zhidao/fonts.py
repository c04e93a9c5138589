"""Find a CJK TrueType font to embed in the PDFs zhidao writes (packet, test fixtures).

ReportLab embeds TrueType outlines only, so CFF-based OpenType fonts (Noto CJK .otf/.ttc) do
not qualify; WenQuanYi Zen Hei (Debian: fonts-wqy-zenhei) does, and scripts/install.sh
installs it. ``ZHIDAO_CJK_FONT`` overrides the search.
"""

from __future__ import annotations

import os
from pathlib import Path

from zhidao.errors import ConfigError

CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
FONT_NAME = "ZhidaoCJK"


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
