"""packet.xlsx prints without overprinting (issue 15, item 2): every wrapped row is as tall as its
lines, also after LibreOffice has read the file; dates are date cells; each table has an
autofilter; 驻企天数 colours its days by conditional formatting and charts them per instructor
and enterprise with the minimum as a line; every printed page has the meeting in its header
and 第 N 页 共 M 页 in its footer; 签到表 has room to sign."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pdfplumber
import pytest
from openpyxl import Workbook
from openpyxl.styles import NamedStyle
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

from tests.conftest import read_jsonl
from zhidao.reports.inert import inert_cell
from zhidao.reports.packet_data import MISSING
from zhidao.reports.packet_xlsx import DATE_FORMAT, PAGE_FOOTER, SHEETS, SIGN_IN_ROW_PT, SIGN_IN_WIDTH, short_name
from zhidao.reports.xlsx_fit import BASE_SIZE, CELL_MARGIN, DEFAULT_WIDTH, line_height, text_lines


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("layout") / "out"
    subprocess.run([sys.executable, "-m", "zhidao.cli", "demo", "--out", str(folder)], check=True,
                   capture_output=True)
    return folder


def _soffice(source: Path, target: str, folder: Path, profile: Path) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is installed by scripts/install.sh"
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", target,
                    "--outdir", str(folder), str(source)], check=True, capture_output=True, timeout=180)
    converted = folder / f"{source.stem}.{target.split(':')[0]}"
    assert converted.is_file(), f"LibreOffice wrote no {converted.name}"
    return converted


@pytest.fixture(scope="module")
def libreoffice(out: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """packet.xlsx as LibreOffice saves it again (xlsx) and prints it (pdf)."""
    tmp = tmp_path_factory.mktemp("libreoffice")
    source = tmp / "packet.xlsx"
    shutil.copyfile(out / "packet.xlsx", source)
    profile = tmp / "profile"
    return {"xlsx": _soffice(source, "xlsx:Calc MS Excel 2007 XML", tmp / "xlsx", profile),
            "pdf": _soffice(source, "pdf", tmp / "pdf", profile)}


def _days_min(ws: Worksheet) -> int:
    found = re.search(r"不少于 (\d+) 天", str(ws["A1"].value))
    assert found, ws["A1"].value
    return int(found.group(1))


def _table_rows(ws: Worksheet) -> int:
    """The last row of the table (the rows below a blank one, 数据来源's anchor, are not in it)."""
    r = 2
    while ws.cell(r + 1, 1).value is not None:
        r += 1
    return r


def _widths(ws: Worksheet) -> dict[int, float]:
    """Each column's width (LibreOffice writes one <col> for a run of equal columns)."""
    widths = dict.fromkeys(range(1, ws.max_column + 1), DEFAULT_WIDTH)
    for dim in list(ws.column_dimensions.values()):
        if dim.width:
            first = dim.min or column_index_from_string(dim.index)
            widths.update(dict.fromkeys(range(first, max(first, dim.max or first) + 1), dim.width))
    return widths


def _wrapped_cells(ws: Worksheet) -> Iterator[tuple[int, str, float, float]]:
    """(row, text, width, font size) of every wrapped cell holding a text (numbers and dates
    never wrap); a cell merged across columns has their widths."""
    widths = _widths(ws)
    merged = {(m.min_row, m.min_col): sum(widths.get(c, DEFAULT_WIDTH) for c in range(m.min_col, m.max_col + 1))
              for m in ws.merged_cells.ranges}
    for row in ws.iter_rows():
        for cell in row:
            if not isinstance(cell.value, str) or not cell.alignment.wrap_text or not isinstance(cell.column, int):
                continue
            width = merged.get((cell.row, cell.column), widths.get(cell.column, DEFAULT_WIDTH))
            yield cell.row, cell.value, width, cell.font.sz or BASE_SIZE


def _certain_lines(text: str, width: float) -> int:
    """Lines a text surely takes, independent of the estimator: each explicit line one at least,
    more when even narrow glyphs (CJK 1.5 units, others 0.5) overfill the column."""
    room = max(width - CELL_MARGIN, 1.0)
    return sum(max(1, math.ceil(sum(1.5 if ord(c) > 0x2E80 else 0.5 for c in line) / room))
               for line in text.split("\n"))


@pytest.mark.parametrize("which", ["written", "after LibreOffice"])
def test_no_wrapped_row_is_shorter_than_its_lines(out: Path, libreoffice: dict[str, Path], which: str) -> None:
    wb = openpyxl.load_workbook(out / "packet.xlsx" if which == "written" else libreoffice["xlsx"])
    multi = 0
    for name in SHEETS:
        ws = wb[name]
        needed: dict[int, float] = {}
        for r, text, width, size in _wrapped_cells(ws):
            height = ws.row_dimensions[r].height
            assert height is not None, f"{name}!{r}: no height written"
            lines = text_lines(text, width, size)
            where = f"{name}!{r} ({lines} lines at width {width}): {text!r}"
            assert height >= lines * line_height(size), where
            assert height >= _certain_lines(text, width) * 12 * size / BASE_SIZE, where
            multi += lines > 1
            needed[r] = max(needed.get(r, 0.0), lines * line_height(size))
        if name != "签到表":  # and no taller than that, but for a little padding (signatures need room)
            assert all(ws.row_dimensions[r].height <= h + 6 for r, h in needed.items()), name
    assert multi >= 5, "the demo has wrapped text (findings, problems, file names)"


def _bands(pdf: Path, title: str, head: str) -> list[str]:
    """The text printed inside each row of column ``head`` on the page titled ``title``, each
    row bounded by the table's borders: a cell that overprints its neighbour is cut at them."""
    with pdfplumber.open(pdf) as doc:
        for page in doc.pages:
            if title not in (page.extract_text() or ""):
                continue
            [word] = [w for w in page.extract_words() if w["text"] == head]
            mid = (word["x0"] + word["x1"]) / 2
            vertical = {e["x0"] for e in page.edges
                        if e["orientation"] == "v" and e["top"] <= word["top"] <= e["bottom"]}
            left, right = max(x for x in vertical if x < mid), min(x for x in vertical if x > mid)
            borders = sorted({e["top"] for e in page.edges if e["orientation"] == "h" and e["x0"] <= mid <= e["x1"]})
            return ["".join((page.within_bbox((left - 1, top, right + 1, bottom)).extract_text() or "").split())
                    for top, bottom in itertools.pairwise(borders)]
    raise AssertionError(f"no page titled {title}")


def test_a_long_finding_prints_whole_inside_its_row(out: Path, libreoffice: dict[str, Path]) -> None:
    messages = [f["message"] for f in read_jsonl(out / "findings.jsonl")]
    longest = max(messages, key=len)
    assert len(longest) > 30, "a message that wraps"
    bands = _bands(libreoffice["pdf"], "核查发现（按级别", "说明")
    for message in messages:
        assert "".join(message.split()) in bands, f"cut or overprinted: {message}"
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", "-raw", str(libreoffice["pdf"]), "-"], capture_output=True,
                          check=True)
    text = done.stdout.decode("utf-8")
    assert "".join(longest.split()) in "".join(text.split())
    assert "###" not in text, "a number or date too wide for its column"


def test_dates_are_date_cells(out: Path, libreoffice: dict[str, Path]) -> None:
    for path in (out / "packet.xlsx", libreoffice["xlsx"]):
        wb = openpyxl.load_workbook(path)
        for name, columns in (("核查发现", "F"), ("问题清单", "C"), ("报送情况", "DE")):
            ws = wb[name]
            dates = 0
            for letter in columns:
                for cell in ws[letter][2:_table_rows(ws)]:
                    if cell.value in (None, ""):
                        continue
                    assert cell.is_date and isinstance(cell.value, dt.datetime), f"{path.name} {name}!{cell.coordinate}"
                    assert path != out / "packet.xlsx" or cell.number_format == DATE_FORMAT
                    dates += 1
            assert dates, f"{name}: the demo has dates"
        [base] = [r[1] for r in wb["概览"].iter_rows(min_row=3) if r[0].value == "核查基准日"]
        assert base.is_date


def test_every_table_has_an_autofilter_on_its_header_row(out: Path) -> None:
    wb = openpyxl.load_workbook(out / "packet.xlsx")
    for name in SHEETS:
        ws = wb[name]
        width = next(c for c in range(1, ws.max_column + 2) if ws.cell(2, c).value is None) - 1  # the header
        assert ws.auto_filter.ref == f"A2:{get_column_letter(width)}{_table_rows(ws)}", name


def test_days_under_the_minimum_are_red_by_conditional_formatting(out: Path) -> None:
    ws = openpyxl.load_workbook(out / "packet.xlsx")["驻企天数"]
    minimum = _days_min(ws)
    rules = {(rule.operator, tuple(rule.formula)): cf.sqref for cf in ws.conditional_formatting for rule in cf.rules}
    assert set(rules) == {("lessThan", (str(minimum),)), ("greaterThanOrEqual", (str(minimum),))}
    covered = {(c, r) for ranges in rules.values() for rng in str(ranges).split()
               for c in range(range_boundaries(rng)[0], range_boundaries(rng)[2] + 1)
               for r in range(range_boundaries(rng)[1], range_boundaries(rng)[3] + 1)}
    months = [c.column for c in ws[2] if re.fullmatch(r"\d+月", str(c.value))]
    numbers = {(c, r) for r in range(3, _table_rows(ws) + 1) for c in months if isinstance(ws.cell(r, c).value, int)}
    assert covered == numbers, "the month columns' numbers, and nothing else (a text compares above any number)"
    fills = {str(ws.cell(r, c).fill.fgColor.rgb) for r in range(3, _table_rows(ws) + 1) for c in months
             if ws.cell(r, c).value == MISSING}
    assert fills and all(f.endswith("E7E6E6") for f in fills), "未报送 stays grey"


def _text(title: Any) -> str:
    return "".join(run.t for p in title.tx.rich.p for run in (p.r or []))


def test_the_chart_labels_instructor_and_enterprise_and_draws_the_minimum(out: Path,
                                                                          libreoffice: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(out / "packet.xlsx")
    ws = wb["驻企天数"]
    minimum, last = _days_min(ws), _table_rows(ws)
    [chart] = ws._charts
    kinds = {type(c).__name__: c for c in chart._charts}
    assert set(kinds) == {"BarChart", "LineChart"}
    assert "各指导员每月驻企天数" in _text(chart.title) and _text(chart.y_axis.title) == "天数"
    [line] = kinds["LineChart"].series
    cells = line.val.numRef.f.split("!")[1]
    values = [c.value for row in ws[cells.replace("$", "")] for c in row]
    assert values == [minimum] * (last - 2)
    assert str(minimum) in ws[line.tx.strRef.f.split("!")[1].replace("$", "")].value
    refs = {s.cat.multiLvlStrRef.f for c in chart._charts for s in c.series}
    assert len(refs) == 1, "every series on the same two-level categories"
    min_col, min_row, max_col, max_row = range_boundaries(refs.pop().split("!")[1].replace("$", ""))
    assert (max_col - min_col, min_row, max_row) == (1, 3, last)
    names = [ws.cell(r, 1).value for r in range(3, last + 1)]
    enterprises = [ws.cell(r, 2).value for r in range(3, last + 1)]
    labels = [(ws.cell(r, min_col).value, ws.cell(r, max_col).value) for r in range(3, last + 1)]
    for (who, where), name, enterprise in zip(labels, names, enterprises, strict=True):
        assert where and where in enterprise and where == short_name(enterprise, "青川县"), "the enterprise"
        assert who in (name, None), "the instructor (blank under the same instructor's first enterprise)"
    assert labels[0][0] == names[0]
    with pdfplumber.open(libreoffice["pdf"]) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
    assert all(where in text for _, where in labels), "the labels print"


def test_every_page_names_the_meeting_and_numbers_the_pages(out: Path, libreoffice: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(out / "packet.xlsx")
    meeting = str(wb["签到表"]["A1"].value).removesuffix("签到表")
    assert meeting.endswith("交流会")
    for ws in wb:
        assert ws.oddHeader.left.text == meeting, ws.title
        assert ws.oddFooter.center.text == PAGE_FOOTER == "第 &P 页 共 &N 页", ws.title
        assert ws.print_title_rows == "$2:$2", ws.title
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) and ws.page_setup.fitToWidth == 1, ws.title
    assert wb["核查发现"].page_setup.orientation == "landscape" and wb["概览"].page_setup.orientation == "portrait"
    with pdfplumber.open(libreoffice["pdf"]) as pdf:
        pages = [page.extract_text() or "" for page in pdf.pages]
    assert len(pages) <= 2 * len(SHEETS), "fit to the page's width, rows no taller than their text"
    assert all(meeting in page and f"共 {len(pages)} 页" in page for page in pages)
    assert [f"第 {i} 页" in page for i, page in enumerate(pages, start=1)] == [True] * len(pages)


def test_the_sign_in_sheet_has_room_to_sign(out: Path, libreoffice: dict[str, Path]) -> None:
    for path in (out / "packet.xlsx", libreoffice["xlsx"]):
        ws = openpyxl.load_workbook(path)["签到表"]
        assert ws[2][5].value == "签到" and ws.column_dimensions["F"].width >= SIGN_IN_WIDTH >= 30
        heights = [ws.row_dimensions[r].height for r in range(3, _table_rows(ws) + 1)]
        assert heights and all(h is not None and h >= 34 for h in heights), heights  # 12 mm
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert SIGN_IN_ROW_PT >= 34


def test_a_date_in_a_named_style_stays_a_date_and_text_stays_inert() -> None:
    wb = Workbook()
    wb.add_named_style(NamedStyle("body"))
    ws = wb.active
    assert ws is not None
    day, formula = inert_cell(ws, dt.date(2026, 8, 5), "body"), inert_cell(ws, "=1+1", "body")
    assert day.is_date and day.value == dt.date(2026, 8, 5) and day.number_format != "General"
    assert formula.data_type == "s" and formula.quotePrefix
