"""packet.pdf: the printable meeting packet (ReportLab, A4, CJK font embedded): a cover, the
tables, a bar chart of days per month, and one page per instructor as the outline of their
report at the meeting."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from zhidao.anchor import Anchor
from zhidao.fonts import register_cjk_font

from .inert import pdf_markup, pdf_plain
from .packet_data import MISSING, PENDING, InstructorPage, Packet
from .packet_data import Table as PacketTable

_PALETTE = [colors.HexColor(c) for c in ("#4472C4", "#ED7D31", "#A5A5A5", "#FFC000", "#5B9BD5", "#70AD47")]
_WIDTH = A4[0] - 30 * mm


class _Styles:
    def __init__(self, font: str) -> None:
        self.title = ParagraphStyle("title", fontName=font, fontSize=22, leading=30, alignment=1)
        self.h1 = ParagraphStyle("h1", fontName=font, fontSize=15, leading=22, spaceAfter=6, keepWithNext=1)
        self.h2 = ParagraphStyle("h2", fontName=font, fontSize=12, leading=18, spaceBefore=6, spaceAfter=3,
                                 keepWithNext=1)
        self.body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
        self.cell = ParagraphStyle("cell", fontName=font, fontSize=7.5, leading=10, wordWrap="CJK")
        self.cover = ParagraphStyle("cover", fontName=font, fontSize=13, leading=22, alignment=1)
        self.draft = ParagraphStyle("draft", fontName=font, fontSize=20, leading=30, alignment=1,
                                    textColor=colors.HexColor("#C00000"))
        self.note = ParagraphStyle("note", fontName=font, fontSize=11, leading=18, alignment=1, wordWrap="CJK")


def _para(text: Any, style: ParagraphStyle) -> Paragraph:
    """Every paragraph of the packet: its text escaped, so markup in a form prints literally."""
    return Paragraph(pdf_markup(text), style)


def _cell(value: Any, style: ParagraphStyle, width: float) -> Paragraph | str:
    """A value that fits its column as a plain string (fast, drawn as it is); a longer one as a
    paragraph that wraps inside the cell."""
    text = pdf_plain(value)
    if "\n" not in text and stringWidth(text, style.fontName, style.fontSize) <= width - 6:
        return text
    return _para(text, style)


_CHUNK = 40  # rows per Table: ReportLab re-measures the rest of a table at every page split


def _table(table: PacketTable, st: _Styles, font: str) -> list[Flowable]:
    widths = table.widths or [1] * len(table.header)
    col_widths = [w * _WIDTH / sum(widths) for w in widths]
    header = [_cell(h, st.cell, w) for h, w in zip(table.header, col_widths, strict=True)]
    body = [[_cell(v, st.cell, w) for v, w in zip(row, col_widths, strict=True)] for row in table.rows] or \
        [["（无）"] + [""] * (len(table.header) - 1)]
    out: list[Flowable] = [_para(table.title, st.h1)] if table.title else []
    for start in range(0, len(body), _CHUNK):
        data = [header, *body[start : start + _CHUNK]]
        plain = all(isinstance(c, str) for row in data for c in row)  # no wrapping: fixed heights
        grid = Table(data, colWidths=col_widths, repeatRows=1, rowHeights=[14] * len(data) if plain else None)
        grid.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 7.5),
                                  ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                  ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDE6F0")),
                                  ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        out.append(grid)
    out.append(Spacer(1, 8))
    return out


def _chart(packet: Packet, font: str) -> Drawing:
    rows = packet.days.rows
    drawing = Drawing(_WIDTH, 230)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 50, _WIDTH - 130, 160
    chart.data = [[v if isinstance(v := row[2 + i], int) else 0 for row in rows] for i in range(len(packet.months))]
    chart.categoryAxis.categoryNames = [f"{pdf_plain(r[0])}\n{pdf_plain(r[1])[:6]}" for r in rows]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 6
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = font
    for i in range(len(packet.months)):
        chart.bars[i].fillColor = _PALETTE[i % len(_PALETTE)]
    legend = Legend()
    legend.x, legend.y = _WIDTH - 90, 200
    legend.fontName = font
    legend.colorNamePairs = [(_PALETTE[i % len(_PALETTE)], f"{int(m[5:])}月") for i, m in enumerate(packet.months)]
    drawing.add(chart)
    drawing.add(legend)
    drawing.add(String(30, 218, pdf_plain(f"各指导员每月驻企天数（每月不少于 {packet.days_min} 天）"), fontName=font,
                       fontSize=10))
    return drawing


def _instructor(page: InstructorPage, packet: Packet, st: _Styles, font: str) -> list[Flowable]:
    out: list[Flowable] = [PageBreak(), _para(f"{page.name}　工作汇报提纲", st.h1),
                           _para(f"派出单位：{page.unit}　　派驻企业：{'、'.join(page.enterprises)}", st.body),
                           _para("一、每月驻企天数", st.h2)]
    header = ["派驻企业", *[f"{int(m[5:])}月" for m in packet.months]]
    rows = [[e, *[next(v for ee, mm_, v in page.days if ee == e and mm_ == m) for m in packet.months]]
            for e in page.enterprises]
    out += _table(PacketTable("", header, rows, [40, *[10] * len(packet.months)]), st, font)
    if any(v == MISSING for _, _, v in page.days):
        out.append(_para(f"注：“{MISSING}”表示该月没有收到任何工作记录。", st.body))
    if any(v == PENDING for _, _, v in page.days):
        out.append(_para(f"注：“{PENDING}”表示收到了该月的工作记录，但其日期尚未经人核对，天数暂不计入。", st.body))
    out.append(_para("二、履行的职责", st.h2))
    out.append(_para("、".join(page.duties) or "本期记录中未涉及", st.body))
    out.append(_para("三、企业存在的问题", st.h2))
    out += [_para(f"{i}. {p}", st.body) for i, p in enumerate(page.problems, start=1)] or \
        [_para("记录中未反映问题", st.body)]
    out.append(_para("四、需要说明的核查发现", st.h2))
    out += [_para(f"{i}. {f}", st.body) for i, f in enumerate(page.findings, start=1)] or \
        [_para("无", st.body)]
    return out


def _footer(anchor: Anchor | None, draft: str, font: str) -> Callable[[Canvas, Any], None]:
    """Every page: the chain head the packet is issued on, small and grey below the frame; a
    draft's mark in red above the frame and in the footer."""
    text = pdf_plain(anchor.footer()) if anchor is not None else ""
    mark = pdf_plain(draft)

    def draw(canvas: Canvas, _doc: Any) -> None:
        canvas.saveState()
        if text:
            canvas.setFont(font, 6.5)
            canvas.setFillColor(colors.grey)
            canvas.drawString(15 * mm, 8 * mm, text)
        if mark:
            canvas.setFillColor(colors.HexColor("#C00000"))
            canvas.setFont(font, 9)
            canvas.drawRightString(A4[0] - 15 * mm, A4[1] - 10 * mm, mark)
            canvas.drawRightString(A4[0] - 15 * mm, 11.5 * mm if text else 8 * mm, mark)
        canvas.restoreState()

    return draw


def write_packet_pdf(path: Path, packet: Packet) -> Path:
    font = register_cjk_font()
    st = _Styles(font)
    story: list[Flowable] = [
        Spacer(1, 60 * mm), _para(f"{packet.county}非公企业党建工作指导员", st.title),
        _para(f"{packet.period_label}工作交流会材料", st.title), Spacer(1, 30 * mm),
        *([_para(packet.draft, st.draft),
           _para("材料中标“待核对”“已报送·待核对”的内容依据尚未经人核对的识别结果；"
                 "核对后（zhidao review export / apply）重新运行即可生成定稿。", st.note), Spacer(1, 10 * mm)]
          if packet.draft else []),
        _para(f"制作日期：{packet.made}", st.cover), PageBreak(),
    ]
    story += _table(packet.overview, st, font)
    story += _table(packet.days, st, font)
    story += [_chart(packet, font), PageBreak()]
    for table in (packet.submissions, packet.duties, *(packet.half_year or ()), packet.findings, packet.problems,
                  packet.sign_in):
        story += _table(table, st, font)
    for page in packet.instructors:
        story += _instructor(page, packet, st, font)
    title = pdf_plain(f"{packet.county}{packet.period_label}工作交流会材料")
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=title, author="zhidao",
                            keywords=packet.anchor.text() if packet.anchor else "")
    if packet.anchor is None and not packet.draft:
        doc.build(story)
    else:
        footer = _footer(packet.anchor, packet.draft, font)
        doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return path
