"""CPU time to extract one digital form (docx / text PDF / xlsx), against the bare library
call that opens and reads the same file (python-docx, pdfplumber, openpyxl).

Target (issue 4): at most 50 ms of CPU per form. Usage: python benchmarks/bench_extract.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from zhidao.fixtures.form_pdf import write_forms_pdf
from zhidao.fixtures.form_xlsx import write_forms_xlsx
from zhidao.fixtures.forms import write_monthly_docx, write_single_visit_docx
from zhidao.fixtures.quarter import plan_quarter
from zhidao.fonts import register_cjk_font
from zhidao.ingest import read_path


def bare_docx(path: Path) -> None:
    import docx

    d = docx.Document(str(path))
    _ = [p.text for p in d.paragraphs]
    _ = [c.text for t in d.tables for r in t.rows for c in r.cells]


def bare_pdf(path: Path) -> None:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_words()
            page.extract_tables()


def bare_xlsx(path: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=True)
    _ = [list(ws.iter_rows(values_only=True)) for ws in wb.worksheets]


def ours(path: Path) -> None:
    outcome = read_path(path, str(path))
    assert outcome.items, outcome.errors


def cpu(fn: Callable[[Path], None], path: Path, repeat: int) -> float:
    fn(path)  # warm: imports and caches
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn(path)
        times.append(time.process_time() - t0)
    return statistics.median(times)


def make_files(folder: Path) -> dict[str, list[tuple[Path, int]]]:
    """medium → [(file, forms in it)]: one single-visit and one monthly form per medium."""
    plan = plan_quarter(2026)
    single = next(f for f in plan.forms if f.family == "A")
    monthly = next(f for f in plan.forms if f.family == "B")
    files: dict[str, list[tuple[Path, int]]] = {"docx": [], "pdf": [], "xlsx": []}
    font = register_cjk_font()
    for name, form in (("single", single), ("monthly", monthly)):
        docx_path = folder / f"{name}.docx"
        (write_single_visit_docx if form.family == "A" else write_monthly_docx)(docx_path, form)
        pdf_path, xlsx_path = folder / f"{name}.pdf", folder / f"{name}.xlsx"
        write_forms_pdf(pdf_path, [form], font)
        write_forms_xlsx(xlsx_path, [form])
        for medium, path in (("docx", docx_path), ("pdf", pdf_path), ("xlsx", xlsx_path)):
            files[medium].append((path, 1))
    return files


BARE = {"docx": bare_docx, "pdf": bare_pdf, "xlsx": bare_xlsx}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = make_files(Path(tmp))
        print(f"{'medium':6s} {'file':10s} {'ours ms':>8s} {'bare ms':>8s} {'ratio':>6s}  target ≤ 50 ms CPU/form")
        for medium, entries in files.items():
            for path, forms in entries:
                ours_s = cpu(ours, path, args.repeat) / forms
                bare_s = cpu(BARE[medium], path, args.repeat) / forms
                verdict = "ok" if ours_s <= 0.050 else "OVER"
                print(f"{medium:6s} {path.stem:10s} {ours_s * 1e3:8.1f} {bare_s * 1e3:8.1f} "
                      f"{ours_s / bare_s:6.2f}  {verdict}")


if __name__ == "__main__":
    main()
