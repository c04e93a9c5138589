"""Pure image operations of the scan path (OpenCV/numpy): load, orient, deskew, find the page
in a photo and flatten it, even out the lighting. Each returns what it did, for the record."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from zhidao.errors import image_too_large, too_many_pages
from zhidao.model import Limits

from .limits import check_file_size, check_image_pixels

WORK_DPI = 200  # the resolution pages are brought to (image-only PDF pages are rendered at it)


@dataclass(frozen=True)
class Flattened:
    image: np.ndarray
    quad: tuple[tuple[float, float], ...] | None  # the page corners found in a photo, if any


def iter_images(path: Path, limits: Limits | None = None) -> Iterator[np.ndarray]:
    """Every frame of an image file (multi-page TIFF included), as grayscale uint8, decoded one
    at a time. The frame count and every frame's pixel count are checked from the headers
    now, before any frame is decoded (TOO_MANY_PAGES, IMAGE_TOO_LARGE)."""
    from PIL import Image

    limits = limits or Limits()
    check_file_size(path, limits)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the limits below decide
        try:
            img = Image.open(path)  # lazy: the header only
        except Image.DecompressionBombError as exc:
            raise image_too_large(path, 0, 0, limits.image_pixels) from exc
    try:
        count = _check_frames(path, img, limits)
    except BaseException:
        img.close()
        raise
    return _decode(img, count)


def _decode(img: Any, count: int) -> Iterator[np.ndarray]:
    from PIL import ImageOps

    with img:
        for index in range(count):
            img.seek(index)
            upright = ImageOps.exif_transpose(img.convert("RGB"))
            yield cv2.cvtColor(np.asarray(upright), cv2.COLOR_RGB2GRAY)


def _check_frames(path: Path, img: Any, limits: Limits) -> int:
    """The number of frames, every frame's size read from its header (seeking decodes nothing)."""
    count = 0
    while True:
        try:
            img.seek(count)
        except EOFError:
            break
        if count >= limits.image_frames:
            raise too_many_pages(path, count + 1, limits.image_frames, "帧")
        width, height = img.size
        check_image_pixels(path, width, height, limits, count + 1 if count else None)
        count += 1
    return count


def load_images(path: Path, limits: Limits | None = None) -> list[np.ndarray]:
    """Every frame of an image file, as grayscale uint8 (see :func:`iter_images`)."""
    return list(iter_images(path, limits))


_LABELS_16 = 65535  # the most labels a 16-bit label image holds


@functools.cache
def _refuses_label_overflow() -> bool:
    """Whether this OpenCV raises when 16-bit labels would overflow (newer builds check; older
    ones wrap silently, and then only 32-bit labels are safe)."""
    row = np.zeros((1, 2 * _LABELS_16 + 2), np.uint8)
    row[0, ::2] = 255  # 65 536 separate dots: one label more than 16 bits hold
    try:
        cv2.connectedComponentsWithStats(row, connectivity=8, ltype=cv2.CV_16U)
    except cv2.error:
        return True
    return False


Components = tuple[int, np.ndarray, np.ndarray, np.ndarray]  # count, labels, stats, centroids


def _labelled(mask: np.ndarray, connectivity: int, ltype: int) -> Components:
    n, labels, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=connectivity, ltype=ltype)
    return int(n), labels, stats, centroids


def components(mask: np.ndarray, connectivity: int = 8) -> Components:
    """``cv2.connectedComponentsWithStats``, with 16-bit labels where they fit: on a page-sized
    mask about three times faster than 32-bit ones (the stats pass is the cost). A mask with
    more components than 16 bits hold, or an OpenCV that would wrap them, gets 32-bit labels."""
    if not _refuses_label_overflow():
        return _labelled(mask, connectivity, cv2.CV_32S)
    try:
        return _labelled(mask, connectivity, cv2.CV_16U)
    except cv2.error:  # more components than 16-bit labels hold
        return _labelled(mask, connectivity, cv2.CV_32S)


_PAINT_MAX = 400  # components painted one by one (in their boxes) rather than by a lookup over the image


def kept(mask: np.ndarray, found: Components, keep: np.ndarray) -> np.ndarray:
    """255 where a component of ``mask`` (labelled in ``found``) has ``keep[label]`` True, 0
    elsewhere (the background, label 0, is never kept): ``np.where(keep[labels], 255, 0)``,
    painted in the components' boxes when few are kept or few dropped (a lookup over every
    pixel of a page costs ≈ 8-13 ms)."""
    _, labels, stats, _ = found
    keep = keep.copy()
    keep[0] = False
    wanted, unwanted = np.flatnonzero(keep), np.flatnonzero(~keep[1:]) + 1
    if min(len(wanted), len(unwanted)) > _PAINT_MAX:
        return np.where(keep[labels], 255, 0).astype(np.uint8)
    if len(wanted) <= len(unwanted):
        paint, value = wanted, 255
        out = np.zeros(labels.shape, np.uint8)
    else:
        paint, value = unwanted, 0
        out = np.asarray(cv2.threshold(mask, 0, 255, cv2.THRESH_BINARY)[1], dtype=np.uint8)
    for i in paint:
        x, y, w, h = (int(v) for v in stats[i, :4])
        box = out[y : y + h, x : x + w]
        box[labels[y : y + h, x : x + w] == i] = value
    return out


def to_gray(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def rotate_quarter(gray: np.ndarray, degrees: int) -> np.ndarray:
    """Rotate counter-clockwise by 0/90/180/270 degrees."""
    k = (degrees // 90) % 4
    return np.ascontiguousarray(np.rot90(gray, k)) if k else gray


def even_light(gray: np.ndarray) -> np.ndarray:
    """Divide by a blurred background estimate: shadows and gradients of a photo go white."""
    h, w = gray.shape
    k = max(31, (min(h, w) // 20) | 1)
    background = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15)))
    background = cv2.GaussianBlur(background, (k, k), 0)
    out = cv2.divide(gray, background, scale=255)
    return out


def skew_angle(gray: np.ndarray, limit: float = 6.0) -> float:
    """The small rotation (degrees, counter-clockwise positive, as cv2 takes it) that makes the
    page's lines horizontal: from its long ruling lines when it has them, else from the row
    profile of its text."""
    h, w = gray.shape
    scale = 1000 / max(h, w)
    small = cv2.resize(gray, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    ink = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    # long strokes only: Hough then sees ruling lines, not the strokes of every character
    strokes = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (25, 1)))
    lines = cv2.HoughLinesP(strokes, 1, np.pi / 1800, threshold=150, minLineLength=small.shape[1] // 4, maxLineGap=8)
    angles, weights = [], []
    for x1, y1, x2, y2 in (lines.reshape(-1, 4) if lines is not None else []):
        angle = float(np.degrees(np.arctan2(y2 - y1, x2 - x1)))
        if abs(angle) <= limit:
            angles.append(angle)
            weights.append(float(np.hypot(x2 - x1, y2 - y1)))
    if len(angles) >= 3:
        order = np.argsort(angles)
        cumulative = np.cumsum(np.array(weights)[order])
        return round(float(np.array(angles)[order][np.searchsorted(cumulative, cumulative[-1] / 2)]), 2)
    return _profile_skew(ink, limit)


def _profile_skew(ink: np.ndarray, limit: float) -> float:
    """Text only: the angle that maximises the variance of the row profile."""
    centre = (ink.shape[1] / 2, ink.shape[0] / 2)
    work = ink.astype(np.float32)

    def score(angle: float) -> float:
        m = cv2.getRotationMatrix2D(centre, angle, 1.0)
        rotated = cv2.warpAffine(work, m, (work.shape[1], work.shape[0]), flags=cv2.INTER_NEAREST)
        return float(np.var(rotated.sum(axis=1)))

    best = max(np.arange(-limit, limit + 0.01, 0.5), key=score)
    fine = max(np.arange(best - 0.5, best + 0.51, 0.1), key=score)
    return round(float(fine), 2)


def rotate_small(gray: np.ndarray, angle: float) -> np.ndarray:
    if abs(angle) < 0.05:
        return gray
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


def find_page(gray: np.ndarray) -> np.ndarray | None:
    """The four corners of a sheet of paper lying on a darker background, or None when the
    image already is the page (a scan)."""
    h, w = gray.shape
    scale = 600 / max(h, w)
    small = cv2.resize(gray, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    blur = cv2.GaussianBlur(small, (5, 5), 0)
    _, mask = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    biggest = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(biggest) / (small.shape[0] * small.shape[1])
    if not 0.25 < area < 0.93:
        return None
    quad = cv2.approxPolyDP(biggest, 0.02 * cv2.arcLength(biggest, True), True)
    if len(quad) != 4:
        return None
    corners: np.ndarray = (quad.reshape(4, 2).astype(np.float32) / scale).astype(np.float32)
    return corners


def _order(quad: np.ndarray) -> np.ndarray:
    s, d = quad.sum(axis=1), np.diff(quad, axis=1).ravel()
    return np.array([quad[np.argmin(s)], quad[np.argmin(d)], quad[np.argmax(s)], quad[np.argmax(d)]], np.float32)


def flatten_photo(gray: np.ndarray) -> Flattened:
    """A phone photo → the page alone, perspective corrected to A4 proportions, lighting evened."""
    quad = find_page(gray)
    if quad is None:
        return Flattened(gray, None)
    return warp_page(gray, quad)


def warp_page(gray: np.ndarray, quad: np.ndarray) -> Flattened:
    tl, tr, br, bl = _order(quad)
    width = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
    height = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
    if height >= width:
        out_w, out_h = 1654, 2339  # A4 at WORK_DPI
    else:
        out_w, out_h = 2339, 1654
    target = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]], np.float32)
    m = cv2.getPerspectiveTransform(np.array([tl, tr, br, bl]), target)
    page = cv2.warpPerspective(gray, m, (out_w, out_h), flags=cv2.INTER_LINEAR, borderValue=255)
    corners = tuple((float(x), float(y)) for x, y in (tl, tr, br, bl))
    return Flattened(even_light(page), corners)


def normalise_resolution(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """Bring a page to about WORK_DPI (A4's long side ≈ 2339 px); returns (image, scale)."""
    long_side = max(gray.shape)
    target = 2339
    if 0.8 * target <= long_side <= 1.25 * target:
        return gray, 1.0
    scale = target / long_side
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(gray, (round(gray.shape[1] * scale), round(gray.shape[0] * scale)), interpolation=interp), scale


def despeckle(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """Median-filter a page peppered with isolated dots (a noisy scanner); returns the image
    and the dots per thousand pixels found (0 when it was left as it was)."""
    h, w = gray.shape
    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 20)
    _, _, stats, _ = components(ink)
    dots = float((stats[1:, cv2.CC_STAT_AREA] <= 3).sum()) * 1000 / (h * w)
    if dots < SPECKLED:
        return gray, 0.0
    return cv2.medianBlur(gray, 3), round(dots, 2)


SPECKLED = 1.0  # isolated dots per thousand pixels on a page that needs despeckling


def replay_steps(gray: np.ndarray, steps: dict[str, str]) -> np.ndarray:
    """Re-apply the recorded geometry of a scanned page (photo corners, scale, quarter turn,
    deskew), so that boxes recorded on the prepared page fall on the same pixels again."""
    if "photo_corners" in steps:
        quad = np.array([[float(v) for v in p.split(",")] for p in steps["photo_corners"].split(";")], np.float32)
        gray = warp_page(gray, quad).image
    gray, _ = normalise_resolution(gray)
    gray = rotate_quarter(gray, int(steps.get("orientation", "0")))
    return rotate_small(gray, float(steps.get("deskew_degrees", "0")))
