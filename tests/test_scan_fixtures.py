"""Raster fixtures for the OCR path: rendering, degradations, hand filling and the file writers.

Every degradation is deterministic for a seed and changes the page the way its medium does;
the writers give the frame / page / text-layer structure the readers will meet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pdfplumber
import pytest
from PIL import Image as PILImage

from zhidao.fixtures.handwriting import KAI_FONT, hand_filled_form, value_boxes
from zhidao.fixtures.model import FormFile
from zhidao.fixtures.quarter import plan_quarter
from zhidao.fixtures.scans import (
    Degradation,
    Image,
    fax,
    noisy,
    office_scan,
    photo,
    render_form,
    render_pages,
    rotate_quarter,
    write_image_pdf,
    write_jpeg,
    write_mixed_pdf,
    write_png,
    write_tiff_pages,
)
from zhidao.fonts import register_cjk_font

FORMS = plan_quarter(2026).forms
SINGLE = next(f for f in FORMS if f.family == "A" and f.layout == 2 and f.visits[0].problems)
MONTHLY = next(f for f in FORMS if f.family == "B" and len(f.visits) >= 6)
A4_AT_200 = (2339, 1654)  # 842 x 595 pt at 200 dpi
DEGRADATIONS: list[Degradation] = [office_scan, noisy, fax, photo]


@pytest.fixture(scope="module")
def font() -> str:
    return register_cjk_font()


@pytest.fixture(scope="module")
def clean(font: str) -> Image:
    return render_form(MONTHLY, font)


@pytest.fixture(scope="module")
def small(font: str) -> Image:
    """The same page at 100 dpi, where only determinism or file structure is checked."""
    return render_form(MONTHLY, font, dpi=100)


def _rng(seed: int = 7) -> np.random.Generator:
    return np.random.default_rng(seed)


def _blue(img: Image) -> npt.NDArray[np.bool_]:
    """Pixels of blue ink on a BGR page."""
    b, g, r = (img[..., i].astype(np.int16) for i in range(3))
    return np.asarray((b - r > 40) & (b - g > 25), dtype=np.bool_)


def _long_month() -> FormFile:
    """MONTHLY stretched to 20 days: its table runs onto a second page."""
    visits = tuple(replace(MONTHLY.visits[0], date=dt.date(2026, 7, day)) for day in range(1, 21))
    return replace(MONTHLY, visits=visits)


def test_render_gives_a_grayscale_a4_page(clean: Image) -> None:
    assert clean.dtype == np.uint8 and clean.ndim == 2
    assert abs(clean.shape[0] - A4_AT_200[0]) <= 1 and abs(clean.shape[1] - A4_AT_200[1]) <= 1
    assert clean.min() < 50 and np.median(clean) == 255  # black print on white paper


def test_render_pages_returns_every_page(font: str) -> None:
    pages = render_pages([SINGLE, _long_month()], font, dpi=100)
    assert len(pages) == 3
    assert all(p.shape == pages[0].shape and p.dtype == np.uint8 for p in pages)


@pytest.mark.parametrize("degrade", DEGRADATIONS, ids=lambda f: f.__name__)
def test_degradations_are_deterministic(small: Image, degrade: Degradation) -> None:
    first, again, other = degrade(small, _rng(3)), degrade(small, _rng(3)), degrade(small, _rng(4))
    assert first.dtype == np.uint8
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_office_scan_keeps_size_and_kind_and_changes_little(clean: Image) -> None:
    scan = office_scan(clean, _rng())
    assert scan.shape == clean.shape
    assert not np.array_equal(scan, clean)
    assert np.abs(scan.astype(np.int16) - clean).mean() < 25  # a skewed copy, not a new picture
    colour = office_scan(np.dstack([clean] * 3), _rng())
    assert colour.shape == (*clean.shape, 3)


def test_rotate_quarter_turns_the_page(clean: Image) -> None:
    side = rotate_quarter(clean, 1)
    assert side.shape == clean.shape[::-1]
    assert np.array_equal(rotate_quarter(clean, 2), clean[::-1, ::-1])
    assert np.array_equal(rotate_quarter(rotate_quarter(side, 2), 1), clean)
    with pytest.raises(ValueError):
        rotate_quarter(clean, 4)


def test_noisy_is_much_noisier_than_an_office_scan(clean: Image) -> None:
    bad, scan = noisy(clean, _rng()), office_scan(clean, _rng())
    assert bad.shape == clean.shape
    paper = slice(2000, 2300), slice(200, 1400)  # blank paper under the table
    assert bad[paper].std() > 3 * scan[paper].std()
    assert (bad[paper] == 0).mean() > 0.005  # pepper


def test_fax_is_black_and_white(clean: Image) -> None:
    out = fax(clean, _rng())
    assert out.shape == clean.shape and out.ndim == 2
    assert set(np.unique(out)) <= {0, 255}
    assert 0.005 < (out == 0).mean() < 0.2


def test_photo_puts_the_page_on_a_darker_desk(clean: Image) -> None:
    out = photo(clean, _rng())
    h, w = clean.shape
    assert out.ndim == 3 and out.shape[0] > h and out.shape[1] > w
    gray = out.mean(axis=2)
    bh, bw = out.shape[0] // 25, out.shape[1] // 25
    border = np.concatenate([gray[:bh].ravel(), gray[-bh:].ravel(), gray[:, :bw].ravel(), gray[:, -bw:].ravel()])
    centre = gray[out.shape[0] // 3: 2 * out.shape[0] // 3, out.shape[1] // 3: 2 * out.shape[1] // 3]
    assert border.mean() < 0.7 * centre.mean()
    assert out[..., 2].mean() > out[..., 0].mean()  # warm light: more red than blue


def test_hand_filled_form_writes_blue_ink_into_the_value_cells(font: str) -> None:
    for form in (SINGLE, MONTHLY):
        img, written = hand_filled_form(form, font, KAI_FONT, _rng(), degrade=False)
        boxes = value_boxes(form, font)
        assert set(written) == set(boxes)
        blue = _blue(img)
        near = np.zeros_like(blue)
        for field, box in boxes.items():
            assert blue[box.top:box.bottom, box.x0:box.x1].sum() > 100, field
            near[max(0, box.top - 40):box.bottom + 40, max(0, box.x0 - 40):box.x1 + 40] = True
            if field == "duties":  # ticks over the printed boxes
                continue
            # the printed value was erased: no dark neutral (printed) pixels left in its place
            cell = img[box.top:box.bottom, box.x0:box.x1].astype(np.int16)
            printed = (cell.max(axis=2) < 100) & (cell.max(axis=2) - cell.min(axis=2) < 20)
            assert printed.sum() < 20, field
        assert blue[~near].sum() == 0


def test_hand_filled_form_tells_what_was_written(font: str) -> None:
    visit = SINGLE.visits[0]
    single = hand_filled_form(SINGLE, font, KAI_FONT, _rng(), degrade=False)[1]
    assert single["instructor"] == visit.instructor and single["signer"] == visit.signer
    assert single["duties"] == ",".join(visit.duties) and single["problems"] == visit.problems
    monthly = hand_filled_form(MONTHLY, font, KAI_FONT, _rng(), degrade=False)[1]
    assert monthly["filler"] == MONTHLY.instructor and monthly["1.content"] == MONTHLY.visits[0].content
    assert sum(key.endswith(".date") for key in monthly) == len(MONTHLY.visits)


def test_hand_filled_form_is_scanned_and_deterministic(font: str) -> None:
    img, written = hand_filled_form(SINGLE, font, KAI_FONT, _rng(9))
    again, written_again = hand_filled_form(SINGLE, font, KAI_FONT, _rng(9))
    assert img.ndim == 3 and img.dtype == np.uint8
    assert np.array_equal(img, again) and written == written_again
    assert _blue(img).sum() > 2000  # the ink survives the scan


def test_png_and_jpeg_writers(tmp_path: Path, small: Image) -> None:
    clean = small
    colour = photo(small, _rng())
    write_png(tmp_path / "page.png", clean)
    write_jpeg(tmp_path / "photo.jpg", colour, quality=80)
    with PILImage.open(tmp_path / "page.png") as png, PILImage.open(tmp_path / "photo.jpg") as jpg:
        assert png.mode == "L" and png.size == clean.shape[::-1]
        assert round(png.info["dpi"][0]) == 200
        assert jpg.mode == "RGB" and jpg.size == colour.shape[1::-1]
        assert np.array_equal(np.asarray(png), clean)


def test_tiff_holds_one_frame_per_page(tmp_path: Path, clean: Image) -> None:
    pages = [clean, office_scan(clean, _rng()), fax(clean, _rng())]
    write_tiff_pages(tmp_path / "stack.tif", pages)
    with PILImage.open(tmp_path / "stack.tif") as tif:
        assert getattr(tif, "n_frames", 1) == 3
        assert tif.info["compression"] == "tiff_adobe_deflate"


def test_image_pdf_has_pages_and_no_text(tmp_path: Path, clean: Image) -> None:
    path = tmp_path / "scan0021.pdf"
    write_image_pdf(path, [office_scan(clean, _rng(1)), office_scan(clean, _rng(2))], dpi=200)
    with pdfplumber.open(path) as pdf:
        assert len(pdf.pages) == 2
        for page in pdf.pages:
            assert not page.chars and len(page.images) == 1
            assert abs(page.width - 595) < 2 and abs(page.height - 842) < 2


def test_mixed_pdf_has_text_only_on_the_text_pages(tmp_path: Path, font: str) -> None:
    forms = [SINGLE, _long_month(), MONTHLY]  # four pages: 0, 1-2, 3
    path = tmp_path / "mixed.pdf"
    write_mixed_pdf(path, forms, font, {1, 3}, dpi=100, rng=_rng())
    with pdfplumber.open(path) as pdf:
        assert [bool(page.chars) for page in pdf.pages] == [True, False, True, False]
        assert [len(page.images) for page in pdf.pages] == [0, 1, 0, 1]
        assert "".join(c["text"] for c in pdf.pages[0].chars).find(SINGLE.instructor) >= 0
    with pytest.raises(ValueError):
        write_mixed_pdf(path, forms, font, {4})
