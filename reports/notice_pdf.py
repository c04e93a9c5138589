"""notice.pdf: the monthly notice (月度通报) as a printable A4 document in the 公文 manner: the
title, the notice's paragraphs, the issuing unit and date, then the lists, each row naming the
file it rests on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from zhidao.dates import date_zh
from zhidao.fonts import register_cjk_font

from .inert import pdf_markup, pdf_plain
from .notice_data import Notice
from .packet_data import Table as NoticeTable

_WIDTH = A4[0] - 40 * mm


def _styles(font: str) -> dict[str, ParagraphStyle]:
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=18, leading=28, alignment=1, spaceAfter=10),
        "draft": ParagraphStyle("draft", fontName=font, fontSize=14, leading=22, alignment=1,
                                textColor=colors.HexColor("#C00000")),
        "body": ParagraphStyle("body", fontName=font, fontSize=12, leading=22, firstLineIndent=24, wordWrap="CJK"),
        "sign": ParagraphStyle("sign", fontName=font, fontSize=12, leading=22, alignment=2),
        "h1": ParagraphStyle("h1", fontName=font, fontSize=13, leading=20, spaceBefore=8, spaceAfter=4,
                             keepWithNext=1),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=8, leading=11, wordWrap="CJK"),
    }


def _cell(value: Any, style: ParagraphStyle, width: float) -> Paragraph | str:
    text = pdf_plain(value)
    if "\n" not in text and stringWidth(text, style.fontName, style.fontSize) <= width - 6:
        return text
    return Paragraph(pdf_markup(text), style)


def _table(table: NoticeTable, st: dict[str, ParagraphStyle], font: str) -> list[Flowable]:
    widths = [w * _WIDTH / sum(table.widths) for w in table.widths]
    body = [[_cell(v, st["cell"], w) for v, w in zip(row, widths, strict=True)] for row in table.rows] or \
        [["（无）"] + [""] * (len(table.header) - 1)]
    grid = Table([[_cell(h, st["cell"], w) for h, w in zip(table.header, widths, strict=True)], *body],
                 colWidths=widths, repeatRows=1)
    grid.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 8),
                              ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                              ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDE6F0")),
                              ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return [Paragraph(pdf_markup(table.title), st["h1"]), grid, Spacer(1, 6)]


def write_notice_pdf(path: Path, notice: Notice) -> Path:
    font = register_cjk_font()
    st = _styles(font)
    story: list[Flowable] = [Paragraph(pdf_markup(notice.draft), st["draft"])] if notice.draft else []
    story.append(Paragraph("<br/>".join(pdf_markup(part) for part in notice.title.split("\n")), st["title"]))
    story += [Paragraph(pdf_markup(p), st["body"]) for p in notice.summary]
    story += [Spacer(1, 8), *([Paragraph(pdf_markup(notice.issuer), st["sign"])] if notice.issuer else []),
              Paragraph(pdf_markup(date_zh(notice.made)), st["sign"]), Spacer(1, 10)]
    for table in notice.sections:
        story += _table(table, st, font)
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                            bottomMargin=20 * mm, title=pdf_plain(notice.title.replace("\n", "")), author="zhidao",
                            keywords=notice.anchor.text() if notice.anchor else "")
    doc.build(story)
    return path
