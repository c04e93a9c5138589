"""packet.pdf as a meeting material: a cover (meeting, issuer, date in Chinese), a contents page
whose page numbers are the pages the sections start on, "第 N 页 共 M 页" on every page after
the cover, a sign-in sheet to sign on, embedded fonts, dates never broken across lines."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest

from zhidao.context import Quarter
from zhidao.dates import date_zh, today_in_china
from zhidao.fixtures.demo import DemoPaths
from zhidao.reports.packet_data import Packet, Table
from zhidao.reports.packet_pdf import write_packet_pdf

# The demo run as `python -m zhidao.cli demo` does it, keeping the Packet it writes (for the
# tests that write a changed one): one run gives both.
_DEMO_KEEPING_THE_PACKET = """
import pickle, sys
import zhidao.reports.stage as stage
from zhidao.cli import main

write = stage.write_packet_pdf

def keep(path, packet):
    with open(sys.argv[1], "wb") as fh:
        pickle.dump(packet, fh)
    return write(path, packet)

stage.write_packet_pdf = keep
main(["demo", "--out", sys.argv[2]])
"""
_PT_PER_MM = 72 / 25.4


@dataclasses.dataclass(frozen=True)
class Demo:
    out: Path
    packet: Packet


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    tmp = tmp_path_factory.mktemp("packet_pdf")
    kept = tmp / "packet.pickle"
    subprocess.run([sys.executable, "-c", _DEMO_KEEPING_THE_PACKET, str(kept), str(tmp / "out")], check=True,
                   capture_output=True)
    with kept.open("rb") as fh:
        packet = pickle.load(fh)
    return Demo(tmp / "out", packet)


@pytest.fixture(scope="module")
def pdf(demo_run: Demo) -> Path:
    return demo_run.out / "packet.pdf"


def _pages(path: Path) -> list[str]:
    """pdftotext's text of each page (ideographic spaces as spaces)."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return [page.replace("\u3000", " ") for page in text.split("\f")[:-1]]


def _page_count(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _contents(page: str) -> list[tuple[str, int]]:
    """The contents page's entries: (title, page number) from 'title . . . . 12'."""
    return [(re.sub(r"\s+", " ", title), int(number))
            for title, number in re.findall(r"^\s*(\S.*?)\s*(?:\.\s*){3,}(\d+)\s*$", page, re.M)]


def test_every_page_after_the_cover_is_numbered_of_the_total(pdf: Path) -> None:
    pages = _pages(pdf)
    count = _page_count(pdf)
    assert len(pages) == count
    total = count - 1  # the cover is not counted: the contents page is 第 1 页
    assert not re.search(r"第 \d+ 页", pages[0]), "no number on the cover"
    for number, page in enumerate(pages[1:], start=1):
        assert re.findall(r"第 \d+ 页 共 \d+ 页", page) == [f"第 {number} 页 共 {total} 页"]
    with pdfplumber.open(pdf) as doc:
        assert len(doc.pages) == count


def test_contents_lists_every_section_at_the_page_it_starts_on(pdf: Path, demo_run: Demo) -> None:
    pages = _pages(pdf)
    assert re.search(r"目\s*录", pages[1])
    entries = _contents(pages[1])
    names = [page.name for page in demo_run.packet.instructors]
    assert len(names) == 8
    assert [title for title, _ in entries] == [
        "概览", "驻企天数", "各指导员每月驻企天数", "报送情况", "六项职责履行情况", "核查发现", "问题清单", "签到表",
        "各指导员工作汇报提纲", *[f"{name} 工作汇报提纲" for name in names]]
    packet = demo_run.packet
    headings = {"概览": packet.overview.title, "驻企天数": packet.days.title, "报送情况": packet.submissions.title,
                "六项职责履行情况": packet.duties.title, "核查发现": packet.findings.title,
                "问题清单": packet.problems.title, "签到表": packet.sign_in.title,
                "各指导员每月驻企天数": "各指导员每月驻企天数（每月不少于 4 天）"}
    for k, (title, number) in enumerate(entries):
        if title == "各指导员工作汇报提纲":  # a group's entry: where its first part starts
            assert number == entries[k + 1][1]
            continue
        heading = _flat(headings.get(title, title))
        first = next(i for i in range(2, len(pages)) if heading in _flat(pages[i]))
        assert first == number, f"{title}: listed on page {number}, starts on page {first}"
    assert [n for _, n in entries] == sorted(n for _, n in entries)
    starts = [n for title, n in entries if title.endswith(" 工作汇报提纲")]
    assert len(set(starts)) == len(names), "each instructor on a page of their own"


def test_cover_has_the_meeting_and_the_date_in_chinese(pdf: Path, demo: DemoPaths) -> None:
    cover = _flat(_pages(pdf)[0])
    meeting = f"青川县{Quarter.parse(demo.quarter).label}非公企业党建工作指导员工作交流会"
    assert f"{meeting}材料" in cover
    today = today_in_china()
    assert date_zh(today) in cover or date_zh(today - dt.timedelta(days=1)) in cover  # made just now
    assert "制作日期" not in cover and "-" not in cover.split("材料")[-1].split("台账锚点")[0]


def test_cover_and_footer_carry_the_issuer_when_one_is_set(demo_run: Demo, tmp_path: Path) -> None:
    issuer = "中共青川县委组织部"
    path = write_packet_pdf(tmp_path / "packet.pdf", dataclasses.replace(demo_run.packet, issuer=issuer))
    pages = _pages(path)
    cover = pages[0]
    assert issuer in cover
    assert cover.index(issuer) > cover.index("材料"), "at the foot of the cover, under the title"
    assert date_zh(demo_run.packet.made) in cover.split(issuer)[1], "the date under the issuer"
    assert all(issuer in page for page in pages[1:]), "the footer names the issuing unit"
    unset = write_packet_pdf(tmp_path / "unset.pdf", dataclasses.replace(demo_run.packet, issuer=""))
    assert issuer not in "".join(_pages(unset)), "not printed when not set"
    assert issuer in _pages(demo_run.out / "packet.pdf")[0], "zhidao demo sets the demo county's"


def _sign_in_pages(path: Path) -> list[int]:
    return [i for i, page in enumerate(_pages(path)) if "签到表" in page and "联系电话" in page]


def test_sign_in_sheet_has_rows_to_sign_on(pdf: Path, demo_run: Demo) -> None:
    [index] = _sign_in_pages(pdf)
    names = [page.name for page in demo_run.packet.instructors]
    with pdfplumber.open(pdf) as doc:
        page = doc.pages[index]
        words = page.extract_words()
        head = next(w for w in words if w["text"] == "签到")
        phone = next(w for w in words if w["text"] == "联系电话")
        verticals = sorted({round(e["x0"], 1) for e in page.edges if e["orientation"] == "v"
                            and e["top"] <= head["top"] <= e["bottom"]})
        left = max(x for x in verticals if x < head["x0"])
        right = min(x for x in verticals if x > head["x1"])
        assert right - left >= 40 * _PT_PER_MM, f"签到 column {right - left:.1f} pt"
        assert left > phone["x1"], "签到 is the last column, after the masked phone"
        bottom = max(e["bottom"] for e in page.edges if e["orientation"] == "v" and round(e["x0"], 1) == left)
        rules = sorted({round(e["top"], 1) for e in page.edges if e["orientation"] == "h"
                        and e["x0"] <= left < e["x1"] and head["top"] - 20 < e["top"] <= bottom + 0.5})
        heights = [b - a for a, b in itertools.pairwise(rules)]
        assert len(heights) == 1 + len(names), "the header row and one row per instructor"
        assert all(h >= 12 * _PT_PER_MM - 0.5 for h in heights[1:]), heights
        text = page.extract_text() or ""
    assert all(name in text for name in names) and "****" in text


def test_a_long_sign_in_sheet_repeats_its_header_and_starts_on_its_own_page(demo_run: Demo, tmp_path: Path) -> None:
    packet = demo_run.packet
    sign_in = packet.sign_in
    rows = [[i, *row[1:]] for i, row in enumerate(sign_in.rows * 6, start=1)]
    many = dataclasses.replace(packet, sign_in=Table(sign_in.title, sign_in.header, rows, sign_in.widths))
    path = write_packet_pdf(tmp_path / "packet.pdf", many)
    pages = _pages(path)
    sheet = [i for i, page in enumerate(pages) if "联系电话" in page]
    assert len(sheet) >= 3 and sheet == list(range(sheet[0], sheet[0] + len(sheet)))
    assert all(re.search(r"序号\s+姓名\s+工作单位\s+派驻企业\s+联系电话\s+签到", pages[i]) for i in sheet)
    first = pages[sheet[0]]
    assert "问题清单" not in first and "核查发现" not in first, "the sign-in sheet starts on a page of its own"
    assert "48" in pages[sheet[-1]]


def test_fonts_are_embedded_and_the_body_is_the_serif(pdf: Path) -> None:
    listing = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = listing.splitlines()[2:]
    assert rows
    embedded = {row.split()[0]: row.split()[-5] for row in rows}  # name … emb sub uni object ID
    assert any("UMing" in name for name in embedded), listing
    assert all(emb == "yes" for emb in embedded.values()), listing


def test_no_date_or_month_is_broken_across_lines(pdf: Path, demo_run: Demo) -> None:
    text = "\n".join(_pages(pdf))
    assert not re.search(r"\d{4}-(?!\d{2})", text), "a year and its month on one line"
    assert not re.search(r"\d{4}-\d{2}-(?!\d{2})", text), "a whole date on one line"
    assert not re.search(r"(?m)\d{4}-\s*$", text)
    assert not re.search(r"\d{4}-\s*\n\s*\d{2}", text)
    findings = [f for f in demo_run.packet.findings.rows if isinstance(f[5], dt.date)]
    assert findings and all(f[5].isoformat() in text for f in findings)
    days_page = next(page for page in _pages(pdf)[2:] if "驻企天数（" in page)
    assert re.search(r"指导员\s+派驻企业\s+7月\s+8月\s+9月\s+合计", days_page)


def test_chart_labels_instructor_and_enterprise_and_the_minimum(pdf: Path) -> None:
    page = next(p for p in _pages(pdf)[2:] if "各指导员每月驻企天数" in p)
    assert "最低 4 天" in page
    assert "郑海燕·金穗粮油" in page and "陈立峰·绿谷茶业" in page and "陈立峰·宏达建材" in page
    assert "9月：未报送" in page, "a month without a count is a note, not a bar"


def test_names_with_markup_print_literally_everywhere(demo_run: Demo, tmp_path: Path) -> None:
    packet = demo_run.packet
    hostile = "<b>粗</b>&amp;"
    first = dataclasses.replace(packet.instructors[0], name=hostile)
    path = write_packet_pdf(tmp_path / "packet.pdf", dataclasses.replace(
        packet, instructors=[first, *packet.instructors[1:]], meeting="<i>会</i>", issuer="<u>单位</u>"))
    pages = _pages(path)
    assert f"{hostile} 工作汇报提纲" in pages[1], "the contents entry"
    assert any(f"{hostile} 工作汇报提纲" in page for page in pages[2:])
    assert "<u>单位</u>" in pages[0] and all("<i>会</i>" in page for page in pages[1:])


def test_a_long_contents_is_laid_out_in_one_pass_with_the_pages_the_headings_land_on(
        demo_run: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Contents over several pages, filled in at the end of a single layout pass: each entry's
    number is the page its heading is printed on and the page its bookmark opens; the viewer's
    page labels are the printed numbers."""
    import pypdfium2
    from reportlab.platypus.doctemplate import BaseDocTemplate

    packet = demo_run.packet
    many = [dataclasses.replace(page, name=f"{page.name}{k:02d}") for k in range(12) for page in packet.instructors]
    begun: list[int] = []
    begin = BaseDocTemplate.handle_pageBegin
    monkeypatch.setattr(BaseDocTemplate, "handle_pageBegin", lambda self: (begun.append(1), begin(self))[1])
    path = write_packet_pdf(tmp_path / "packet.pdf", dataclasses.replace(packet, instructors=many))
    pages = _pages(path)
    assert len(begun) == len(pages), "every page laid out once: one pass"
    first_body = _contents(pages[1])[0][1]  # 概览: the first page after the contents
    assert first_body > 2, "the contents take more than one page"
    entries = [e for page in pages[1:first_body] for e in _contents(page)]
    assert len(entries) == 8 + 1 + len(many)
    doc = pypdfium2.PdfDocument(str(path))
    try:
        marks = [(b.get_title(), b.get_dest().get_index()) for b in doc.get_toc()]  # type: ignore[union-attr]
        labels = [doc.get_page_label(i) for i in range(len(doc))]
    finally:
        doc.close()
    assert labels == ["封面", *[str(n) for n in range(1, len(pages))]]
    assert [re.sub(r"\s+", " ", t.replace("\u3000", " ")) for t, _ in marks] == [t for t, _ in entries]
    for (title, number), (_, index) in zip(entries, marks, strict=True):
        assert index == number, f"{title}: listed on page {number}, its bookmark opens page {index}"
        if title.endswith(" 工作汇报提纲") and title != "各指导员工作汇报提纲":
            assert _flat(title) in _flat(pages[number]), title
            assert _flat(title) not in _flat(pages[number - 1]), f"{title} starts on page {number}"


def test_a_long_data_table_splits_where_a_reportlab_table_would() -> None:
    """data_table lays a long table out a page at a time; each page's rows are those ReportLab's
    Table would put there (its split rule on the same row heights), the header on every page."""
    from reportlab.platypus import Table as RLTable

    from zhidao.reports.pdf_layout import TEXT_WIDTH, Styles, data_table, fonts

    st = Styles(fonts())
    rows = [[f"指导员{i}", dt.date(2026, 1 + i % 12, 1 + i % 28), "较长的说明文字，" * (1 + i % 9), i]
            for i in range(400)]
    ours = data_table(["姓名", "日期", "说明", "序号"], rows, [10, 10, 40, 5], st)
    whole = RLTable(ours._data, colWidths=ours._widths, rowHeights=ours._heights, repeatRows=1)
    for room in (60.0, 137.5, 401.0, 650.25, 733.0):
        left, theirs, pages = ours, whole, 0
        while True:
            parts, reference = left.split(TEXT_WIDTH, room), theirs.split(TEXT_WIDTH, room)
            assert len(parts) == len(reference), room
            if len(parts) < 2:
                break
            assert parts[0]._cellvalues == reference[0]._cellvalues, room
            assert parts[0]._cellvalues[0] == reference[1]._cellvalues[0], "the header repeated"
            assert parts[0].wrap(TEXT_WIDTH, room) == reference[0].wrap(TEXT_WIDTH, room)
            left, theirs, pages = parts[1], reference[1], pages + 1
        if parts:  # the rest fits: the same height
            assert left.wrap(TEXT_WIDTH, room) == theirs.wrap(TEXT_WIDTH, room)
        assert room < 100 or pages > 5


@pytest.mark.parametrize("text", ["东山县企业00000有限公司", "指导员00000 学历为「本科」，低于大专",
                                  "两行\n文字  与 空格 ", "<b>粗</b>&amp; <i>", "a & b", "2026-03-05", "  ",
                                  "名单.xlsx"])
def test_a_paragraph_of_data_is_what_the_markup_parser_makes_of_its_escaped_text(text: str) -> None:
    """para() and a table cell's paragraph skip the markup parser for a text without & < >:
    the same fragments, lines and height as the parser gives for the escaped text."""
    from reportlab.platypus import Paragraph

    from zhidao.reports.inert import pdf_markup
    from zhidao.reports.pdf_layout import Styles, _CellText, _plain_paragraph, fonts, para

    st = Styles(fonts())
    for style in (st.cell, st.head, st.body, st.prose):
        for ours in (_plain_paragraph(_CellText, text, style), para(text, style)):
            parsed = Paragraph(pdf_markup(text), style)
            assert [vars(f) for f in ours.frags] == [vars(f) for f in parsed.frags]
            assert ours.wrap(60, 500) == parsed.wrap(60, 500)
            assert repr(ours.blPara.lines) == repr(parsed.blPara.lines)  # (fragments compare by identity)
