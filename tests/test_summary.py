"""Half-year work summaries (党建工作总结) read from real documents and linked to instructors."""

from __future__ import annotations

from pathlib import Path

import docx

from zhidao.ingest import read_path
from zhidao.ingest.frames import items_to_summaries


def _summary(path: Path, title: str, lines: list[str]) -> Path:
    document = docx.Document()
    document.add_paragraph(title)
    for line in lines:
        document.add_paragraph(line)
    document.save(str(path))
    return path


def test_a_summary_is_recognised_and_linked_by_its_label(tmp_path: Path) -> None:
    path = _summary(tmp_path / "总结.docx", "2026年上半年非公企业党建工作指导员工作总结",
                    ["指导员：许静　　派驻企业：青川县华美服饰有限公司", "上半年，我按照县委组织部的部署……"])
    outcome = read_path(path, path.name)
    [item] = outcome.items
    assert item.kind == "summary" and item.get("instructor") == "许静"
    frame = items_to_summaries([item], {item.source.sha256: "2026-07-08"}, ["许静", "周文涛"])
    assert frame["instructor"].tolist() == ["许静"] and frame["received"].tolist() == ["2026-07-08"]


def test_a_summary_without_a_label_is_linked_by_the_roster_name_in_its_title(tmp_path: Path) -> None:
    path = _summary(tmp_path / "a.docx", "周文涛同志2026年上半年党建工作总结", ["一、主要工作……"])
    [item] = read_path(path, path.name).items
    frame = items_to_summaries([item], {}, ["许静", "周文涛"])
    assert frame["instructor"].tolist() == ["周文涛"]


def test_a_document_that_is_neither_form_nor_summary_stays_an_error(tmp_path: Path) -> None:
    path = _summary(tmp_path / "通知.docx", "关于召开交流会的通知", ["各位指导员："])
    outcome = read_path(path, path.name)
    assert not outcome.items and outcome.errors[0].code == "NO_FORM_FOUND"
