"""What a reading depends on, cheaply: a digest of the reader code and the engines' versions."""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.metadata
from pathlib import Path

from zhidao import __version__

# Besides ingest/ itself, the modules whose code decides what a file reads as.
_CORE = ("model.py", "text.py", "errors.py")
_ENGINE_PACKAGES = {"rapidocr": "rapidocr-onnxruntime", "tesseract": "pytesseract"}


@functools.cache
def reader_digest() -> str:
    """sha256 over the source of the reading code: a changed reader reads every file again."""
    here = Path(__file__).resolve().parent
    core = Path(importlib.import_module("zhidao").__file__ or "").resolve().parent
    digest = hashlib.sha256(__version__.encode())
    for path in [*sorted(here.glob("**/*.py")), *(core / name for name in _CORE)]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def engine_version(engine: str) -> str:
    """The installed version of an OCR engine's package (its model ships with it)."""
    package = _ENGINE_PACKAGES.get(engine, engine)
    try:
        version = importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "?"
    if engine == "tesseract":
        import shutil
        import subprocess

        exe = shutil.which("tesseract")
        if exe:
            done = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=10)
            version += " " + (done.stdout or done.stderr).splitlines()[0] if (done.stdout or done.stderr) else ""
    return version
