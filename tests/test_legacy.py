"""Old .doc work records through LibreOffice headless, and the error when it is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhidao.fixtures.forms import write_monthly_docx, write_single_visit_docx
from zhidao.fixtures.legacy import docx_to_doc
from zhidao.fixtures.quarter import plan_quarter
from zhidao.ingest import read_path, sniff
from zhidao.model import Item

FIELDS = ("instructor", "unit", "enterprise", "visit_date", "content", "duties", "problems", "signed",
          "report_date", "remarks")


def _values(items: tuple[Item, ...]) -> list[tuple[object, ...]]:
    return [tuple(it.get(f) for f in FIELDS) for it in items]


@pytest.mark.parametrize("family", ["A", "B"])
def test_doc_reads_like_the_docx_it_was_saved_from(tmp_path: Path, family: str) -> None:
    form = next(f for f in plan_quarter(2026).forms if f.family == family)
    docx, doc = tmp_path / "记录.docx", tmp_path / "记录.doc"
    (write_single_visit_docx if family == "A" else write_monthly_docx)(docx, form)
    docx_to_doc(docx, doc)
    assert sniff(doc) == "doc"
    from_docx, from_doc = read_path(docx, "a"), read_path(doc, "b")
    assert not from_doc.errors, from_doc.errors
    assert _values(from_doc.items) == _values(from_docx.items)
    assert len(from_doc.items) == len(form.visits)


def test_missing_libreoffice_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docx, doc = tmp_path / "旧记录.docx", tmp_path / "旧记录.doc"
    write_single_visit_docx(docx, next(f for f in plan_quarter(2026).forms if f.family == "A"))
    docx_to_doc(docx, doc)  # a real .doc (sniffing checks the OLE container is whole)
    monkeypatch.setenv("ZHIDAO_SOFFICE", str(tmp_path / "no-such-soffice"))
    outcome = read_path(doc, str(doc))
    assert outcome.errors[0].code == "CONVERTER_MISSING"
    assert "LibreOffice" in outcome.errors[0].message and "apt-get install" in outcome.errors[0].remedy
