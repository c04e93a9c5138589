"""Hostile and broken input: limits checked before any work, each with its own code; files
opened by their content whatever their name; encrypted files named as such.

The bombs are small (they declare, they do not contain); where a default limit would need a
large file, the test lowers the limit through ``ReadOptions(limits=Limits(...))``.
"""

from __future__ import annotations

import re
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from zhidao.fixtures import hostile
from zhidao.fixtures.form_pdf import write_forms_pdf
from zhidao.fixtures.form_xlsx import write_forms_xlsx
from zhidao.fixtures.forms import write_single_visit_docx
from zhidao.fixtures.legacy import docx_to_doc
from zhidao.fixtures.model import RosterRow
from zhidao.fixtures.quarter import plan_quarter
from zhidao.fixtures.roster_media import roster_table, write_xls, write_xlsx
from zhidao.fonts import register_cjk_font
from zhidao.ingest import ROSTER_READERS, read_file, read_path, source_file
from zhidao.ingest.limits import Limits
from zhidao.model import FileOutcome, ReadOptions

FORM = next(f for f in plan_quarter(2026).forms if f.family == "A")
ROSTER = roster_table([RosterRow("周文涛", "男", "1978-04", "县审计局", "副局长", "2001-06", "大学本科",
                                 "青川县恒信机械制造有限公司", "13808391526")])
ENCRYPTED_REMEDY = "请另存一份不加密码的副本后重新放入收件目录"


def _read(path: Path, limits: Limits | None = None) -> FileOutcome:
    return read_path(path, path.name, ReadOptions(limits=limits) if limits else None)


def _roster(path: Path, limits: Limits | None = None) -> FileOutcome:
    return read_file(source_file(path), ROSTER_READERS, ReadOptions(limits=limits) if limits else None)


def _code(outcome: FileOutcome) -> str:
    assert outcome.errors, f"read {len(outcome.items)} items, expected an error"
    return outcome.errors[0].code


@pytest.fixture(scope="module")
def form_docx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("docx") / "记录.docx"
    write_single_visit_docx(path, FORM)
    return path


@pytest.fixture(scope="module")
def form_xlsx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("xlsx") / "记录.xlsx"
    write_forms_xlsx(path, [FORM])
    return path


@pytest.fixture(scope="module")
def form_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "记录.pdf"
    write_forms_pdf(path, [FORM], register_cjk_font())
    return path


@pytest.fixture(scope="module")
def form_doc(tmp_path_factory: pytest.TempPathFactory, form_docx: Path) -> Path:
    path = tmp_path_factory.mktemp("doc") / "记录.doc"
    docx_to_doc(form_docx, path)
    return path


@pytest.fixture(scope="module")
def roster_xls(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("xls") / "名单.xls"
    write_xls(path, ROSTER)
    return path


# --- the limits are data: frozen, with their defaults, carried to worker processes ------------


def test_limits_ride_on_read_options_and_pickle() -> None:
    import pickle

    options = ReadOptions(limits=Limits(pdf_pages=3))
    assert pickle.loads(pickle.dumps(options)) == options
    assert ReadOptions().limits == Limits()
    assert Limits().file_bytes == 200 << 20 and Limits().image_pixels == 80_000_000
    with pytest.raises(AttributeError):
        Limits().pdf_pages = 1  # type: ignore[misc]


def test_file_over_the_size_limit_is_refused_before_reading(form_docx: Path, form_pdf: Path, tmp_path: Path) -> None:
    png = tmp_path / "scan.png"
    hostile.png_declaring(png, 100, 100)
    csv = tmp_path / "名单.csv"
    hostile.csv_rows(csv, 10)
    small = Limits(file_bytes=50)
    for path in (form_docx, form_pdf, png):
        assert _code(_read(path, small)) == "FILE_TOO_LARGE", path
    assert _code(_roster(csv, small)) == "FILE_TOO_LARGE"


# --- zip bombs ---------------------------------------------------------------------------------


def test_docx_member_declaring_3_gib_is_an_archive_bomb(form_docx: Path, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(form_docx.read_bytes())
    hostile.declare_size(bomb, "word/document.xml", 3 << 30)
    assert bomb.stat().st_size < 100_000
    outcome = _read(bomb)
    assert _code(outcome) == "ARCHIVE_BOMB"
    assert "压缩" in outcome.errors[0].message


def test_xlsx_of_zeros_compressing_a_thousandfold_is_an_archive_bomb(form_xlsx: Path, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xlsx"
    hostile.rewrite_zip(form_xlsx, bomb, extra={"xl/media/image1.bin": bytes(20 << 20)})
    assert bomb.stat().st_size < 200_000
    assert _code(_read(bomb)) == "ARCHIVE_BOMB"
    assert _code(_roster(bomb)) == "ARCHIVE_BOMB"


def test_declared_total_over_a_lowered_limit_is_an_archive_bomb(form_docx: Path, tmp_path: Path) -> None:
    padded = tmp_path / "padded.docx"
    hostile.rewrite_zip(form_docx, padded, extra={"word/media/pad.bin": bytes(2 << 20)}, stored=True)
    assert _read(padded).items, "under the default limits it is a form like any other"
    assert _code(_read(padded, Limits(zip_total_bytes=1 << 20))) == "ARCHIVE_BOMB"


def test_too_many_members_is_an_archive_bomb(form_docx: Path, tmp_path: Path) -> None:
    crowded = tmp_path / "crowded.docx"
    hostile.rewrite_zip(form_docx, crowded, extra={f"word/x{i}.bin": b"" for i in range(10_001)})
    outcome = _read(crowded)
    assert _code(outcome) == "ARCHIVE_BOMB"
    assert "10000" in outcome.errors[0].message
    fewer = tmp_path / "fewer.docx"
    hostile.rewrite_zip(form_docx, fewer, extra={f"word/x{i}.bin": b"" for i in range(30)})
    assert _read(fewer).items
    assert _code(_read(fewer, Limits(zip_members=30))) == "ARCHIVE_BOMB"


def test_a_member_with_broken_deflate_data_is_damaged(form_docx: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.docx"
    hostile.corrupt_member(form_docx, broken, "word/document.xml")
    assert _code(_read(broken)) == "FILE_DAMAGED"


# --- XML entities ------------------------------------------------------------------------------


def test_openpyxl_parses_with_defusedxml() -> None:
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


@pytest.mark.parametrize("attack", ["billion_laughs", "external_entity"])
def test_docx_with_entity_declarations_is_xml_unsafe(form_docx: Path, tmp_path: Path, attack: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-7Q", encoding="utf-8")
    change: Callable[[bytes], bytes] = (hostile.billion_laughs if attack == "billion_laughs"
                                        else lambda xml: hostile.external_entity(xml, secret))
    bad = tmp_path / "bad.docx"
    hostile.rewrite_zip(form_docx, bad, {"word/document.xml": change})
    outcome = _read(bad)
    assert _code(outcome) == "XML_UNSAFE"
    assert not outcome.items and "SECRET-7Q" not in repr(outcome)


@pytest.mark.parametrize("attack", ["billion_laughs", "external_entity"])
def test_xlsx_with_entity_declarations_is_xml_unsafe(form_xlsx: Path, tmp_path: Path, attack: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-7Q", encoding="utf-8")

    def change(xml: bytes) -> bytes:
        if attack == "billion_laughs":
            return hostile.billion_laughs(xml, b"</t>")
        return hostile.external_entity(xml, secret, b"</t>")

    bad = tmp_path / "bad.xlsx"
    hostile.rewrite_zip(form_xlsx, bad, {"xl/worksheets/sheet1.xml": change})
    assert _code(_read(bad)) == "XML_UNSAFE"
    assert _code(_roster(bad)) == "XML_UNSAFE"


def test_doctype_in_a_utf16_part_is_found_too(form_docx: Path, tmp_path: Path) -> None:
    def change(xml: bytes) -> bytes:
        text = hostile.billion_laughs(xml).decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
        return text.encode("utf-16")

    bad = tmp_path / "utf16.docx"
    hostile.rewrite_zip(form_docx, bad, {"word/document.xml": change})
    assert _code(_read(bad)) == "XML_UNSAFE"


def test_prolog_scan_is_not_fooled_by_a_comment() -> None:
    from zhidao.ingest.limits import prolog_is_safe

    assert prolog_is_safe(b'<?xml version="1.0"?><!-- <a> --><!DOCTYPE a [<!ENTITY x "y">]><a/>', True) is False
    assert prolog_is_safe(b'<?xml version="1.0"?>\n<w:document xmlns:w="x"/>', True) is True
    assert prolog_is_safe(b'<?xml version="1.0"?><!', False) is None  # needs more bytes


# --- images ------------------------------------------------------------------------------------


def test_png_header_declaring_40000_square_is_refused_undecoded(tmp_path: Path) -> None:
    png = tmp_path / "scan.png"
    hostile.png_declaring(png, 40_000, 40_000)
    assert png.stat().st_size < 500
    tracemalloc.start()
    outcome = _read(png)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert _code(outcome) == "IMAGE_TOO_LARGE"
    assert peak < 50 << 20


def test_jpeg_header_declaring_40000_square_is_refused(tmp_path: Path) -> None:
    jpeg = tmp_path / "photo.jpg"
    hostile.jpeg_declaring(jpeg, 40_000, 40_000)
    assert jpeg.stat().st_size < 1000
    assert _code(_read(jpeg)) == "IMAGE_TOO_LARGE"


def test_image_just_over_the_pixel_budget_is_refused_with_its_size(tmp_path: Path) -> None:
    # 100 megapixels: PIL itself only warns here; our 80-megapixel limit refuses it
    jpeg = tmp_path / "photo.jpg"
    hostile.jpeg_declaring(jpeg, 10_000, 10_000)
    outcome = _read(jpeg)
    assert _code(outcome) == "IMAGE_TOO_LARGE"
    assert "10000×10000" in outcome.errors[0].message


def test_lowered_pixel_limit_applies(tmp_path: Path) -> None:
    png = tmp_path / "scan.png"
    hostile.png_declaring(png, 2000, 2000)
    assert _code(_read(png, Limits(image_pixels=1_000_000))) == "IMAGE_TOO_LARGE"


def test_tiff_with_more_frames_than_allowed_is_too_many_pages(tmp_path: Path) -> None:
    tiff = tmp_path / "stack.tif"
    hostile.tiff_frames(tiff, 301)
    outcome = _read(tiff)
    assert _code(outcome) == "TOO_MANY_PAGES"
    assert "300" in outcome.errors[0].message
    few = tmp_path / "few.tif"
    hostile.tiff_frames(few, 6)
    assert _code(_read(few, Limits(image_frames=5))) == "TOO_MANY_PAGES"


def test_truncated_png_is_damaged(tmp_path: Path) -> None:
    from PIL import Image

    whole, cut = tmp_path / "whole.png", tmp_path / "cut.png"
    Image.effect_noise((300, 300), 40).save(whole)
    hostile.truncate(whole, cut, 0.5)
    assert _code(_read(cut)) == "FILE_DAMAGED"


# --- PDFs --------------------------------------------------------------------------------------


def test_pdf_page_of_14400_points_is_page_too_large(tmp_path: Path) -> None:
    pdf = tmp_path / "huge.pdf"
    hostile.pdf_pages(pdf, 1, (14_400, 14_400))
    outcome = _read(pdf)
    assert _code(outcome) == "PAGE_TOO_LARGE"
    assert outcome.errors[0].page == 1


def test_pdf_with_more_pages_than_allowed(tmp_path: Path) -> None:
    pdf = tmp_path / "long.pdf"
    hostile.pdf_pages(pdf, 301)
    assert _code(_read(pdf)) == "TOO_MANY_PAGES"
    short = tmp_path / "short.pdf"
    hostile.pdf_pages(short, 4)
    assert _code(_read(short, Limits(pdf_pages=3))) == "TOO_MANY_PAGES"


def test_large_but_plausible_page_is_rendered_within_the_pixel_budget(tmp_path: Path) -> None:
    from zhidao.ingest.pdf import render_pages

    pdf = tmp_path / "poster.pdf"
    hostile.image_only_pdf(pdf, (60 * 72, 60 * 72))  # 60 inches: 144 megapixels at 200 dpi
    [image] = render_pages(pdf, [1])
    assert 30_000_000 < image.size <= Limits().render_pixels
    [small] = render_pages(pdf, [1], limits=Limits(render_pixels=1_000_000))
    assert small.size <= 1_000_000


def test_picture_declaring_100_megapixels_in_a_pdf_is_refused_before_rendering(tmp_path: Path) -> None:
    jpeg, pdf = tmp_path / "picture.jpg", tmp_path / "scan.pdf"
    hostile.jpeg_declaring(jpeg, 10_000, 10_000)
    hostile.image_only_pdf(pdf, (595, 842), jpeg)
    outcome = _read(pdf)
    assert _code(outcome) == "IMAGE_TOO_LARGE"
    assert outcome.errors[0].page == 1


def test_pdf_with_a_user_password_is_encrypted(tmp_path: Path) -> None:
    pdf = tmp_path / "locked.pdf"
    hostile.pdf_pages(pdf, 1, encrypt=hostile.user_password("1234"))
    outcome = _read(pdf)
    assert _code(outcome) == "FILE_ENCRYPTED"
    assert outcome.errors[0].remedy == ENCRYPTED_REMEDY
    assert _code(_roster(pdf)) == "FILE_ENCRYPTED"


def test_pdf_with_an_owner_password_only_is_read(tmp_path: Path) -> None:
    pdf = tmp_path / "permissions.pdf"
    write_forms_pdf(pdf, [FORM], register_cjk_font(), encrypt=hostile.owner_password_only())
    assert b"/Encrypt" in pdf.read_bytes()
    outcome = _read(pdf)
    assert not outcome.errors, outcome.errors
    assert len(outcome.items) == len(FORM.visits)


# --- rosters -----------------------------------------------------------------------------------


def test_csv_of_a_million_rows_is_refused_without_loading_it(tmp_path: Path) -> None:
    csv = tmp_path / "名单.csv"
    hostile.csv_rows(csv, 1_000_000)
    tracemalloc.start()
    outcome = _roster(csv)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert _code(outcome) == "ROSTER_TOO_LARGE"
    assert peak < 20 << 20, f"peak {peak >> 20} MB: the file was loaded"


def test_csv_with_too_many_columns(tmp_path: Path) -> None:
    csv = tmp_path / "名单.csv"
    hostile.csv_rows(csv, 3, columns=501)
    assert _code(_roster(csv)) == "ROSTER_TOO_LARGE"


def test_xlsx_roster_declaring_a_million_rows_is_refused_before_iterating(tmp_path: Path) -> None:
    roster, bad = tmp_path / "ok.xlsx", tmp_path / "名单.xlsx"
    write_xlsx(roster, ROSTER)
    assert _roster(roster).items

    def declare(xml: bytes) -> bytes:
        return re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', xml)

    hostile.rewrite_zip(roster, bad, {"xl/worksheets/sheet1.xml": declare})
    with zipfile.ZipFile(bad) as zf:
        assert b"XFD1048576" in zf.read("xl/worksheets/sheet1.xml")
    assert _code(_roster(bad)) == "ROSTER_TOO_LARGE"
    assert _code(_roster(roster, Limits(roster_rows=2))) == "ROSTER_TOO_LARGE"


def test_xls_roster_over_the_row_limit(roster_xls: Path) -> None:
    assert _roster(roster_xls).items
    assert _code(_roster(roster_xls, Limits(roster_rows=3))) == "ROSTER_TOO_LARGE"


def test_merge_over_a_whole_sheet_does_not_make_a_cell_per_covered_cell(form_xlsx: Path, tmp_path: Path) -> None:
    def merge_all(xml: bytes) -> bytes:
        return xml.replace(b"<mergeCell ", b'<mergeCell ref="A1:XFD1048576"/><mergeCell ', 1)

    bad = tmp_path / "merged.xlsx"
    hostile.rewrite_zip(form_xlsx, bad, {"xl/worksheets/sheet1.xml": merge_all})
    assert _code(_read(bad)) == "NO_FORM_FOUND"  # no work-record form is that large


def test_grid_merge_declared_past_the_grid_is_clipped() -> None:
    from zhidao.ingest.sheets import grid_to_page

    page = grid_to_page(1, [["a", "b"], ["c", "d"]], [(0, 10**6, 0, 10**4)], lambda r, c: f"R{r}C{c}")
    [table] = page.tables
    assert [[c.text for c in row] for row in table.rows] == [["a"], ["", ""]]  # placeholders keep the columns


# --- encrypted and broken Office files --------------------------------------------------------


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_encrypted_ooxml_is_file_encrypted(form_docx: Path, form_xlsx: Path, tmp_path: Path, kind: str) -> None:
    locked = tmp_path / f"locked.{kind}"
    hostile.encrypt_ooxml(form_docx if kind == "docx" else form_xlsx, locked)
    outcome = _read(locked)
    assert _code(outcome) == "FILE_ENCRYPTED"
    assert outcome.errors[0].remedy == ENCRYPTED_REMEDY


def test_encrypted_xls_and_doc_are_file_encrypted(form_doc: Path, roster_xls: Path, tmp_path: Path) -> None:
    xls, doc = tmp_path / "locked.xls", tmp_path / "locked.doc"
    hostile.encrypt_with_libreoffice([(roster_xls, xls, "MS Excel 97"), (form_doc, doc, "MS Word 97")])
    for path in (xls, doc):
        outcome = _read(path)
        assert _code(outcome) == "FILE_ENCRYPTED", path
        assert outcome.errors[0].remedy == ENCRYPTED_REMEDY
    assert _code(_roster(xls)) == "FILE_ENCRYPTED"


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_truncated_doc_and_xls_are_damaged(form_doc: Path, roster_xls: Path, tmp_path: Path, keep: float) -> None:
    for whole in (form_doc, roster_xls):
        cut = tmp_path / whole.name
        hostile.truncate(whole, cut, keep)
        outcome = _read(cut)
        assert _code(outcome) == "FILE_DAMAGED", (whole.name, outcome.errors)
        assert "旧版 Office 文件" not in outcome.errors[0].message or "不完整" in outcome.errors[0].message


def test_xls_missing_its_last_bytes_is_damaged(roster_xls: Path, tmp_path: Path) -> None:
    cut = tmp_path / "名单.xls"
    cut.write_bytes(roster_xls.read_bytes()[:-10])
    assert _code(_roster(cut)) == "FILE_DAMAGED"


# --- opened by content, whatever the name ------------------------------------------------------


@pytest.mark.parametrize("name", ["记录.xls", "记录.csv", "记录.bak", "记录"])
def test_xlsx_under_another_name_is_read_as_xlsx(form_xlsx: Path, tmp_path: Path, name: str) -> None:
    misnamed = tmp_path / name
    misnamed.write_bytes(form_xlsx.read_bytes())
    outcome = _read(misnamed)
    assert outcome.medium == "xlsx"
    assert not outcome.errors, outcome.errors
    assert len(outcome.items) == len(FORM.visits)


def test_xlsx_roster_named_csv_is_read_as_a_workbook(tmp_path: Path) -> None:
    misnamed = tmp_path / "名单.csv"
    write_xlsx(misnamed, ROSTER)
    assert [it.get("name") for it in _roster(misnamed).items] == ["周文涛"]


def test_doc_named_docx_is_read_as_doc(form_doc: Path, tmp_path: Path) -> None:
    misnamed = tmp_path / "记录.docx"
    misnamed.write_bytes(form_doc.read_bytes())
    outcome = _read(misnamed)
    assert outcome.medium == "doc"
    assert not outcome.errors, outcome.errors
    assert len(outcome.items) == len(FORM.visits)


def test_docx_named_doc_is_read_as_docx(form_docx: Path, tmp_path: Path) -> None:
    misnamed = tmp_path / "记录.doc"
    misnamed.write_bytes(form_docx.read_bytes())
    outcome = _read(misnamed)
    assert outcome.medium == "docx" and len(outcome.items) == len(FORM.visits)


def test_xls_named_xlsx_is_read_as_xls(roster_xls: Path, tmp_path: Path) -> None:
    misnamed = tmp_path / "名单.xlsx"
    misnamed.write_bytes(roster_xls.read_bytes())
    outcome = _read(misnamed)
    assert outcome.medium == "xls"
    assert [it.get("name") for it in outcome.items] == ["周文涛"]


def test_pdf_named_jpg_is_read_as_pdf(form_pdf: Path, tmp_path: Path) -> None:
    misnamed = tmp_path / "IMG_0001.jpg"
    misnamed.write_bytes(form_pdf.read_bytes())
    outcome = _read(misnamed)
    assert outcome.medium == "pdf" and len(outcome.items) == len(FORM.visits)


def test_sniffing_a_huge_ole_file_reads_only_its_structure(tmp_path: Path) -> None:
    from zhidao.ingest import sniff

    huge = tmp_path / "大文件.xls"
    with huge.open("wb") as fh:
        fh.write(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
        fh.truncate(300 << 20)  # sparse: 300 MB of nothing after an OLE signature
    tracemalloc.start()
    with pytest.raises(Exception) as raised:
        sniff(huge)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert getattr(raised.value, "code", None) == "FILE_DAMAGED"
    assert peak < 20 << 20, f"peak {peak >> 20} MB: the file was read"
