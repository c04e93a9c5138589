"""The OCR path end to end on real engines, on images the fixture code makes: clean, rotated,
noisy, fax-like, photo-like, hand-filled, multi-page (TIFF, image PDF, mixed PDF)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.scan_support import MONTHLY, SINGLE, check, write
from zhidao.fixtures import scans
from zhidao.fixtures.handwriting import KAI_FONT, hand_filled_form
from zhidao.fonts import register_cjk_font
from zhidao.ingest import read_path
from zhidao.model import ReadOptions


@pytest.fixture(scope="module")
def font() -> str:
    return register_cjk_font()


@pytest.fixture(scope="module")
def single_page(font: str) -> np.ndarray:
    return scans.render_form(SINGLE, font)


@pytest.fixture(scope="module")
def monthly_page(font: str) -> np.ndarray:
    return scans.render_form(MONTHLY, font)


def _read(path: Path, engine: str = "rapidocr") -> list:  # type: ignore[type-arg]
    outcome = read_path(path, str(path), ReadOptions(ocr_engine=engine))
    assert not outcome.errors, outcome.errors
    return list(outcome.items)


def test_clean_scan_reads_every_field(tmp_path: Path, single_page: np.ndarray) -> None:
    items = _read(write(tmp_path, "clean.png", single_page))
    right, total, silent = check(items, SINGLE)
    assert silent == [] and right == total
    assert items[0].values["instructor"].location is not None
    assert items[0].values["instructor"].location.bbox is not None, "scans keep the box of every value"
    assert items[0].steps["engine"] == "rapidocr"


@pytest.mark.parametrize("quarter_turns", [1, 2, 3])
def test_page_fed_sideways_or_upside_down(tmp_path: Path, single_page: np.ndarray, quarter_turns: int) -> None:
    items = _read(write(tmp_path, "turned.png", scans.rotate_quarter(single_page, quarter_turns)))
    right, total, silent = check(items, SINGLE)
    assert silent == [] and right >= total - 1
    assert items[0].steps["orientation"] != "0"


def test_office_scan_monthly_sheet(tmp_path: Path, monthly_page: np.ndarray) -> None:
    img = scans.office_scan(monthly_page, np.random.default_rng(7))
    path = tmp_path / "scan.jpg"
    scans.write_jpeg(path, img)
    right, total, silent = check(_read(path), MONTHLY)
    assert silent == [] and right >= total * 0.95


def test_noisy_scan_has_no_silent_errors(tmp_path: Path, monthly_page: np.ndarray) -> None:
    img = scans.noisy(monthly_page, np.random.default_rng(3))
    right, total, silent = check(_read(write(tmp_path, "noisy.png", img)), MONTHLY)
    assert silent == [] and right >= total * 0.8


def test_fax_has_no_silent_errors(tmp_path: Path, single_page: np.ndarray) -> None:
    img = scans.fax(single_page, np.random.default_rng(5))
    right, total, silent = check(_read(write(tmp_path, "fax.png", img)), SINGLE)
    assert silent == [] and right >= total * 0.7


def test_phone_photo_is_flattened(tmp_path: Path, single_page: np.ndarray) -> None:
    img = scans.photo(single_page, np.random.default_rng(11))
    path = tmp_path / "IMG_0001.jpg"
    scans.write_jpeg(path, img, quality=88)
    items = _read(path)
    right, total, silent = check(items, SINGLE)
    assert silent == [] and right >= total * 0.85
    assert "photo_corners" in items[0].steps


def test_hand_filled_form(tmp_path: Path, font: str) -> None:
    img, _ = hand_filled_form(SINGLE, font, KAI_FONT, np.random.default_rng(21))
    items = _read(write(tmp_path, "hand.png", img))
    right, total, silent = check(items, SINGLE)
    assert silent == []
    assert items[0].get("signed") is True, "a handwritten signature is seen by its ink"
    assert items[0].get("duties") == SINGLE.visits[0].duties or "duties" in items[0].review
    assert right >= total * 0.6


def test_multi_page_tiff_with_a_page_that_is_no_form(tmp_path: Path, single_page: np.ndarray,
                                                    monthly_page: np.ndarray) -> None:
    blank = np.full_like(single_page, 255)
    blank[200:260, 300:1300] = 0  # a bar: something on the page, but no form
    path = tmp_path / "stack.tiff"
    scans.write_tiff_pages(path, [single_page, blank, monthly_page])
    outcome = read_path(path, str(path))
    assert outcome.status == "partial"
    assert [e.page for e in outcome.errors] == [2] and outcome.errors[0].code == "NO_FORM_FOUND"
    assert sorted({it.page for it in outcome.items}) == [1, 3]
    assert len(outcome.items) == 1 + len(MONTHLY.visits)


def test_image_only_and_mixed_pdf(tmp_path: Path, font: str, single_page: np.ndarray) -> None:
    image_pdf = tmp_path / "scan0001.pdf"
    scans.write_image_pdf(image_pdf, [single_page])
    _, _, silent = check(_read(image_pdf), SINGLE)
    assert silent == []
    mixed = tmp_path / "mixed.pdf"
    scans.write_mixed_pdf(mixed, [SINGLE, MONTHLY], font, scanned_pages={1})
    items = _read(mixed)
    assert {it.page for it in items} == {1, 2}
    page2 = [it for it in items if it.page == 2]
    assert len(page2) == len(MONTHLY.visits) and all(it.steps for it in page2)
    assert not next(it for it in items if it.page == 1).steps, "the text page was read from its text layer"


def test_tesseract_end_to_end(tmp_path: Path, single_page: np.ndarray) -> None:
    items = _read(write(tmp_path, "clean.png", single_page), engine="tesseract")
    right, total, silent = check(items, SINGLE)
    assert items[0].steps["engine"] == "tesseract"
    assert silent == [] and right >= total * 0.6
