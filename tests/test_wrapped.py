"""A value that wraps onto the next line keeps every line (free text of PDFs and scans)."""

from __future__ import annotations

from pathlib import Path

from reportlab.pdfgen import canvas

from zhidao.fonts import register_cjk_font
from zhidao.ingest.forms import page_to_items
from zhidao.ingest.layout import Line, Page
from zhidao.model import Location, SourceFile
from zhidao.pipeline.extract import extract

SOURCE = SourceFile(Path("x.pdf"), "x.pdf", "0" * 64, 1)
HEAD = ("指导员：李嘉禾　派出单位：县审计局", "驻企单位：青川县金穗粮油有限公司", "驻企时间：2026年7月3日")
CONTENT = ("工作内容：帮助企业党支部规范“三会一课”记录，督促企业党员按时足额交纳",
           "党费，指导企业建立党员活动室，落实党员联系职工制度，组织", "职工参加技能培训。")
TAIL = ("履行职责：■建好党的组织 □配强组织班子 ■建设党员队伍 □建设职工队伍 □建设活动阵地 □积极探索创新",
        "企业负责人签字：王刚", "报送日期：2026年8月3日")
WHOLE = "".join(line.split("：", 1)[-1] for line in CONTENT)


def _page(lines: tuple[str, ...], gaps: dict[int, float] | None = None, boxes: bool = True) -> Page:
    blocks = []
    top = 100.0
    for i, text in enumerate(lines):
        top += (gaps or {}).get(i, 4.0)
        bbox = (50.0, top, 50.0 + 12 * len(text), top + 12) if boxes else None
        blocks.append(Line(text, Location(1, bbox=bbox, line=f"line {i + 1}")))
        top += 12
    return Page(1, tuple(blocks))


def test_wrapped_content_keeps_every_line() -> None:
    (item,) = page_to_items(_page(HEAD + CONTENT + TAIL), SOURCE, "pdf/1")
    assert item.get("content") == WHOLE
    assert item.get("duties") == ("D1", "D3")
    assert item.get("signed") is True


def test_a_line_far_below_is_not_taken_as_the_rest() -> None:
    page = _page((*HEAD, CONTENT[0], "（本表每月5日前报送）", *TAIL), gaps={4: 60.0})
    (item,) = page_to_items(page, SOURCE, "pdf/1")
    assert item.get("content") == CONTENT[0].split("：", 1)[1]


def test_paragraphs_without_positions_are_not_joined() -> None:
    # Word paragraphs carry no position: a paragraph after a value is not its continuation
    page = _page((*HEAD, CONTENT[0], "（本表每月5日前报送）", *TAIL), boxes=False)
    (item,) = page_to_items(page, SOURCE, "docx/1")
    assert item.get("content") == CONTENT[0].split("：", 1)[1]


def test_wrapped_value_in_a_real_pdf(tmp_path: Path) -> None:
    path = tmp_path / "wrapped.pdf"
    font = register_cjk_font()
    c = canvas.Canvas(str(path))
    c.setFont(font, 11)
    y = 780.0
    for text in (*HEAD, *CONTENT, *TAIL):
        c.drawString(48, y, text)
        y -= 17
    c.save()
    (outcome,) = list(extract([str(path)]))
    (item,) = outcome.items
    assert item.get("content") == WHOLE
    assert item.get("enterprise") == "青川县金穗粮油有限公司"
    assert item.get("visit_date") == "2026-07-03"


def test_each_inline_value_gets_its_own_part_of_the_line() -> None:
    line = "单位：县总工会 驻企时间：2026年7月6日"
    page = Page(1, (Line(line, Location(1, bbox=(0.0, 10.0, float(len(line) * 10), 22.0))),
                    Line("工作内容：座谈。", Location(1, bbox=(0.0, 30.0, 80.0, 42.0))),
                    Line("履行职责：建好党的组织", Location(1, bbox=(0.0, 50.0, 110.0, 62.0)))))
    (item,) = page_to_items(page, SOURCE, "pdf/1")
    unit, date = item.values["unit"].location, item.values["visit_date"].location
    assert unit is not None and date is not None and unit.bbox is not None and date.bbox is not None
    assert unit.bbox == (30.0, 10.0, 70.0, 22.0)  # 县总工会: characters 3..6 of the line
    assert date.bbox[0] == line.index("2026") * 10 and date.bbox[2] == len(line) * 10
