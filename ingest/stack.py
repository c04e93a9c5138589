"""A stack of pages (a PDF, a multi-page TIFF, one scan) → forms → records.

Each page is a form of its own, except a page that continues the previous monthly sheet (a
headerless table of the same columns) or holds only its footer. A page that is no form yields
an error for that page; the others go on.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from zhidao.errors import no_form_found
from zhidao.model import ErrorInfo, Item, SourceFile

from .forms import PageFields, fields_to_items, is_form, page_to_fields, seen_labels
from .layout import Page

# What a page holding only the end of the previous form may add to it.
_FOOTER_KEYS = frozenset({"report_date", "filler", "problems", "remarks", "month", "phone"})


def _continues(prev: PageFields | None, fields: PageFields) -> bool:
    """A page continues the previous monthly sheet when it brings rows but no form header."""
    return (prev is not None and prev.rows is not None and fields.rows is not None
            and not ({"instructor", "enterprise", "month", "unit"} & fields.header.keys()))


def pages_to_forms(pages: list[Page]) -> tuple[list[tuple[int, PageFields]], list[int]]:
    """A stack of pages → its forms (page number, fields) and the pages that are no form."""
    forms: list[tuple[int, PageFields]] = []
    strays: list[int] = []
    for page in pages:
        prev = forms[-1][1] if forms else None
        fields = page_to_fields(page, continued=prev.columns if prev and prev.rows is not None else None)
        if prev is not None and _continues(prev, fields):
            header = dict(prev.header)
            for key, value in fields.header.items():
                header.setdefault(key, value)
            forms[-1] = (forms[-1][0], PageFields(header, (prev.rows or []) + (fields.rows or []), prev.columns))
        elif is_form(fields):
            forms.append((page.number, fields))
        elif prev is not None and _FOOTER_KEYS & fields.header.keys() and not strays:
            header = dict(prev.header)
            for key in _FOOTER_KEYS & fields.header.keys():
                header.setdefault(key, fields.header[key])
            forms[-1] = (forms[-1][0], PageFields(header, prev.rows, prev.columns))
        else:
            strays.append(page.number)
    return forms, strays


def stack_to_items(path: Path, source: SourceFile, pages: list[Page], steps: dict[int, dict[str, str]],
                    extractor: str) -> list[Item | ErrorInfo]:
    """A stack of pages → records, and an error for each page that is no form."""
    forms, strays = pages_to_forms(pages)
    items: list[Item] = []
    for number, fields in forms:
        items += fields_to_items(fields, source, number, extractor, len(items))
    if not items:
        raise no_form_found(path, [label for page in pages for label in seen_labels(page)])
    out: list[Item | ErrorInfo] = [replace(it, steps=steps.get(it.page, {})) for it in items]
    for number in strays:
        page = next(p for p in pages if p.number == number)
        err = no_form_found(path, seen_labels(page), number)
        out.append(ErrorInfo(err.code, err.message, err.remedy, number))
    return out
