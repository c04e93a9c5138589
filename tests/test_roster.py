"""Roster ingest (附件1) from every medium offices keep it in, built by the fixture writers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from zhidao.fixtures import roster_media as media
from zhidao.fixtures.model import RosterRow
from zhidao.fixtures.roster import write_roster_xlsx
from zhidao.fonts import register_cjk_font
from zhidao.ingest import read_path, sniff
from zhidao.model import Item

ROWS = (
    RosterRow("周文涛", "男", "1978-04", "县审计局", "副局长", "2001-06", "大学本科", "青川县恒信机械制造有限公司",
              "13808391526", "新任"),
    RosterRow("许静", "女", "1985-09", "县总工会", "办公室主任", "2008-05", "在职研究生", "青川县华美服饰有限公司",
              "15183920417"),
    RosterRow("陈立峰", "男", "1980-11", "县商务局", "科员", "2012-10", "党校大专",
              "青川县绿谷茶业有限公司、青川县宏达建材有限公司", "13990812234"),
    RosterRow("吴敏", "女", "1990-01", "县财政局", "副科长", "2015-12", "专科", "青川县兴农农业开发有限公司",
              "18783712345"),
    RosterRow("吴敏", "女", "1990-01", "县财政局", "副科长", "2015-12", "专科", "青川县兴农农业开发有限公司",
              "18783712345"),  # the same person and enterprise twice: reported once
    RosterRow("黄志刚", "男", "1968-12", "县人社局", "股长", "1992-07", "中专", "青川县百川物流有限公司",
              "13608123456"),
)


def expected(rows: tuple[RosterRow, ...] = ROWS) -> set[tuple[str | None, ...]]:
    out = set()
    for r in rows:
        for enterprise in r.enterprise.split("、"):
            out.add((r.name, r.gender, r.birth, r.unit, r.position, r.party_join,
                     media.EDUCATION_WRITTEN[r.education], enterprise, r.phone))
    return out


def got(items: list[Item]) -> set[tuple[object, ...]]:
    keys = ("name", "gender", "birth", "unit", "position", "party_join", "education", "enterprise", "phone")
    return {tuple(it.get(k) for k in keys) for it in items}


def _read(path: Path) -> list[Item]:
    outcome = read_path(path, str(path))
    assert not outcome.errors, outcome.errors
    assert all(it.kind == "roster" for it in outcome.items)
    return list(outcome.items)


Writer = Callable[[Path, media.RosterTable], None]
WRITERS: dict[str, tuple[str, Writer]] = {
    "csv-utf8": ("csv", lambda p, t: media.write_csv(p, t, "utf-8")),
    "csv-utf8-bom": ("csv", lambda p, t: media.write_csv(p, t, "utf-8-sig")),
    "csv-gbk": ("csv", lambda p, t: media.write_csv(p, t, "gbk")),
    "csv-gb18030": ("csv", lambda p, t: media.write_csv(p, t, "gb18030", title=False)),
    "xls": ("xls", media.write_xls),
    "xlsx-two-row-header": ("xlsx", lambda p, t: media.write_xlsx(p, t, two_row_header=True)),
    "docx": ("docx", media.write_docx),
    "pdf": ("pdf", lambda p, t: media.write_pdf(p, t, register_cjk_font())),
}


@pytest.mark.parametrize("variant", [0, 1])
@pytest.mark.parametrize("medium", sorted(WRITERS))
def test_every_medium_reads_to_the_same_roster(tmp_path: Path, medium: str, variant: int) -> None:
    suffix, write = WRITERS[medium]
    path = tmp_path / f"名单.{suffix}"
    write(path, media.roster_table(ROWS, variant))
    assert sniff(path) == suffix
    items = _read(path)
    assert got(items) == expected()
    assert len(items) == len(expected()), "duplicates reported once"


def test_unknown_columns_are_kept_and_raw_education_too(tmp_path: Path) -> None:
    path = tmp_path / "名单.csv"
    media.write_csv(path, media.roster_table(ROWS), "utf-8")
    items = _read(path)
    assert all(it.extra.get("政治面貌") == "中共党员" for it in items)
    assert {it.values["education"].raw for it in items} >= {"党校大专", "在职研究生"}


def test_xlsm_is_read_without_running_anything(tmp_path: Path) -> None:
    xlsx, xlsm = tmp_path / "a.xlsx", tmp_path / "名单.xlsm"
    media.write_xlsx(xlsx, media.roster_table(ROWS))
    media.make_macro_enabled(xlsx, xlsm)
    assert sniff(xlsm) == "xlsx"
    assert got(_read(xlsm)) == expected()


def test_office_layout_with_township_sheets_and_notes(tmp_path: Path) -> None:
    path = tmp_path / "名单.xlsx"
    rows = tuple(r for r in ROWS if "、" not in r.enterprise)
    write_roster_xlsx(path, rows, "青川县", township_sheets=True)
    items = _read(path)
    assert got(items) == expected(rows)
    assert {it.values["name"].location.cell.split("!")[0] for it in items} == {"东坝镇", "桃园乡"}  # type: ignore[union-attr]


def test_a_sheet_without_a_header_says_how_much_it_saw_not_what(tmp_path: Path) -> None:
    path = tmp_path / "名单.csv"
    path.write_text("甲,乙,丙\n1,2,3\n", encoding="utf-8")
    [outcome] = [read_path(path, str(path))]
    assert outcome.errors[0].code == "ROSTER_NO_HEADER"
    assert "甲" not in outcome.errors[0].message and "乙" not in outcome.errors[0].message  # no content (issue 11)
    assert "6 个格子" in outcome.errors[0].message


def test_a_row_without_a_name_is_kept_for_review(tmp_path: Path) -> None:
    table = media.roster_table(ROWS[:2])
    nameless = tuple(("" if label.replace(" ", "") == "姓名" else v) for label, v in zip(table.header, table.rows[1],
                                                                                         strict=True))
    path = tmp_path / "名单.csv"
    media.write_csv(path, media.RosterTable(table.header, (table.rows[0], nameless)), "utf-8")
    items = _read(path)
    assert len(items) == 2
    [blank] = [it for it in items if it.get("name") is None]
    assert "name" in blank.review and blank.get("enterprise") == ROWS[1].enterprise


def test_pdf_roster_over_several_pages_with_repeated_header(tmp_path: Path) -> None:
    many = tuple(RosterRow(f"测试{chr(0x4e00 + i)}", "男", "1980-01", "县审计局", "科员", "2010-01", "大学本科",
                           f"青川县第{i}有限公司", f"1380000{i:04d}") for i in range(70))
    path = tmp_path / "名单.pdf"
    media.write_pdf(path, media.roster_table(many), register_cjk_font())
    items = _read(path)
    assert got(items) == expected(many)
    pages = {it.values["name"].location.page for it in items}  # type: ignore[union-attr]
    assert len(pages) >= 2
    assert all(it.values["name"].location.bbox for it in items)  # type: ignore[union-attr]
