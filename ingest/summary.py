"""Half-year work summaries (党建工作总结): a document whose title holds 总结.

Only what the SUMMARY_MISSING rule needs is read: the title, and the instructor when the text
names them with a label ('指导员：…'); the pipeline links the rest by the roster's names.
"""

from __future__ import annotations

from pathlib import Path

from zhidao.errors import NO_FORM_FOUND, InputError
from zhidao.model import Item, ReadOptions, SourceFile, Value
from zhidao.text import clean_name

from .labels import RECORD_MATCHER
from .layout import Page

EXTRACTOR = "summary/1"
TITLE_WORD = "总结"


def summary_item(path: Path, source: SourceFile, pages: list[Page]) -> Item:
    lines = [line for page in pages for line in page.lines if line.text.strip()]
    title = next((line for line in lines[:4] if TITLE_WORD in line.text), None)
    if title is None and TITLE_WORD not in path.stem:
        raise InputError(NO_FORM_FOUND, "既不是工作记录表，也不是工作总结", path,
                         "请确认文件内容；工作总结的标题应含“总结”二字")
    name = None
    for line in lines[:12]:
        for key, _, value in RECORD_MATCHER.split_inline(line.text):
            if key in ("instructor", "filler") and clean_name(value):
                name = Value(clean_name(value.split()[0]), value, line.confidence, line.location)
                break
        if name:
            break
    head = " ".join(line.text for line in lines[:20])[:500]
    values = {
        "title": Value(title.text.strip() if title else path.stem, title.text if title else None, 1.0,
                       title.location if title else None),
        "instructor": name or Value(None, None, 0.5, None),
        "text": Value(head, None, 1.0, None),
    }
    return Item("summary", source, 1, 0, values, () if name else ("instructor",), EXTRACTOR)


def read_docx(path: Path, source: SourceFile, options: ReadOptions) -> list[Item]:
    from .docx import docx_to_page

    return [summary_item(path, source, [docx_to_page(path, options.limits)])]


def read_pdf(path: Path, source: SourceFile, options: ReadOptions) -> list[Item]:
    from .pdf import pdf_to_pages

    pages, _ = pdf_to_pages(path, options)
    return [summary_item(path, source, pages)]
