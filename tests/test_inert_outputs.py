"""Nothing executed, nothing leaked (issue 11, item 6).

* Text from the inputs never becomes a formula: every xlsx and csv written after a run on
  formula payloads (packet.xlsx, review.xlsx, attendance.csv, anything in the audit bundle) is
  opened and searched. The convention: in an xlsx, text starting with = + - @ tab or CR is kept
  as written, in a string cell with the quotePrefix style; in a csv it gets a leading ``'``.
* Markup in a form prints literally in packet.pdf (and the writer does not stop on it).
* A file that is not a form has only its name, code and message in the outputs: its phone and
  ID numbers appear in no file of OUT, the review sheet or the audit bundle.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from openpyxl import Workbook

from tests.conftest import read_jsonl
from zhidao.fixtures import payloads
from zhidao.fixtures.demo import DemoPaths
from zhidao.reports.inert import FORMULA_LEADS, csv_field, inert_cell, is_formula_like, pdf_markup, pdf_plain

INBOX = "=1+1收件"  # relative, so file names start the paths written into the outputs


def _zhidao(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "zhidao.cli", *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done


def _run_all(cwd: Path, inbox: str, roster: str) -> None:
    """`zhidao run`, then `review export` and `audit export` on the same ledger."""
    _zhidao(cwd, "run", inbox, "--roster", roster, "--quarter", payloads.QUARTER, "--out", "out", "--db", "x.db",
            "--as-of", payloads.AS_OF.isoformat(), "--received", payloads.RECEIVED.isoformat())
    _zhidao(cwd, "review", "export", "--out", "review.xlsx", "--db", "x.db")
    _zhidao(cwd, "audit", "export", "--quarter", payloads.QUARTER, "--out", "bundle.zip", "--db", "x.db",
            "--run-dir", "out")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("hostile")
    payloads.write_hostile_roster(tmp / "名单.xlsx")
    payloads.write_hostile_inbox(tmp / INBOX)
    _run_all(tmp, INBOX, "名单.xlsx")
    return tmp


@pytest.fixture(scope="module")
def leaky(demo: DemoPaths, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("leaky")
    inbox = tmp / "inbox"
    inbox.mkdir()
    shutil.copy2(demo.inbox / "工作记录20260707.docx", inbox)
    payloads.write_not_forms(inbox)
    _run_all(tmp, "inbox", str(demo.roster))
    return tmp


# --- what was written -------------------------------------------------------------------------

def _outputs(root: Path) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every file written: OUT, the review sheet, the audit bundle and the
    members of every zip among them (xlsx included), recursively."""
    def walk(name: str, body: bytes) -> Iterator[tuple[str, bytes]]:
        yield name, body
        if body[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(body)) as zf:
                for member in zf.namelist():
                    yield from walk(f"{name}!{member}", zf.read(member))

    for path in sorted([*(root / "out").rglob("*"), root / "review.xlsx", root / "bundle.zip"]):
        if path.is_file():
            yield from walk(str(path.relative_to(root)), path.read_bytes())


def _workbooks(root: Path) -> list[tuple[str, bytes]]:
    found = [(n, b) for n, b in _outputs(root) if n.endswith(".xlsx")]
    assert {n for n, _ in found} >= {"out/packet.xlsx", "review.xlsx"}
    return found


def _csvs(root: Path) -> list[tuple[str, bytes]]:
    found = [(n, b) for n, b in _outputs(root) if n.endswith(".csv")]
    assert "out/attendance.csv" in {n for n, _ in found}
    return found


def _pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return done.stdout.decode("utf-8")


# --- no formula -------------------------------------------------------------------------------

_FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[\s>/]")


def test_no_formula_element_in_any_sheet_xml(hostile: Path) -> None:
    for name, body in _workbooks(hostile):
        with zipfile.ZipFile(io.BytesIO(body)) as zf:
            for member in zf.namelist():
                xml = zf.read(member)
                if member.startswith("xl/worksheets/"):
                    assert not _FORMULA_ELEMENT.search(xml), f"{name}!{member} holds a formula"
                    assert b"<hyperlink" not in xml, f"{name}!{member} holds a hyperlink"
                assert not member.startswith(("xl/comments", "xl/externalLinks")), f"{name}!{member}"
            names = re.findall(rb'<definedName name="([^"]*)"', zf.read("xl/workbook.xml"))
            assert all(n.startswith(b"_xlnm.") for n in names), f"{name}: defined names {names}"


def test_text_that_starts_like_a_formula_is_an_inert_string_cell(hostile: Path) -> None:
    """No formula cell at all; every cell starting with = + - @ tab CR is a string cell with the
    quotePrefix style, its text as written (not the csv convention of a leading quote)."""
    risky: dict[str, set[str]] = {}
    for name, body in _workbooks(hostile):
        wb = openpyxl.load_workbook(io.BytesIO(body), data_only=False)
        for ws in wb.worksheets:
            assert not is_formula_like(ws.title), f"{name}: sheet {ws.title!r}"
            for row in ws.iter_rows():
                for cell in row:
                    where = f"{name}!{ws.title}!{cell.coordinate}"
                    assert cell.data_type != "f", f"{where} is a formula: {cell.value!r}"
                    if not isinstance(cell.value, str):
                        continue
                    assert not (cell.value[:1] == "'" and is_formula_like(cell.value[1:])), where
                    if is_formula_like(cell.value):
                        assert cell.data_type == "s" and cell.quotePrefix, f"{where}: {cell.value!r}"
                        risky.setdefault(name, set()).add(cell.value)
    packet, review = risky.get("out/packet.xlsx", set()), risky.get("review.xlsx", set())
    assert {h.name for h in payloads.HOSTILE if is_formula_like(h.name)} <= packet, "names reached the packet"
    assert '=cmd|\' /C calc\'!A0' in packet and "+1+1" in packet and "-2+3" in packet
    # the packet names a file by its path inside the inbox, so the file's own name leads the cell
    assert {f"{stem}.docx" for stem in payloads.FILE_STEMS if stem != payloads.EXCEL_STEM
            and is_formula_like(stem)} <= packet, "file names reached the packet"
    assert review, "payloads reached the review sheet"


def test_csv_fields_from_input_carry_a_leading_quote(hostile: Path) -> None:
    quoted: set[str] = set()
    for name, body in _csvs(hostile):
        for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))):
            for field in row:
                assert field[:1] not in FORMULA_LEADS, f"{name}: {field!r}"
                if field[:1] == "'" and is_formula_like(field[1:]):
                    quoted.add(field[1:])
    assert {h.name for h in payloads.HOSTILE if is_formula_like(h.name)} <= quoted
    assert "=1+1有限公司" in quoted, "a CR-led enterprise name, as the reader keeps it"


def test_jsonl_keeps_the_text_as_read(hostile: Path) -> None:
    """The machine outputs are not spreadsheets: the text stays exactly as read."""
    names = {r["fields"]["instructor"] for r in read_jsonl(hostile / "out" / "records.jsonl")}
    assert '=HYPERLINK("http://x","y")' in names and "<b>粗</b>" in names


# --- markup in the PDF ------------------------------------------------------------------------

def test_markup_in_forms_prints_literally_in_the_pdf(hostile: Path) -> None:
    text = _pdf_text(hostile / "out" / "packet.pdf")
    for literal in ("<b>粗</b>", "<para>企业]]>", "&amp;局", '<font name="x">单位', "<b>粗.docx",
                    '=HYPERLINK("http://x","y")'):
        assert literal in text, literal
    assert "&lt;" not in text and "&amp;amp;" not in text, "escaped once, printed as written"


# --- nothing of a non-form file leaks ---------------------------------------------------------

def _secrets() -> tuple[str, ...]:
    return (*payloads.PHONES, *payloads.ID_NUMBERS, "张三", "赵六", "王五", "孙七", "钱九")


def test_contents_of_files_that_are_not_forms_appear_in_no_output(leaky: Path) -> None:
    searched = 0
    for name, body in _outputs(leaky):
        text = _pdf_text_of(leaky, name, body)
        for secret in _secrets():
            assert secret.encode("utf-8") not in body and secret not in text, f"{secret} in {name}"
        searched += 1
    assert searched > 20


def _pdf_text_of(root: Path, name: str, body: bytes) -> str:
    """PDF text is stored as glyph ids: search what pdftotext prints."""
    if not body.startswith(b"%PDF"):
        return ""
    path = root / "search.pdf"
    path.write_bytes(body)
    return _pdf_text(path)


def test_a_file_that_is_not_a_form_is_reported_by_name_and_code(leaky: Path) -> None:
    errors = {Path(e["source"]).name: e["error"] for e in read_jsonl(leaky / "out" / "errors.jsonl")}
    assert {"通讯录.xlsx", "登记.xlsx", "联系方式.docx"} <= set(errors)
    assert all(e["code"] == "NO_FORM_FOUND" for n, e in errors.items() if n in ("通讯录.xlsx", "联系方式.docx"))
    records = read_jsonl(leaky / "out" / "records.jsonl")
    assert records and all(Path(r["source"]).name == "工作记录20260707.docx" for r in records)


# --- the functions ----------------------------------------------------------------------------

@pytest.mark.parametrize("text", [*payloads.FORMULAS, "-5", "=", "@"])
def test_csv_field_quotes_formula_leads(text: str) -> None:
    assert csv_field(text) == "'" + text


@pytest.mark.parametrize("value", ["工作记录", "1+1", " =1", "'=1", "", -3, 2.5, None])
def test_csv_field_leaves_the_rest(value: object) -> None:
    assert csv_field(value) == value


def test_a_cell_keeps_numbers_and_makes_text_inert() -> None:
    ws = Workbook().active
    assert ws is not None
    negative, formula, error, control = (inert_cell(ws, v) for v in (-2, "=1+1", "#N/A", "a\x01b"))
    assert negative.data_type == "n" and negative.value == -2 and not negative.quotePrefix
    assert formula.data_type == "s" and formula.value == "=1+1" and formula.quotePrefix
    assert error.data_type == "s" and not error.quotePrefix
    assert control.value == "ab"


def test_pdf_escapes() -> None:
    assert pdf_markup('<b>粗</b> &amp; ]]> <font name="x">') == \
        '&lt;b&gt;粗&lt;/b&gt; &amp;amp; ]]&gt; &lt;font name="x"&gt;'
    assert pdf_plain("\t=1+1\r\x00") == " =1+1"
    assert pdf_markup(None) == ""
