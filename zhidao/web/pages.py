"""The station's pages: 上传 and the run, 待核对队列, every record's fields, 核查发现, the
instructors, the trace of a figure and the packet. Every change is a POST (CSRF-checked in
app._check_post) that ends in a ledger event by the signed-in person."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from zhidao.errors import ZhidaoError
from zhidao.pipeline.review import parse_value, shown
from zhidao.store import CORRECTABLE, Ledger

from . import data
from .accounts import Accounts
from .app import ACCOUNTS, csrf_token, station, who
from .jobs import RunJob
from .pictures import page_picture
from .uploads import inbox_files, save_upload

pages = Blueprint("pages", __name__)
MAX_REASON = 200


class _Failures:
    """Wrong passwords per user name: after LIMIT in a row, that name waits PAUSE seconds."""

    LIMIT, PAUSE = 5, 300.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[int, float]] = {}

    def blocked(self, name: str) -> bool:
        with self._lock:
            count, last = self._seen.get(name, (0, 0.0))
            return count >= self.LIMIT and time.monotonic() - last < self.PAUSE

    def note(self, name: str, ok: bool) -> None:
        with self._lock:
            if ok:
                self._seen.pop(name, None)
            else:
                count, _ = self._seen.get(name, (0, 0.0))
                self._seen[name] = (count + 1, time.monotonic())


_FAILURES = _Failures()


def _ledger() -> Ledger:
    ledger: Ledger = current_app.extensions["zhidao.ledger"]
    return ledger


def _job() -> RunJob:
    job: RunJob = current_app.extensions["zhidao.job"]
    return job


def _page(template: str, **context: Any) -> str:
    return render_template(template, overview=data.overview(_ledger()), job=_job().state(), **context)


@pages.get("/")
def index() -> BaseResponse:
    if data.latest_run(_ledger()) is None:
        return redirect(url_for("pages.upload"))
    return redirect(url_for("pages.queue"))


# -- signing in (accounts mode) ---------------------------------------------------------------------


@pages.route("/login", methods=["GET", "POST"])
def login() -> BaseResponse | str | tuple[str, int]:
    if station().mode != ACCOUNTS:
        abort(404)
    target = request.values.get("next") or "/"
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = "/"  # only a page of this station
    error = None
    if request.method == "POST":
        accounts: Accounts = current_app.extensions["zhidao.accounts"]
        name = request.form.get("name", "").strip()
        if _FAILURES.blocked(name):
            return render_template("login.html", error="密码错误次数太多，请 5 分钟后再试", next=target), 429
        user = accounts.verify(name, request.form.get("password", ""))
        _FAILURES.note(name, user is not None)
        if user is not None:
            session.clear()
            session.permanent = True
            session.update(user=user.name, role=user.role)
            csrf_token()
            return redirect(target)
        error = "用户名或密码不对"
    return render_template("login.html", error=error, next=target)


@pages.post("/logout")
def logout() -> BaseResponse:
    session.clear()
    if station().mode == ACCOUNTS:
        return redirect(url_for("pages.login"))
    return redirect(url_for("pages.signed_out"))


@pages.get("/signed-out")
def signed_out() -> str:
    return render_template("error.html", code=200, title="已退出", text="已退出。请用启动时显示的链接重新打开。",
                           login=False)


# -- upload and run ---------------------------------------------------------------------------------


@pages.get("/upload")
def upload() -> str:
    st = station()
    return _page("upload.html", files=inbox_files(st.inbox), inbox=st.inbox)


@pages.post("/upload")
def upload_files() -> BaseResponse:
    if _job().running():
        flash("正在运行核查，请等运行结束后再上传文件。", "error")
        return redirect(url_for("pages.upload"))
    files = [f for f in request.files.getlist("files") if f.filename]
    if not files:
        flash("没有选择文件。", "error")
    for f in files:
        saved = save_upload(station().inbox, f.filename or "", f.stream)
        flash(f"{saved.name}：{saved.note}", "ok" if saved.note.startswith("已保存") else "error")
    return redirect(url_for("pages.upload"))


@pages.post("/run")
def start_run() -> BaseResponse:
    if _job().start(who()):
        flash("已开始运行核查。", "ok")
    else:
        flash("已有一次运行正在进行。", "error")
    return redirect(url_for("pages.upload"))


@pages.get("/api/run")
def run_state() -> Response:
    return jsonify(_job().state().to_dict())


# -- the review queue and the records ---------------------------------------------------------------


@pages.get("/queue")
def queue() -> str:
    items = data.queue(_ledger())
    at = min(max(request.args.get("i", 0, type=int), 0), max(len(items) - 1, 0))
    item = items[at] if items else None
    view = picture = None
    if item is not None:
        view = data.record_view(_ledger(), item.record_id)
        picture = _picture(item.record_id, item.field)
    return _page("queue.html", items=items, at=at, item=item, view=view, picture=picture,
                 label=data.LABELS.get(item.field, "") if item else "")


@pages.post("/queue/check")
def queue_check() -> BaseResponse:
    at = request.form.get("i", 0, type=int)
    _check(request.form.get("record_id", ""), request.form.get("field", ""))
    return redirect(url_for("pages.queue", i=at))


@pages.get("/records")
def records() -> str:
    rows = data.run_records(_ledger())
    return _page("records.html", rows=sorted(rows, key=lambda r: (r.path, r.record_id)), status=data.STATUS)


@pages.get("/record/<record_id>")
def record(record_id: str) -> str:
    view = data.record_view(_ledger(), record_id)
    if view is None:
        abort(404, description=f"台账中没有这条工作记录：{record_id}")
    field = request.args.get("field")
    picture = _picture(record_id, field) if field in CORRECTABLE and field else None
    return _page("record.html", view=view, status=data.STATUS, shown_field=field, picture=picture)


@pages.post("/record/<record_id>/check")
def record_check(record_id: str) -> BaseResponse:
    field = request.form.get("field", "")
    _check(record_id, field)
    return redirect(url_for("pages.record", record_id=record_id, _anchor=f"f-{field}"))


def _check(record_id: str, field: str) -> None:
    """确认 or 更正 one value (from the posted form) as a ledger event by the signed-in person."""
    if field not in CORRECTABLE:
        abort(400)
    action = request.form.get("action", "auto")
    text = request.form.get("value", "")
    reason = request.form.get("reason", "").strip()[:MAX_REASON] or None
    if action == "auto":
        action = "correct" if text.strip() else "confirm"
    label = data.LABELS.get(field, field)
    try:
        if action == "confirm":
            _ledger().confirm(record_id, field, who(), reason)
            flash(f"已确认「{label}」无误。", "ok")
            return
        if not text.strip():
            flash("请填写更正后的值。", "error")
            return
        value, why = parse_value(field, text)
        if why:
            flash(f"未更正「{label}」：{why}", "error")
            return
        _ledger().correct(record_id, field, value, who(), reason)
        flash(f"已把「{label}」更正为「{text.strip()}」。点「重新生成」后核查结果即按更正计算。", "ok")
    except ZhidaoError as exc:
        flash(f"未记录：{exc}", "error")


def _picture(record_id: str, field: str) -> Any:
    record, value = data.stored_value(_ledger(), record_id, field)
    if record is None or value is None or value.bbox is None:
        return None
    try:
        return page_picture(Path(record.path), value.page or record.page or 1, value.bbox, record.steps)
    except (OSError, ValueError, ZhidaoError):
        return None


@pages.get("/picture/<record_id>/<field>.png")
def picture(record_id: str, field: str) -> Response:
    if field not in CORRECTABLE:
        abort(404)
    found = _picture(record_id, field)
    if found is None:
        abort(404, description="这个值没有页面图像")
    return Response(found.png, mimetype="image/png", headers={"Cache-Control": "private, max-age=300"})


# -- findings, instructors, trace, packet ------------------------------------------------------------


@pages.get("/findings")
def findings() -> str:
    rows = data.findings(station().out)
    return _page("findings.html", rows=rows, severity=data.SEVERITY)


@pages.get("/instructors")
def instructors() -> str:
    return _page("instructors.html", table=data.instructors(station().out))


@pages.get("/instructor/<name>")
def instructor(name: str) -> str:
    table = next((t for t in data.instructors(station().out) if t.instructor == name), None)
    rows = data.run_records(_ledger(), name)
    if table is None and not rows:
        abort(404, description=f"最近一次运行中没有指导员「{name}」")
    found = [f for f in data.findings(station().out) if f.get("instructor") == name]
    return _page("instructor.html", name=name, table=table, rows=rows, findings=found, status=data.STATUS,
                 severity=data.SEVERITY)


@pages.get("/trace/<name>/<month>")
def trace(name: str, month: str) -> str:
    from zhidao.pipeline.trace import trace as run_trace

    if not re.fullmatch(r"\d{4}-\d{2}", month):
        abort(404)
    try:
        result, error = run_trace(_ledger(), name, month), None
    except ZhidaoError as exc:
        result, error = None, str(exc)
    return _page("trace.html", name=name, month=month, trace=result, error=error)


@pages.get("/packet")
def packet() -> str:
    out = station().out
    return _page("packet.html", packet=data.outputs(out), others=data.outputs(out, data.DOWNLOADS[2:]))


@pages.get("/download/<name>")
def download(name: str) -> Response:
    if name not in data.DOWNLOADS:
        abort(404)
    path = station().out / name
    if not path.is_file():
        abort(404, description="还没有生成这个文件：请先运行核查")
    return send_file(path, as_attachment=True, download_name=name, max_age=0)


@pages.app_template_filter("basename")
def basename(path: str | None) -> str:
    return Path(path or "").name


@pages.app_template_filter("shown")
def shown_filter(value: str | None, field: str) -> str:
    return shown(field, value)


@pages.app_template_global()
def role_name() -> str:
    return str(g.get("role") or "")
