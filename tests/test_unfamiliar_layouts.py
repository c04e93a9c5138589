"""Layouts not seen before: fields are found by their (synonym) labels, wherever they stand."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from zhidao.fixtures.quarter import plan_quarter
from zhidao.fixtures.unfamiliar import LAYOUTS, write_unfamiliar_docx
from zhidao.ingest import read_path

VISIT = next(v for f in plan_quarter(2026).forms for v in f.visits if v.problems and v.signed and len(v.duties) > 1)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_synonym_labels_in_an_unfamiliar_layout(tmp_path: Path, layout: str) -> None:
    path = tmp_path / "登记表.docx"
    write_unfamiliar_docx(path, VISIT, "2026年10月3日", layout)
    outcome = read_path(path, str(path))
    assert not outcome.errors, outcome.errors
    [item] = outcome.items
    assert item.get("instructor") == VISIT.instructor
    assert item.get("enterprise") == VISIT.enterprise
    assert item.get("visit_date") == VISIT.date.isoformat()
    assert re.sub(r"\s", "", str(item.get("content"))) == re.sub(r"\s", "", VISIT.content)
    assert item.get("duties") == VISIT.duties
    assert item.get("problems") == VISIT.problems
    assert item.get("signed") is True
    assert item.get("report_date") == "2026-10-03"
    assert item.review == ()


def test_a_document_with_no_form_labels_says_how_much_it_saw_not_what(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("关于召开季度交流会的通知")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "会议时间安排", "地点"
    document.save(str(tmp_path / "通知.docx"))
    outcome = read_path(tmp_path / "通知.docx", "通知.docx")
    assert outcome.errors[0].code == "NO_FORM_FOUND"
    assert "会议时间安排" not in outcome.errors[0].message  # the contents of a non-form never leak (issue 11)
    assert "识别到" in outcome.errors[0].message
