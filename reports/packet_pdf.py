"""packet.pdf: the printable meeting packet (ReportLab, A4, CJK fonts embedded) as a meeting
material: a 公文-style cover, a contents page, the tables, a bar chart of days per month, the
sign-in sheet, and one page per instructor as the outline of their report at the meeting. The
frame (cover, contents, header, "第 N 页 共 M 页" footer) is reports/pdf_layout.py."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Group, Line, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Spacer

from zhidao.dates import date_zh
from zhidao.names import enterprise_core

from .inert import pdf_plain
from .packet_data import MISSING, NOT_DUE, PENDING, InstructorPage, Packet, month_label
from .packet_data import Table as PacketTable
from .pdf_layout import (
    FRAME_HEIGHT,
    RED,
    TEXT_WIDTH,
    Chart,
    Cover,
    Running,
    Section,
    Styles,
    build_pdf,
    data_table,
    fonts,
)
from .pdf_layout import para as _para

_PALETTE = [colors.HexColor(c) for c in ("#4472C4", "#ED7D31", "#A5A5A5", "#FFC000", "#5B9BD5", "#70AD47")]
_SIGN_ROW = 13 * mm  # a sign-in row: room to sign by hand
_SIGN_COLUMN = 45 * mm
_NOT_A_BAR = {MISSING: MISSING, PENDING: "待核对", NOT_DUE: "未到期"}  # a day cell drawn as a note, not a bar
_LABEL_CHARS = 14
_GAP = 8  # between two rows' groups of bars


def _toc_name(title: str, meeting: str) -> str:
    """A table's contents entry: its title without the meeting's name and the note in brackets
    ('…交流会材料 · 概览' → 概览, '驻企天数（每月不少于 4 天…）' → 驻企天数)."""
    short = title.removeprefix(meeting).removeprefix("材料").split("（")[0]
    return short.split(" · ")[-1].strip() or title


def _table_section(table: PacketTable, meeting: str, st: Styles, **kwargs: Any) -> Section:
    return Section(table.title, [data_table(table.header, table.rows, table.widths, st), Spacer(1, 8)],
                   toc=_toc_name(table.title, meeting), **kwargs)


def _chart_label(name: Any, enterprise: Any) -> str:
    label = f"{pdf_plain(name)}·{enterprise_core(pdf_plain(enterprise))}"
    return label if len(label) <= _LABEL_CHARS else label[: _LABEL_CHARS - 1] + "…"


def _charts(packet: Packet, st: Styles) -> list[Flowable]:
    """Days per month as horizontal bars, one row per instructor and enterprise (so the labels
    never overlap), the months as the legend, the minimum as a red dashed line; a month with
    no count (未报送, 待核对, 未到期) is a note where its bar would be. Many rows: one drawing
    a page."""
    font, n = st.fonts.serif, len(packet.months)
    rows = packet.days.rows
    bar = 6.0 if n <= 3 else 4.0
    band = n * bar + _GAP  # one row's height
    per_page = max(1, int((FRAME_HEIGHT - 120) // band))
    label_w = max([stringWidth(_chart_label(r[0], r[1]), font, 7) for r in rows] or [40]) + 8
    top = max([v for r in rows for v in r[2 : 2 + n] if isinstance(v, int)] + [packet.days_min])
    vmax = max(5, top + 1)
    step = 1 if vmax <= 12 else math.ceil(vmax / 10)
    vmax = math.ceil(vmax / step) * step
    out: list[Flowable] = []
    for start in range(0, max(len(rows), 1), per_page):
        chunk = rows[start : start + per_page]
        if start:
            out.append(_para(f"各指导员每月驻企天数（续，第 {start + 1}–{start + len(chunk)} 行）", st.h2))
        out.append(_chart(chunk, packet, font, label_w, bar, vmax, step))
    return out


class _Bars(HorizontalBarChart):  # type: ignore[misc]
    """The bar chart, its bar labels (each bar's count at its end) made as ReportLab's Label
    draws a plain one-line label, without a Label widget per bar: the same drawing, in a fraction
    of the time (a packet has a label for every instructor-month). Any other label: ReportLab's."""

    _label: Any = None

    def _addBarLabel(self, g: Group, rowNo: int, colNo: int, x: float, y: float, width: float,
                     height: float) -> None:
        text = self._getLabelText(rowNo, colNo)
        if not text:
            return
        if self._label is None:  # the chart sets its bar labels for all bars alike: one stands for all
            self._label = self.barLabels[(rowNo, colNo)]
        label = self._label
        y0, x0, pm = self._labelXY(label, y, x, height, width)  # as BarChart._addLabel, bars across
        if pm < 0 or "\n" in text or not _plain(label):
            super()._addBarLabel(g, rowNo, colNo, x, y, width, height)
            return
        # as Label.computeSize and _rawDraw: one line, its box anchored west
        font, size, anchor, pad = label.fontName, label.fontSize, label.textAnchor, label.leftPadding
        leading = label.leading or size * 1.2
        box = pad + label.rightPadding
        box += stringWidth(text, font, size)
        inner = box - pad - label.rightPadding
        at = pad if anchor == "start" else pad + inner * 0.5 if anchor == "middle" else pad + inner
        node = Group()
        node.translate(x0 + label.dx, y0 + label.dy)
        node.rotate(label.angle)
        s = String(at, 0.5 * leading - leading * (1 / 1.2), text, _svgAttrs={})
        s.textAnchor, s.fontName, s.fontSize, s.fillColor = anchor, font, size, label.fillColor
        node.add(s)
        g.add(node)


def _plain(label: Any) -> bool:
    """A bar label as _Bars draws it: one line anchored west, no box, no line, no extras."""
    return (label.visible and label.boxAnchor == "w" and label.textAnchor in ("start", "middle", "end")
            and not label.useAscentDescent
            and not (label.boxFillColor or (label.boxStrokeColor and label.boxStrokeWidth) or label.strokeColor)
            and not (label.topPadding or label.bottomPadding)
            and label.width is None and label.height is None and label.maxWidth is None
            and getattr(label, "ddfKlass", None) is None and getattr(label, "customDrawChanger", None) is None
            and label.fixedEnd is None and label.fixedStart is None
            and not (label.lineStrokeColor and label.lineStrokeWidth)
            and getattr(label, "_svgAttrs", None) is None and getattr(label, "boxTarget", "normal") == "normal")


def _chart(rows: Sequence[list[Any]], packet: Packet, font: str, label_w: float, bar: float, vmax: int,
           step: int) -> Chart:
    n = len(packet.months)
    band = n * bar + _GAP
    plot_h = max(len(rows), 1) * band
    drawing = Chart(TEXT_WIDTH, plot_h + 62, initialFontName=font)
    chart = _Bars()
    chart.x, chart.y, chart.width, chart.height = label_w, 22, TEXT_WIDTH - label_w - 30, plot_h
    # the series bottom-up within a row: the last month first, so the first month is on top
    chart.data = [[v if isinstance(v := r[2 + i], int) else None for r in rows] or [None] for i in reversed(range(n))]
    chart.categoryAxis.categoryNames = [_chart_label(r[0], r[1]) for r in rows] or [""]
    chart.categoryAxis.reverseDirection = 1  # the first row on top, as in the table
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -3
    chart.categoryAxis.tickLeft = 0
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, vmax, step
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.gridStrokeColor = colors.HexColor("#D9D9D9")
    chart.valueAxis.gridStrokeWidth = 0.4
    chart.groupSpacing, chart.barSpacing, chart.barWidth = _GAP, 0, bar
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 6
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 2
    for i in range(n):
        chart.bars[n - 1 - i].fillColor = _PALETTE[i % len(_PALETTE)]
        chart.bars[n - 1 - i].strokeColor = None
    drawing.add(chart)
    x_min = chart.x + packet.days_min / vmax * chart.width
    drawing.add(Line(x_min, chart.y, x_min, chart.y + plot_h + 4, strokeColor=RED, strokeWidth=1,
                     strokeDashArray=[4, 3]))
    drawing.add(String(x_min, chart.y + plot_h + 7, f"最低 {packet.days_min} 天", fontName=font, fontSize=7.5,
                       fillColor=RED, textAnchor="middle"))
    drawing.add(String(chart.x + chart.width + 4, chart.y - 13, "（天）", fontName=font, fontSize=7,
                       textAnchor="start"))
    for j, row in enumerate(rows):
        x, after = chart.x + 3, -2
        for first, last, value in _runs(row[2 : 2 + n]):  # months in a row with the same note: one note
            y = chart.y + plot_h - j * band - _GAP / 2 - (first + last + 1) / 2 * bar  # where their bars would be
            size = min(6.5, max(4.5, (last - first + 1) * bar + 1.5))
            months = month_label(packet.months[first]) if first == last else \
                f"{month_label(packet.months[first])[:-1]}–{month_label(packet.months[last])}"
            text = f"{months}：{_NOT_A_BAR.get(value, value)}"
            x = x if first == after + 1 else chart.x + 3  # next to the note just above, not over it
            drawing.add(String(x, y - size * 0.35, text, fontName=font, fontSize=size,
                               fillColor=RED if value == MISSING else colors.grey))
            x, after = x + stringWidth(text, font, size) + 6, last
    legend = Legend()
    legend.x, legend.y = chart.x + chart.width, plot_h + 56
    legend.alignment, legend.columnMaximum, legend.deltax = "right", 1, 40
    legend.fontName, legend.fontSize = font, 7.5
    legend.dx, legend.dy, legend.boxAnchor = 7, 7, "ne"
    legend.colorNamePairs = [(_PALETTE[i % len(_PALETTE)], month_label(m)) for i, m in enumerate(packet.months)]
    drawing.add(legend)
    return drawing


def _runs(cells: Sequence[Any]) -> list[tuple[int, int, Any]]:
    """Runs of consecutive cells holding the same note (not a count): (first, last, note)."""
    runs: list[tuple[int, int, Any]] = []
    for i, value in enumerate(cells):
        if isinstance(value, int):
            continue
        if runs and runs[-1][1] == i - 1 and runs[-1][2] == value:
            runs[-1] = (runs[-1][0], i, value)
        else:
            runs.append((i, i, value))
    return runs


def _instructor(page: InstructorPage, packet: Packet, st: Styles, first: bool) -> Section:
    out: list[Flowable] = [_para(f"派出单位：{page.unit}　　派驻企业：{'、'.join(page.enterprises)}", st.body),
                           _para("一、每月驻企天数", st.h2)]
    header = ["派驻企业", *[month_label(m) for m in packet.months]]
    rows = [[e, *[next(v for ee, mm_, v in page.days if ee == e and mm_ == m) for m in packet.months]]
            for e in page.enterprises]
    out += [data_table(header, rows, [40, *[10] * len(packet.months)], st), Spacer(1, 4)]
    if any(v == MISSING for _, _, v in page.days):
        out.append(_para(f"注：“{MISSING}”表示该月没有收到任何工作记录。", st.small))
    if any(v == PENDING for _, _, v in page.days):
        out.append(_para(f"注：“{PENDING}”表示收到了该月的工作记录，但其日期尚未经人核对，天数暂不计入。", st.small))
    out.append(_para("二、履行的职责", st.h2))
    out.append(_para("、".join(page.duties) or "本期记录中未涉及", st.body))
    out.append(_para("三、企业存在的问题", st.h2))
    out += [_para(f"{i}. {p}", st.body) for i, p in enumerate(page.problems, start=1)] or \
        [_para("记录中未反映问题", st.body)]
    out.append(_para("四、需要说明的核查发现", st.h2))
    out += [_para(f"{i}. {f}", st.body) for i, f in enumerate(page.findings, start=1)] or \
        [_para("无", st.body)]
    return Section(f"{page.name}　工作汇报提纲", out, level=1, new_page=True,
                   group="各指导员工作汇报提纲" if first else "")


def _sign_in(table: PacketTable, st: Styles) -> Section:
    """The sign-in sheet on its own pages: rows high enough to sign in, a wide 签到 column."""
    grid = data_table(table.header, table.rows, table.widths, st, min_row=_SIGN_ROW,
                      min_widths={len(table.header) - 1: _SIGN_COLUMN})
    when = _para("会议时间：　　　　年　　月　　日　　　　会议地点：", st.body)
    return Section(table.title, [when, Spacer(1, 4), grid], toc="签到表", new_page=True)


def write_packet_pdf(path: Path, packet: Packet) -> Path:
    st = Styles(fonts())
    meeting = packet.meeting
    sections = [_table_section(packet.overview, meeting, st), _table_section(packet.days, meeting, st),
                Section(f"各指导员每月驻企天数（每月不少于 {packet.days_min} 天）", _charts(packet, st),
                        toc="各指导员每月驻企天数")]
    for table in (packet.submissions, packet.duties, *(packet.half_year or ()), packet.findings, packet.problems):
        sections.append(_table_section(table, meeting, st))
    sections.append(_sign_in(packet.sign_in, st))
    sections += [_instructor(page, packet, st, i == 0) for i, page in enumerate(packet.instructors)]
    note = ("材料中标“待核对”“已报送·待核对”的内容依据尚未经人核对的识别结果；"
            "核对后（zhidao review export / apply）重新运行即可生成定稿。") if packet.draft else ""
    cover = Cover(title=packet.title, issuer=packet.issuer, date=date_zh(packet.made), mark=packet.draft, note=note)
    running = Running(header=meeting, footer=packet.issuer or packet.title,
                      small_print=packet.anchor.footer() if packet.anchor else "", mark=packet.draft)
    return build_pdf(path, cover=cover, sections=sections, running=running, title=packet.title, styles=st,
                     keywords=packet.anchor.text() if packet.anchor else "")
