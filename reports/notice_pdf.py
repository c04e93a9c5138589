"""notice.pdf: the monthly notice (月度通报) as a printable A4 document in the 公文 manner: the
title, the notice's paragraphs, the issuing unit and date, then the lists, each row naming the
file it rests on; the meeting packet's page furniture (reports.pdf_layout): the title in the
header, 第 N 页 共 M 页, the ledger anchor and a draft's mark on every page."""

from __future__ import annotations

from pathlib import Path

from reportlab.platypus import Flowable, Spacer

from zhidao.dates import date_zh

from .notice_data import Notice
from .pdf_layout import Running, Section, Styles, build_pdf, data_table, fonts, para


def write_notice_pdf(path: Path, notice: Notice) -> Path:
    st = Styles(fonts())
    title = notice.title.replace("\n", "")
    front: list[Flowable] = [para(notice.draft, st.mark)] if notice.draft else []
    front += [para(p, st.prose) for p in notice.summary]
    front += [Spacer(1, 12), *([para(notice.issuer, st.sign)] if notice.issuer else []),
              para(date_zh(notice.made), st.sign), Spacer(1, 10)]
    sections = [Section(title, front, style=st.doc_title)]
    sections += [Section(t.title, [data_table(t.header, t.rows, t.widths, st), Spacer(1, 6)])
                 for t in notice.sections]
    running = Running(header=title, footer=notice.issuer or title,
                      small_print=notice.anchor.footer() if notice.anchor else "", mark=notice.draft)
    return build_pdf(path, cover=None, sections=sections, running=running, title=title, styles=st,
                     keywords=notice.anchor.text() if notice.anchor else "", contents="")
