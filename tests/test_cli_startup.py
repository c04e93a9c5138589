"""`zhidao --help` answers fast: nothing heavy is imported at start-up."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pandas", "numpy", "cv2", "docx", "openpyxl", "pdfplumber", "great_expectations", "rapidocr_onnxruntime",
         "onnxruntime", "reportlab")


def test_help_imports_nothing_heavy() -> None:
    code = ("import sys; from zhidao.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            f"print('HEAVY:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "HEAVY:"


def test_engine_choices_come_from_the_registry() -> None:
    from zhidao.ingest.engines import ENGINES

    done = subprocess.run([sys.executable, "-m", "zhidao.cli", "extract", "--help"], capture_output=True,
                          text=True, check=True)
    assert all(name in done.stdout for name in ENGINES)
