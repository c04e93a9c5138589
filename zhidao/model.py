"""Typed values that flow between the phases.

Provenance is kept with every value from the moment it is read: a :class:`Value` knows the
file (by sha256), the page, where on the page (a bbox for PDFs and scans, a table/row/cell
reference for Word and Excel), the raw text, the extractor and the confidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

# A field value after normalisation: text, a flag, or a sorted tuple of duty codes.
Scalar = str | bool | tuple[str, ...] | None

Kind = Literal["record", "roster", "summary"]

RECORD_FIELDS: tuple[str, ...] = (
    "instructor",
    "unit",
    "enterprise",
    "visit_date",
    "content",
    "duties",
    "problems",
    "signed",
    "report_date",
    "remarks",
)
REQUIRED_RECORD_FIELDS: tuple[str, ...] = ("instructor", "enterprise", "visit_date", "content")

ROSTER_FIELDS: tuple[str, ...] = (
    "name",
    "gender",
    "birth",
    "unit",
    "position",
    "party_join",
    "education",
    "enterprise",
    "phone",
    "remarks",
)


@dataclass(frozen=True)
class Location:
    """Where a value stands in its source file.

    ``page`` is 1-based. ``bbox`` is (x0, top, x1, bottom) in PDF points or image pixels;
    ``cell`` is a reference such as ``"table 1 row 3 col 2"`` or ``"Sheet1!C5"``; ``line``
    names a paragraph (``"paragraph 4"``) for text outside tables.
    """

    page: int = 1
    bbox: tuple[float, float, float, float] | None = None
    cell: str | None = None
    line: str | None = None

    def describe(self) -> str:
        parts = [f"p{self.page}"]
        if self.cell:
            parts.append(self.cell)
        if self.line:
            parts.append(self.line)
        if self.bbox:
            parts.append("bbox " + ",".join(f"{v:.0f}" for v in self.bbox))
        return " ".join(parts)


@dataclass(frozen=True)
class Value:
    """One field of one record, with its provenance."""

    value: Scalar
    raw: str | None
    confidence: float
    location: Location | None


@dataclass(frozen=True)
class SourceFile:
    """A received file, identified by its content hash."""

    path: Path
    display: str  # the path as the user gave it (what `source` shows in jsonl output)
    sha256: str
    size: int


@dataclass(frozen=True)
class Item:
    """One extracted record (a day at an enterprise) or roster row."""

    kind: Kind
    source: SourceFile
    page: int
    index: int  # position of this item within its file (stable across runs)
    values: dict[str, Value]
    review: tuple[str, ...]
    extractor: str
    extra: dict[str, str] = field(default_factory=dict)
    steps: dict[str, str] = field(default_factory=dict)  # scan preprocessing, for the audit trail

    @property
    def item_id(self) -> str:
        """Stable id: the same file always yields the same ids."""
        return f"{self.source.sha256[:16]}-{self.page}-{self.index}"

    def get(self, name: str) -> Scalar:
        v = self.values.get(name)
        return None if v is None else v.value


MIB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """What a reader refuses before it inflates, decodes or renders anything (checked by
    zhidao.ingest.limits; each refusal has its own error code)."""

    file_bytes: int = 200 * MIB  # FILE_TOO_LARGE
    zip_total_bytes: int = 300 * MIB  # ARCHIVE_BOMB: declared uncompressed size of all members
    zip_ratio: float = 200.0  # ARCHIVE_BOMB: compression ratio of one member …
    zip_ratio_from_bytes: int = MIB  # … larger than this (small members compress well)
    zip_members: int = 10_000  # ARCHIVE_BOMB
    image_pixels: int = 80_000_000  # IMAGE_TOO_LARGE: one frame, from the header
    image_frames: int = 300  # TOO_MANY_PAGES: frames of a TIFF
    pdf_pages: int = 300  # TOO_MANY_PAGES
    page_inches: float = 100.0  # PAGE_TOO_LARGE: a PDF page side over this (A0 is 47 inches, the PDF maximum 200)
    render_pixels: int = 40_000_000  # a page is rendered at a lower resolution rather than past this
    roster_rows: int = 50_000  # ROSTER_TOO_LARGE
    roster_columns: int = 500  # ROSTER_TOO_LARGE
    form_cells: int = 1_000_000  # a sheet this large is no work-record form (it is left to the roster reader)


@dataclass(frozen=True)
class ReadOptions:
    """How readers read: the OCR engine for scans (a key of zhidao.ingest.engines.ENGINES), and
    the limits every reader checks before work."""

    ocr_engine: str = "rapidocr"
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True)
class Boundary:
    """How each file is fenced (zhidao.ingest.boundary): seconds of wall time, bytes of memory,
    and how many worker processes read at once."""

    wall_seconds: float = 120.0
    memory_bytes: int = 2 << 30
    jobs: int = 1
    # Virtual address space a worker may map beyond ``memory_bytes`` (thread stacks and the
    # reservations of onnxruntime and OpenBLAS are address space, not memory).
    address_headroom: int = 2 << 30
    poll_seconds: float = 0.2
    # Read on a Dask cluster instead of local worker processes: "local" (a LocalCluster of
    # ``jobs`` workers on this machine) or a scheduler's address (tcp://HOST:PORT). None: local.
    scheduler: str | None = None


@dataclass(frozen=True)
class FileOutcome:
    """What became of one input file: its items, or the errors that stopped it."""

    source: SourceFile
    medium: str
    items: tuple[Item, ...]
    errors: tuple[ErrorInfo, ...]
    refused: bool = False  # an inbox entry not opened at all (a link out of the inbox, a FIFO …)
    name_bytes: str | None = None  # hex of the raw file name, when it is not valid UTF-8
    reused: bool = False  # taken from a reading the ledger holds, made the same way (the file was not read)

    @property
    def status(self) -> str:
        if self.refused:
            return "refused"
        if self.items and self.errors:
            return "partial"
        return "ok" if self.items else "error"


@dataclass(frozen=True)
class ErrorInfo:
    """A serialisable error (from :class:`zhidao.errors.ZhidaoError`)."""

    code: str
    message: str
    remedy: str
    page: int | None = None


# Chinese names of the record fields, as a clerk reads them (review sheet, trace, packet).
FIELD_LABELS: dict[str, str] = {
    "instructor": "指导员", "unit": "派出单位", "enterprise": "驻企单位", "visit_date": "驻企日期",
    "content": "工作内容", "duties": "履行职责", "problems": "存在问题", "signed": "企业签字",
    "report_date": "报送日期", "remarks": "备注",
}


@dataclass(frozen=True)
class ReviewItem:
    """One value a person should check: where it is, what was read, and its picture."""

    record_id: str
    field: str
    file: str
    sha256: str
    page: int
    location: str
    value: str
    confidence: float
    picture: bytes | None
