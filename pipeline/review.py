"""The human review loop: the values a person should check, out to an Excel sheet and back.

`export`: by default one row per field named in `review` by the latest run and not closed yet
(corrected, or confirmed 确认无误); with a scope (every record, one instructor's, one file's)
every field of the records in scope, the flagged ones marked. Each row carries the value as it
stands, the text as read, the record's context and the picture of the value on its page (scans,
PDFs) or its location with the cell's text (Word, Excel). Each sheet gets an id.
`apply`: a filled sheet is checked as a whole — wrong columns, values typed where no input
belongs or bad values refuse it and change nothing — then every correction and confirmation
goes into the ledger (who, when, old → new, the sheet's id and row in the reason). A row whose
value was corrected or confirmed after the sheet was exported (the same sheet applied again
included) records nothing and is reported.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from zhidao.errors import BAD_OPTION, REVIEW_SHEET_INVALID, ConfigError, InputError, LedgerError
from zhidao.ingest.review_sheet import FilledSheet
from zhidao.model import FIELD_LABELS, Location, ReviewItem
from zhidao.reports.review_xlsx import CONFIRM, CONFIRMED, CORRECT, CORRECTED, FLAGGED, SheetInfo, SheetItem
from zhidao.store import Ledger
from zhidao.store import queries as q
from zhidao.store.ledger import Correction as LedgerCorrection
from zhidao.store.ledger import now
from zhidao.store.queries import RunRecord, StoredValue
from zhidao.text import clean_name, parse_date


@dataclass(frozen=True)
class Correction:
    row: int  # the sheet row it came from
    record_id: str
    field: str
    new: str | None
    confirm: bool = False  # 确认无误: keep the value as it stands


@dataclass(frozen=True)
class Scope:
    """What a sheet lists: the open items (default), or every field of the records in scope."""

    all: bool = False
    instructor: str | None = None
    file: str | None = None

    @property
    def whole_records(self) -> bool:
        return self.all or self.instructor is not None or self.file is not None

    def label(self) -> str:
        if self.all:
            return "最近一次运行的全部记录的全部栏目"
        parts = [f"指导员 {self.instructor}" if self.instructor else "", f"文件 {self.file}" if self.file else ""]
        return "、".join(p for p in parts if p) + " 的全部栏目" if self.whole_records else "机器标记且尚未核对的栏目"

    def takes(self, record: RunRecord) -> bool:
        if self.instructor is not None and self.instructor not in (record.instructor, record.instructor_written):
            return False
        if self.file is not None:
            name = Path(record.path).name
            return self.file in (record.path, name) or self.file in name
        return True


@dataclass(frozen=True)
class Applied:
    """What `apply` recorded, and what it did not."""

    corrected: int
    confirmed: int
    empty: int
    skipped: list[str] = field(default_factory=list)  # rows already checked since the export, in Chinese

    def message(self, who: str) -> str:
        text = f"已记录 {self.corrected} 项更正、{self.confirmed} 项确认、{self.empty} 项未填写（核对人：{who}）。"
        if self.skipped:
            text += f"另有 {len(self.skipped)} 项未重复记录：" + "；".join(self.skipped[:10])
            text += "……" if len(self.skipped) > 10 else ""
            text += "。"
        if self.corrected + self.confirmed == 0 and self.skipped:
            text = "没有新的更正或确认：" + text
        if self.corrected + self.confirmed:
            text += "重新运行 zhidao run 即按核对后的数据核查并生成材料。"
        return text


def shown(field: str, value: str | None) -> str:
    """A stored value as the clerk reads it."""
    if value is None:
        return ""
    if field == "signed":
        return {"true": "是", "false": "否"}.get(value, value)
    if field == "duties":
        from zhidao.ingest.duties import CODE_NAMES

        return "、".join(CODE_NAMES.get(c, c) for c in value.split(",") if c)
    return value


def _latest_run_records(ledger: Ledger) -> tuple[list[RunRecord], dict[tuple[str, str], StoredValue]]:
    with ledger.read() as conn:
        runs = q.finished_runs(conn, ledger.county)
        if not runs:
            raise LedgerError("LEDGER_EMPTY", "台账中还没有任何运行记录", Path(str(ledger.path)), "请先运行 zhidao run")
        records = sorted(q.run_records(conn, ledger.county, runs[0].run_id), key=lambda r: (r.path, r.record_id))
        values = q.field_values(conn, [(r.reading_id, r.record_id) for r in records])
    return records, values


def review_items(ledger: Ledger, with_pictures: bool = True) -> list[ReviewItem]:
    """The fields in review in the latest run that no one has corrected or confirmed yet, file
    by file, each as read in the reading that run counted."""
    return [ReviewItem(i.record_id, i.field, i.file, i.sha256, i.page, i.location, i.value, i.confidence, i.picture)
            for i in sheet_items(ledger, with_pictures)]


def sheet_items(ledger: Ledger, with_pictures: bool = True, scope: Scope | None = None) -> list[SheetItem]:
    """The rows of a review sheet, file by file, each as read in the reading the latest run
    counted. Default: the fields in review not corrected or confirmed yet; with a scope that
    takes whole records, every field of them (the value shown is the corrected one)."""
    scope = scope or Scope()
    records, values = _latest_run_records(ledger)
    if scope.whole_records:
        records = [r for r in records if scope.takes(r)]
        if not records:
            raise ConfigError(BAD_OPTION, f"最近一次运行中没有{scope.label().replace(' 的全部栏目', '')}的记录",
                              remedy="请核对指导员姓名或文件名（可写文件名的一部分）")
    else:
        records = [r for r in records if r.review]
    latest: dict[tuple[str, str], LedgerCorrection] = {}
    for c in ledger.corrections([r.record_id for r in records]):
        latest[(c.record_id, c.field)] = c
    texts = _cell_texts(records, values)
    out = []
    for r in records:
        flagged = [f for f in r.review if f in FIELD_LABELS]
        fields = list(FIELD_LABELS) if scope.whole_records else flagged
        for name in fields:
            done = latest.get((r.record_id, name))
            if done is None:
                status = FLAGGED if name in flagged else ""
            elif scope.whole_records:
                status = CONFIRMED if done.confirmed else CORRECTED
            else:
                continue  # closed: corrected or confirmed
            out.append(_item(r, name, values.get((r.record_id, name)), done, status, with_pictures,
                             texts.get(r.path, {})))
    return out


def _cell_texts(records: list[RunRecord], values: dict[tuple[str, str], StoredValue]) -> dict[str, dict[str, str]]:
    """path → Excel cell ("Sheet!B4") → the cell's whole text, read once per workbook."""
    from zhidao.ingest.crops import cell_texts

    cells: dict[str, set[str]] = {}
    ids = {r.record_id: r.path for r in records}
    for (rid, _), v in values.items():
        if rid in ids and v.cell and "!" in v.cell:
            cells.setdefault(ids[rid], set()).add(v.cell)
    return {path: cell_texts(Path(path), sorted(refs)) for path, refs in cells.items()}


def _item(record: RunRecord, name: str, value: StoredValue | None, done: LedgerCorrection | None, status: str,
          with_picture: bool, cells: dict[str, str]) -> SheetItem:
    page = (value.page if value else None) or record.page or 1
    location = value.describe(page) if value else Location(page).describe()
    raw = (value.raw or "") if value else ""
    text = cells.get(value.cell or "", raw) if value is not None and value.cell else ""
    if text:
        location += f"（单元格原文：{text}）"
    picture = None
    if with_picture and value is not None and value.bbox is not None:
        from zhidao.ingest.crops import value_picture

        picture = value_picture(Path(record.path), page, value.bbox, record.steps)
    now_value = done.new if done is not None else (value.value if value else None)
    return SheetItem(record.record_id, name, record.path, record.sha256, page, location, shown(name, now_value), raw,
                     float(value.confidence or 0.0) if value else 0.0, picture, status,
                     record.instructor or record.instructor_written or "",
                     record.enterprise or record.enterprise_written or "", record.visit_date or "")


def sheet_info(ledger: Ledger, scope: Scope) -> SheetInfo:
    """A new sheet's id and the ledger head it is exported at."""
    seq, _ = ledger.head()
    return SheetInfo(uuid.uuid4().hex[:12], now(), seq, scope.label())


def parse_value(field: str, text: str) -> tuple[str | None, str | None]:
    """(stored text, None) for a valid corrected value, or (None, why not) in Chinese."""
    t = text.strip()
    if field in ("visit_date", "report_date"):
        day, ok = parse_date(t)
        return (day, None) if day and ok else (None, f"「{t}」不是有效日期（请写成 2026-07-15）")
    if field == "signed":
        yes = {"是": "true", "有": "true", "已签": "true", "否": "false", "无": "false", "未签": "false"}
        return (yes[t], None) if t in yes else (None, f"「{t}」应填 是 或 否")
    if field == "duties":
        from zhidao.ingest.duties import DUTY_NAMES

        parts = [p for p in re.split(r"[、,，;；\s]+", t) if p]
        codes = {f"D{p}" if re.fullmatch(r"[1-6]", p) else DUTY_NAMES.get(p, p.upper()) for p in parts}
        if not parts or not all(re.fullmatch(r"D[1-6]", c) for c in codes):
            return None, f"「{t}」不是职责名称或编号（如 建好党的组织、配强组织班子，或 1、2）"
        return ",".join(sorted(codes)), None
    if field == "instructor":
        name = clean_name(t)
        return (name, None) if name and re.fullmatch(r"[\u4e00-\u9fff·]{2,12}", name) else (None, f"「{t}」不像人名")
    return t, None


def check_corrections(rows: Sequence[tuple[int, str, str, str]], known: set[str], path: Path) -> list[Correction]:
    """(sheet row, record id, field, new text) → corrections; refuses the sheet on any problem."""
    problems, out = _check(rows, known)
    _refuse(problems, path)
    return out


def _check(rows: Sequence[tuple[int, str, str, str]], known: set[str]) -> tuple[list[str], list[Correction]]:
    problems, out = [], []
    for row, record_id, name, text in rows:
        if name not in FIELD_LABELS:
            problems.append(f"第{row}行：栏目代码「{name}」不存在")
        elif record_id not in known:
            problems.append(f"第{row}行：记录编号「{record_id}」不在台账中")
        else:
            value, why = parse_value(name, text)
            if why:
                problems.append(f"第{row}行（{FIELD_LABELS[name]}）：{why}")
            else:
                out.append(Correction(row, record_id, name, value))
    return problems, out


def _refuse(problems: list[str], path: Path) -> None:
    if problems:
        more = f"（共 {len(problems)} 处，仅列前 10 处）" if len(problems) > 10 else ""
        raise InputError(REVIEW_SHEET_INVALID, "核对表有误，未做任何更改：" + "；".join(problems[:10]) + more, path,
                         "请改正后重新导入；只在“核对结果”“更正为”两栏填写，不要改动其他各栏")


def check_sheet(sheet: FilledSheet, known: set[str], path: Path) -> tuple[list[Correction], int]:
    """The filled sheet → (corrections and confirmations, rows left empty); refuses the whole
    sheet, naming the rows, on any value typed where it does not belong or any bad value."""
    problems = list(sheet.misplaced)
    typed: list[tuple[int, str, str, str]] = []
    confirms: list[Correction] = []
    empty = 0
    for r in sheet.rows:
        verdict = r.verdict.strip()
        if verdict not in ("", CONFIRM, CORRECT):
            problems.append(f"第{r.row}行：核对结果「{verdict}」应为 {CONFIRM} 或 {CORRECT}")
        elif verdict == CONFIRM and r.text:
            problems.append(f"第{r.row}行：选了“{CONFIRM}”又填写了更正值「{r.text}」，请只选其一")
        elif verdict == CONFIRM:
            if r.record_id not in known:
                problems.append(f"第{r.row}行：记录编号「{r.record_id}」不在台账中")
            elif r.field not in FIELD_LABELS:
                problems.append(f"第{r.row}行：栏目代码「{r.field}」不存在")
            else:
                confirms.append(Correction(r.row, r.record_id, r.field, None, confirm=True))
        elif verdict == CORRECT and not r.text:
            problems.append(f"第{r.row}行：选了“{CORRECT}”但“更正为”一栏是空的")
        elif r.text:
            typed.append((r.row, r.record_id, r.field, r.text))
        else:
            empty += 1
    more, corrections = _check(typed, known)
    _refuse(problems + more, path)
    return sorted(corrections + confirms, key=lambda c: c.row), empty


def apply_corrections(ledger: Ledger, corrections: Sequence[Correction], who: str, sheet_id: str = "",
                      upto: int | None = None, empty: int = 0) -> Applied:
    """Every correction and confirmation in one write transaction: all are recorded, or (on any
    error) none. A value corrected or confirmed after the sheet's export (``upto``: the ledger
    head it was exported at) is not recorded again: it is reported."""
    tag = f"核对表 {sheet_id}" if sheet_id else "核对表"
    since: dict[tuple[str, str], LedgerCorrection] = {}
    if upto is not None:
        for done in ledger.corrections(sorted({c.record_id for c in corrections})):
            if done.event_seq > upto:
                since[(done.record_id, done.field)] = done
    at = now()
    corrected = confirmed = 0
    skipped: list[str] = []
    with ledger.write() as conn:
        for c in corrections:
            before = since.get((c.record_id, c.field))
            if before is not None:
                what = "本核对表已导入过" if sheet_id and sheet_id in (before.reason or "") else \
                    f"导出本表后已由 {before.who} 于 {before.at[:16].replace('T', ' ')} 核对"
                skipped.append(f"第{c.row}行（{FIELD_LABELS.get(c.field, c.field)}）{what}")
                continue
            reason = f"{tag} 第{c.row}行"
            if c.confirm:
                made = ledger.confirm(c.record_id, c.field, who, f"{CONFIRM}（{reason}）", at=at, conn=conn)
            else:
                made = ledger.correct(c.record_id, c.field, c.new, who, reason, at=at, conn=conn)
            if made.confirmed:
                confirmed += 1
            else:
                corrected += 1
    return Applied(corrected, confirmed, empty, skipped)
