"""The station's Flask app: the factory, sign-in (an access token on this computer, accounts on
a network), CSRF on every POST, the auditor's read-only role and the security headers."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, abort, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from zhidao.context import RunContext
from zhidao.store import Ledger

from .accounts import AUDITOR, CHECKER, LOCAL_USER, Accounts
from .jobs import RunJob

TOKEN, ACCOUNTS = "token", "accounts"
OPEN_ENDPOINTS = frozenset({"static", "pages.login"})  # reachable without signing in
MAX_UPLOAD = 512 * 1024 * 1024
CSP = ("default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


@dataclass
class Station:
    """What the station serves: the ledger and county, the run it repeats, how people sign in."""

    db: Path | str
    county: str
    inbox: Path
    out: Path
    make_context: Callable[[], RunContext]  # the run's context, built anew at each start
    quarter: str
    mode: str = TOKEN  # TOKEN: this computer with the printed link; ACCOUNTS: user names and passwords
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    cookie: str = field(default_factory=lambda: f"zhidao_{secrets.token_hex(4)}")  # one per station
    runner: Callable[..., Any] | None = None  # tests: a stand-in for zhidao.pipeline.run.run


def create_app(station: Station) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secrets.token_bytes(32), SESSION_COOKIE_NAME=station.cookie, SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax", PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=12),
        MAX_CONTENT_LENGTH=MAX_UPLOAD, TEMPLATES_AUTO_RELOAD=False,
    )
    app.jinja_env.autoescape = True  # every template, whatever its name: text from files is never markup
    app.extensions["zhidao"] = station
    app.extensions["zhidao.ledger"] = Ledger(station.db, station.county)
    app.extensions["zhidao.accounts"] = Accounts(station.db) if station.mode == ACCOUNTS else None
    app.extensions["zhidao.job"] = RunJob(station.make_context, station.runner)

    from .pages import pages

    app.register_blueprint(pages)
    app.before_request(_sign_in)
    app.before_request(_check_post)
    app.after_request(_headers)
    app.register_error_handler(HTTPException, _error_page)
    app.context_processor(lambda: {"user": g.get("user"), "role": g.get("role"), "csrf_token": csrf_token,
                                   "station": station, "auditor": g.get("role") == AUDITOR})
    return app


def station() -> Station:
    from flask import current_app

    value: Station = current_app.extensions["zhidao"]
    return value


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


def who() -> str:
    return str(g.get("user") or LOCAL_USER)


def _sign_in() -> BaseResponse | None:
    st = station()
    if st.mode == TOKEN:
        given = request.args.get("token")
        if given is not None:
            if not hmac.compare_digest(given.encode(), st.token.encode()):
                abort(401)
            session.clear()
            session.permanent = True
            session.update(user=LOCAL_USER, role=CHECKER, csrf=secrets.token_urlsafe(32))
            rest = {k: v for k, v in request.args.items() if k != "token"}
            return redirect(request.path + (f"?{urlencode(rest)}" if rest else ""))  # the token leaves the URL
    user, role = session.get("user"), session.get("role")
    if user and st.mode == ACCOUNTS:
        accounts: Accounts = _accounts()
        known = accounts.get(str(user))
        if known is None or known.role != role:  # removed or changed since signing in
            session.clear()
            user = role = None
    if user:
        g.user, g.role = str(user), str(role)
        return None
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    if st.mode == ACCOUNTS and request.method == "GET" and not request.path.startswith("/api/"):
        return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))
    abort(401)


def _accounts() -> Accounts:
    from flask import current_app

    accounts: Accounts = current_app.extensions["zhidao.accounts"]
    return accounts


def _check_post() -> None:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf")
    if not expected or not hmac.compare_digest(str(sent).encode(), str(expected).encode()):
        abort(400, description="CSRF")
    if g.get("role") == AUDITOR and request.endpoint not in ("pages.logout", "pages.login"):
        abort(403)


def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    if response.mimetype in ("text/html", "application/json"):
        response.headers["Cache-Control"] = "no-store"
    return response


_ERRORS = {
    400: ("请求无效", "表单已过期或缺少安全校验码（CSRF），操作未执行。请刷新页面后重试。"),
    401: ("需要登录", "请用启动 zhidao serve 时屏幕上显示的完整链接（含访问令牌）打开本页，或先登录。"),
    403: ("没有权限", "您的角色（审核）只能查看，不能更改任何内容。"),
    404: ("找不到页面", "您要找的页面或记录不存在。"),
    405: ("不支持的操作", "该页面不支持这种请求方式。"),
    413: ("文件太大", "上传的文件太大，请分批上传。"),
}


def _error_page(exc: HTTPException) -> tuple[str, int]:
    code = exc.code or 500
    title, text = _ERRORS.get(code, ("出错了", "服务器处理请求时出错。"))
    if code == 404 and exc.description and not exc.description.startswith("The requested URL"):
        text = exc.description
    return render_template("error.html", code=code, title=title, text=text,
                           login=station().mode == ACCOUNTS and code == 401), code
