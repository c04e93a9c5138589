"""imaging.components / imaging.kept (the scan path's connected components, 16-bit labels where
they fit) against OpenCV's 32-bit labelling, and the recogniser's calls kept small."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from zhidao.ingest.imaging import components, kept


def _mask(seed: int, density: float, shape: tuple[int, int] = (300, 400)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    dots = (rng.random(shape) < density).astype(np.uint8) * 255
    return np.asarray(cv2.dilate(dots, np.ones((3, 3), np.uint8)), dtype=np.uint8)


@pytest.mark.parametrize("connectivity", [4, 8])
def test_components_match_opencv_32_bit_labels(connectivity: int) -> None:
    mask = _mask(1, 0.01)
    n, labels, stats, centroids = components(mask, connectivity)
    n32, labels32, stats32, centroids32 = cv2.connectedComponentsWithStats(mask, connectivity=connectivity,
                                                                          ltype=cv2.CV_32S)
    assert n == n32 > 50
    assert np.array_equal(labels.astype(np.int64), labels32.astype(np.int64))
    assert np.array_equal(stats, stats32)
    assert np.allclose(centroids, centroids32)


def test_more_components_than_16_bits_hold_are_all_counted() -> None:
    dots = np.zeros((520, 520), np.uint8)
    dots[::2, ::2] = 255  # 260 × 260 = 67 600 lone dots
    n, labels, _, _ = components(dots, 8)
    assert n == 260 * 260 + 1
    assert int(labels.max()) == 260 * 260


@pytest.mark.parametrize(("density", "share"), [(0.01, 0.05), (0.01, 0.95), (0.02, 0.5), (0.0005, 0.5)])
def test_kept_is_the_mask_of_the_kept_components(density: float, share: float) -> None:
    mask = _mask(2, density, (400, 500))
    found = components(mask)
    keep = np.random.default_rng(3).random(found[0]) < share
    before = keep.copy()
    expected = np.where(np.where(np.arange(found[0]) == 0, False, keep)[found[1]], 255, 0).astype(np.uint8)
    out = kept(mask, found, keep)
    assert out.dtype == np.uint8
    assert np.array_equal(out, expected)
    assert np.array_equal(keep, before)  # the caller's array is left as it was


def test_recogniser_calls_stay_small_and_read_the_same() -> None:
    pytest.importorskip("rapidocr_onnxruntime")
    from PIL import Image, ImageDraw, ImageFont

    from zhidao.fonts import cjk_font_path
    from zhidao.ingest.engines.rapid import REC_PIXELS, RapidEngine

    font = ImageFont.truetype(str(cjk_font_path()), 32)
    texts = ["一", "2026年3月15日", "张三", "企业党建工作指导员走访座谈了解情况", "是", "县总工会"]
    crops = []
    for text in texts:
        img = Image.new("RGB", (round(font.getlength(text)) + 20, 48), "white")
        ImageDraw.Draw(img).text((10, 6), text, font=font, fill="black")
        crops.append(np.asarray(img)[:, :, ::-1].copy())
    engine = RapidEngine()
    session = engine._ocr.text_rec.session
    shapes: list[tuple[int, ...]] = []

    def counting(batch: np.ndarray) -> list[np.ndarray]:
        shapes.append(batch.shape)
        out: list[np.ndarray] = session(batch)
        return out

    engine._ocr.text_rec.session = counting
    together = engine.recognise(crops)
    alone = [engine.recognise([c])[0] for c in crops]
    assert [t for t, _ in together] == [t for t, _ in alone]
    assert [t for t, _ in together][1:4] == texts[1:4]
    assert all(n * w <= max(REC_PIXELS, w) for n, _, _, w in shapes)


def test_a_long_line_is_cut_at_the_widest_gap_near_its_middle() -> None:
    from zhidao.ingest.cells_ocr import cuts, joined

    ink = np.zeros((20, 200), bool)
    for x0, x1 in ((0, 40), (43, 90), (98, 120), (122, 200)):  # gaps 3, 8 (near the middle) and 2 px
        ink[:, x0:x1] = True
    assert cuts(ink, 2, 5.0) == [94]
    assert cuts(ink, 2, 9.0) == []  # no gap that wide: not cut
    assert cuts(ink, 3, 2.0) == [121]  # no gap within CUT_NEAR of the first even cut (at 67)
    text, score = joined([("建设党员队伍 ", 0.9), (" 积极探", 0.6)])
    assert text == "建设党员队伍积极探"
    assert abs(score - (6 * 0.9 + 3 * 0.6) / 9) < 1e-9
    assert joined([("附件2 ", 0.7)]) == ("附件2 ", 0.7)  # one part: as the recogniser read it
