"""Work-record forms written as text-layer PDFs and Excel workbooks, read back by zhidao.

Every form of the demo plan goes through both media; the records read back must be exactly the
planned visits. Also: a stack of single-visit forms in one PDF, a monthly table running over
two PDF pages, and a workbook holding three months.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import openpyxl
import pdfplumber
import pytest

from zhidao.fixtures.form_pdf import enterprise_on_form as pdf_enterprise
from zhidao.fixtures.form_pdf import write_forms_pdf
from zhidao.fixtures.form_xlsx import enterprise_on_form as xlsx_enterprise
from zhidao.fixtures.form_xlsx import write_forms_xlsx
from zhidao.fixtures.model import FormFile, Visit
from zhidao.fixtures.quarter import plan_quarter
from zhidao.fixtures.wording import PHRASES
from zhidao.fonts import register_cjk_font
from zhidao.ingest import read_path
from zhidao.model import Item

PLAN = plan_quarter(2026)
FORMS = PLAN.forms
FORM_IDS = [f"{n:02d}-{form.family}{form.layout}" for n, form in enumerate(FORMS, start=1)]
Key = tuple[object, ...]


def _read(path: Path) -> list[Item]:
    outcome = read_path(path, str(path))
    assert not outcome.errors, outcome.errors
    assert all(item.kind == "record" for item in outcome.items)
    return list(outcome.items)


def _by_page(items: list[Item]) -> dict[int, list[Item]]:
    pages: dict[int, list[Item]] = defaultdict(list)
    for item in items:
        pages[item.page].append(item)
    return pages


def _no_ws(text: object) -> str:
    """A text with every white space removed (None and "" alike)."""
    return re.sub(r"\s+", "", text) if isinstance(text, str) else ""


def _read_key(item: Item) -> Key:
    return tuple(item.get(field) for field in ("instructor", "enterprise", "visit_date", "duties", "signed"))


def _plan_key(visit: Visit, enterprise: str) -> Key:
    return (visit.instructor, enterprise, visit.date.isoformat(), visit.duties, visit.signed)


def _assert_form(form: FormFile, items: list[Item], enterprise: str) -> None:
    """The records read from one form are its planned visits, field by field."""
    assert len(items) == len(form.visits), [_read_key(it) for it in items]
    assert {_read_key(it) for it in items} == {_plan_key(v, enterprise) for v in form.visits}
    planned = {visit.date.isoformat(): visit for visit in form.visits}
    report = form.report_date.isoformat() if form.report_date else None
    for item in items:
        visit = planned[str(item.get("visit_date"))]
        assert _no_ws(item.get("content")) == _no_ws(visit.content)
        assert _no_ws(item.get("problems")) == _no_ws(visit.problems)
        assert _no_ws(item.get("remarks")) == _no_ws(visit.remarks)
        assert item.get("unit") == visit.unit
        assert item.get("report_date") == report
        assert item.review == ()


@pytest.fixture(scope="module")
def font() -> str:
    return register_cjk_font()


@pytest.fixture(scope="module")
def pdf_pages(tmp_path_factory: pytest.TempPathFactory, font: str) -> dict[int, list[Item]]:
    """Every planned form in one PDF (each on its own page), read back: page → records."""
    path = tmp_path_factory.mktemp("pdf") / "forms.pdf"
    write_forms_pdf(path, FORMS, font)
    with pdfplumber.open(path) as pdf:
        assert len(pdf.pages) == len(FORMS)  # every form fits its page: page n holds form n
    return _by_page(_read(path))


@pytest.fixture(scope="module")
def xlsx_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[int, list[Item]]:
    """Every planned form in one workbook (a sheet each), read back: sheet number → records."""
    path = tmp_path_factory.mktemp("xlsx") / "forms.xlsx"
    write_forms_xlsx(path, FORMS)
    return _by_page(_read(path))


@pytest.mark.parametrize("number", range(1, len(FORMS) + 1), ids=FORM_IDS)
def test_pdf_form_reads_back_as_planned(pdf_pages: dict[int, list[Item]], number: int) -> None:
    form = FORMS[number - 1]
    _assert_form(form, pdf_pages.get(number, []), pdf_enterprise(form))


@pytest.mark.parametrize("number", range(1, len(FORMS) + 1), ids=FORM_IDS)
def test_xlsx_form_reads_back_as_planned(xlsx_pages: dict[int, list[Item]], number: int) -> None:
    form = FORMS[number - 1]
    _assert_form(form, xlsx_pages.get(number, []), xlsx_enterprise(form))


def test_media_cover_every_layout_and_an_unsigned_row() -> None:
    assert {(f.family, f.layout) for f in FORMS} == {("A", 0), ("A", 1), ("A", 2),
                                                      ("B", 0), ("B", 1), ("B", 2), ("B", 3)}
    assert any(not v.signed for f in FORMS for v in f.visits)
    assert any(v.remarks for f in FORMS for v in f.visits)
    assert pdf_enterprise(FORMS[10]) != FORMS[10].enterprise  # a layout that drops the county


def test_stack_of_single_visit_forms_gives_one_record_per_page(tmp_path: Path, font: str) -> None:
    singles = [f for f in FORMS if f.family == "A"]
    stack = [next(f for f in singles if f.layout == layout) for layout in (0, 1, 2)] + singles[-3:]
    path = tmp_path / "扫描合集.pdf"
    write_forms_pdf(path, stack, font)
    items = _read(path)
    assert [item.page for item in items] == list(range(1, len(stack) + 1))
    for item, form in zip(items, stack, strict=True):
        (visit,) = form.visits
        assert _read_key(item) == _plan_key(visit, form.enterprise)
        assert item.review == ()


def _long_month() -> FormFile:
    """A monthly sheet of 25 days in July 2026 with long contents: its table needs two pages."""
    visits = []
    for n in range(25):
        (first, codes1), (second, codes2) = PHRASES[n % len(PHRASES)], PHRASES[(n * 7 + 3) % len(PHRASES)]
        visits.append(Visit("周文涛", "县审计局", "青川县恒信机械制造有限公司", dt.date(2026, 7, n + 1),
                            f"{first}，{second}。", tuple(sorted(set(codes1 + codes2))), None,
                            n != 4, "补报" if n == 20 else None, "韩国栋"))
    return FormFile("周文涛7月驻企工作记录.pdf", "B", 1, tuple(visits), dt.date(2026, 8, 3), "2026-07")


def _numbers_on_page(path: Path, page: int) -> set[int]:
    """The 序号 of the record rows that stand on one page of the PDF (as pdfplumber sees them)."""
    with pdfplumber.open(path) as pdf:
        rows = [row for table in pdf.pages[page - 1].extract_tables() for row in table]
    return {int(row[0]) for row in rows if row[0] and row[0].isdigit() and any(c for c in row[1:])}


def test_monthly_table_over_two_pages_keeps_every_row(tmp_path: Path, font: str) -> None:
    form = _long_month()
    path = tmp_path / "long.pdf"
    write_forms_pdf(path, [form], font)
    with pdfplumber.open(path) as pdf:
        assert len(pdf.pages) == 2
        assert pdf.pages[1].extract_tables()[0][0][0] == "序号"  # header row repeated on page 2
    second = _numbers_on_page(path, 2)
    assert second and second | _numbers_on_page(path, 1) == set(range(1, 26))
    items = _read(path)
    _assert_form(form, items, form.enterprise)
    pages = {str(item.get("visit_date")): item.page for item in items}
    assert pages == {v.date.isoformat(): 2 if n in second else 1 for n, v in enumerate(form.visits, start=1)}


def _footer_alone(tmp_path: Path, font: str) -> tuple[FormFile, Path] | None:
    """A monthly sheet whose table just fills page 1, so its footer line (填表人 / 报送日期) is
    pushed alone onto page 2, as happens when a Word sheet is printed to PDF. Found by growing
    the last row's text (the break depends on the font's metrics)."""
    base = _long_month()
    path = tmp_path / "footer.pdf"
    for extra in range(12):
        visits = list(base.visits[:13])
        visits[-1] = replace(visits[-1], content=visits[-1].content + "协助企业完善党建制度上墙。" * extra)
        form = replace(base, visits=tuple(visits))
        write_forms_pdf(path, [form], font)
        with pdfplumber.open(path) as pdf:
            if len(pdf.pages) == 2 and not pdf.pages[1].find_tables():
                return form, path
    return None


def test_monthly_footer_alone_on_the_next_page_still_counts(tmp_path: Path, font: str) -> None:
    found = _footer_alone(tmp_path, font)
    assert found is not None, "no text length pushed the footer alone onto page 2 with this font"
    form, path = found
    items = _read(path)
    assert {_read_key(it) for it in items} == {_plan_key(v, form.enterprise) for v in form.visits}
    assert all(item.page == 1 for item in items)
    report_dates = {item.get("report_date") for item in items}
    # the footer on page 2 still belongs to the sheet: its 报送日期 reaches every record
    assert report_dates == {form.report_date.isoformat() if form.report_date else None}


def test_workbook_of_three_months_gives_every_month(tmp_path: Path) -> None:
    months = [f for f in FORMS if f.instructor == "周文涛"]
    assert [f.month for f in months] == ["2026-07", "2026-08", "2026-09"]
    path = tmp_path / "周文涛第三季度工作记录.xlsx"
    write_forms_xlsx(path, months)
    assert openpyxl.load_workbook(path).sheetnames == ["7月", "8月", "9月"]
    pages = _by_page(_read(path))
    assert sorted(pages) == [1, 2, 3]
    for number, form in enumerate(months, start=1):
        _assert_form(form, pages[number], xlsx_enterprise(form))
        assert {str(item.get("visit_date"))[:7] for item in pages[number]} == {form.month}


@pytest.mark.parametrize("suffix", ["pdf", "xlsx"])
def test_writers_are_byte_stable(tmp_path: Path, font: str, suffix: str) -> None:
    def write(path: Path, forms: list[FormFile]) -> None:
        if suffix == "pdf":
            write_forms_pdf(path, forms, font)
        else:
            write_forms_xlsx(path, forms)

    forms = list(FORMS[:3])
    write(tmp_path / f"a.{suffix}", forms)
    write(tmp_path / f"b.{suffix}", forms)
    assert (tmp_path / f"a.{suffix}").read_bytes() == (tmp_path / f"b.{suffix}").read_bytes()
