"""Fuzzing the ingest entry point: the bytes of real fixture files (docx, xlsx, xls, pdf, png, jpg,
tif) mutated by hypothesis. Nothing but our typed outcomes may come out: no exception escapes
``read_path``, every error has a stable code with a Chinese message, and a broken file is
classified (damaged, unrecognised …) rather than left to the catch-all READER_FAILED.

Bounded for CI; ``ZHIDAO_FUZZ_EXAMPLES=2000 python -m pytest tests/test_fuzz.py`` runs longer.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.scan_support import PLAN, SINGLE
from zhidao.fixtures.demo import DemoPaths
from zhidao.ingest import read_path
from zhidao.model import FileOutcome, ReadOptions

EXAMPLES = int(os.environ.get("ZHIDAO_FUZZ_EXAMPLES", "25"))
IMAGES = ("page.png", "page.jpg", "page.tif")  # a decodable image goes on to OCR: fewer examples
OPTIONS = ReadOptions(ocr_engine="tesseract")  # the quicker engine: what is fuzzed is the decoding


def _seeds(tmp: Path, demo: DemoPaths) -> dict[str, bytes]:
    from PIL import Image

    from zhidao.fixtures import scans
    from zhidao.fixtures.form_pdf import write_forms_pdf
    from zhidao.fixtures.roster_media import roster_table, write_xls
    from zhidao.fonts import register_cjk_font

    font = register_cjk_font()
    write_forms_pdf(tmp / "form.pdf", [SINGLE], font)
    write_xls(tmp / "roster.xls", roster_table(PLAN.roster))
    small = Image.fromarray(scans.render_form(SINGLE, font, dpi=40))
    small.save(tmp / "page.png")
    small.save(tmp / "page.jpg", quality=60)
    small.save(tmp / "page.tif", save_all=True, append_images=[small])
    seeds = {name: (tmp / name).read_bytes() for name in ("form.pdf", "roster.xls", "page.png", "page.jpg",
                                                           "page.tif")}
    seeds["form.docx"] = next(demo.inbox.glob("*.docx")).read_bytes()
    seeds["roster.xlsx"] = demo.roster.read_bytes()
    return seeds


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory, demo: DemoPaths) -> dict[str, bytes]:
    return _seeds(tmp_path_factory.mktemp("seeds"), demo)


@st.composite
def mutations(draw: st.DrawFn, data: bytes) -> bytes:
    """Flip, overwrite, insert, delete or truncate, a few times, anywhere in the file."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "overwrite", "insert", "delete", "truncate"]))
        at = draw(st.integers(0, max(0, len(out) - 1)))
        if not out:
            break
        if kind == "flip":
            out[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=16))
            out[at:at + len(chunk)] = chunk
        elif kind == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "delete":
            del out[at:at + draw(st.integers(1, 256))]
        else:
            del out[at:]
    return bytes(out)


def _check(outcome: FileOutcome) -> None:
    assert isinstance(outcome, FileOutcome)
    for error in outcome.errors:
        assert error.code.isupper() and error.code.replace("_", "").isalpha()
        assert any("\u4e00" <= ch <= "\u9fff" for ch in error.message), error
        assert error.code != "READER_FAILED", f"an unclassified failure: {error.message}"


@pytest.mark.parametrize("name", ["form.docx", "roster.xlsx", "roster.xls", "form.pdf", "page.png", "page.jpg",
                                  "page.tif"])
def test_mutated_files_give_typed_outcomes(seeds: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory,
                                           name: str) -> None:
    folder = tmp_path_factory.mktemp("fuzz")

    @settings(max_examples=max(1, EXAMPLES // 5) if name in IMAGES else EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=mutations(seeds[name]))
    def fuzz(data: bytes) -> None:
        path = folder / name
        path.write_bytes(data)
        _check(read_path(path, name, OPTIONS))

    fuzz()
