"""`zhidao serve` end to end in a real browser: Debian's chromium + chromium-driver driven by
Selenium (headless, the driver given explicitly: Selenium Manager never downloads anything).

The station is served with waitress on 127.0.0.1 and a random port in a thread. The clerk uploads
a small inbox (two demo forms and two late forms, one without an enterprise, one without an
instructor), runs it, checks the queue from the keyboard (one value confirmed, one corrected),
reruns and sees the correction in the findings and the days; downloads the packet. Without the
token, without a login, without the CSRF token, or as the auditor, nothing changes.

ZHIDAO_SCREENS=1 also writes docs/screens/queue.png and docs/screens/record.png (with a fax, so
that the page picture with the value's box is seen).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from zhidao.context import Quarter, RunContext
from zhidao.fixtures.demo import DemoPaths
from zhidao.fixtures.quarter import plan_quarter
from zhidao.fixtures.unfamiliar import write_unfamiliar_docx
from zhidao.model import Boundary
from zhidao.store import Ledger
from zhidao.web.accounts import AUDITOR, CHECKER, LOCAL_USER, Accounts
from zhidao.web.app import ACCOUNTS, TOKEN, Station
from zhidao.web.server import make_server

CHROMEDRIVER, CHROMIUM = Path("/usr/bin/chromedriver"), Path("/usr/bin/chromium")
SCREENS = Path(__file__).resolve().parents[1] / "docs" / "screens"
PASSWORD = "核对台测试密码2026"
WAIT = 60


def test_the_browser_is_installed() -> None:
    """scripts/install.sh installs Debian's chromium and chromium-driver: the browser tests need them."""
    assert CHROMEDRIVER.is_file() and CHROMIUM.is_file()


# -- the world: files to upload, a ledger with two accounts, the station served in a thread ------------


def _late_forms(folder: Path) -> list[Path]:
    """Two late forms of 马俊 for September: one without the enterprise, one without the instructor."""
    visit = next(v for f in plan_quarter(2026).forms for v in f.visits if v.instructor == "马俊")
    no_enterprise = dataclasses.replace(visit, enterprise="", date=dt.date(2026, 9, 30))
    no_instructor = dataclasses.replace(visit, instructor="", date=dt.date(2026, 9, 28))
    paths = [folder / "马俊补报.docx", folder / "马俊补报2.docx"]
    write_unfamiliar_docx(paths[0], no_enterprise, "2026年9月30日", "colon-labels")
    write_unfamiliar_docx(paths[1], no_instructor, "2026年9月30日", "colon-labels")
    return paths


def _station(demo: DemoPaths, root: Path, mode: str) -> Station:
    inbox, out, db = root / "inbox", root / "out", root / "zhidao.db"
    inbox.mkdir(exist_ok=True)

    def make_context() -> RunContext:
        return RunContext(inbox=inbox, roster=demo.roster, quarter=Quarter.parse(demo.quarter), out=out, db=db,
                          as_of=demo.as_of, received=demo.received, boundary=Boundary(jobs=1))

    return Station(db=db, county="", inbox=inbox, out=out, make_context=make_context, quarter=demo.quarter,
                   mode=mode)


@contextmanager
def _serving(station: Station) -> Iterator[str]:
    server = make_server(station, "127.0.0.1", 0, threads=4)
    thread = threading.Thread(target=server.run, name="zhidao-web-test", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        server.task_dispatcher.shutdown()


@pytest.fixture(scope="module")
def world(demo: DemoPaths, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("web")
    uploads = root / "uploads"
    uploads.mkdir()
    demo_files = sorted(demo.inbox.glob("*.docx"))[:2]
    files = [Path(shutil.copy(p, uploads / p.name)) for p in demo_files] + _late_forms(uploads)
    token = _station(demo, root, TOKEN)
    with Accounts(token.db) as accounts:
        accounts.add("王会计", CHECKER, PASSWORD)
        accounts.add("李审计", AUDITOR, PASSWORD)
    accounts_station = dataclasses.replace(_station(demo, root, ACCOUNTS), token="")
    with _serving(token) as url, _serving(accounts_station) as login_url:
        yield {"root": root, "files": files, "station": token, "url": url, "login_url": login_url,
               "downloads": root / "downloads"}


@pytest.fixture(scope="module")
def browser(world: dict[str, Any]) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = world["downloads"]
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1500,1200", "--lang=zh-CN", "--no-first-run", "--disable-extensions"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False,
                                              "safebrowsing.enabled": False})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver: Any, condition: Any, timeout: float = WAIT) -> Any:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # the progress script replaces elements while it polls: an element gone stale is looked up again
    return WebDriverWait(driver, timeout, poll_frequency=0.2,
                         ignored_exceptions=(StaleElementReferenceException,)).until(condition)


def _text(driver: Any, css: str) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.CSS_SELECTOR, css).text)


def _record_id(station: Station) -> str:
    with Ledger(station.db, station.county) as ledger:
        return sorted(ledger.record_ids())[0]


def _ledger_corrections(station: Station) -> list[Any]:
    with Ledger(station.db, station.county) as ledger:
        return ledger.corrections()


def _days(driver: Any, url: str, name: str, month: str) -> int:
    from selenium.webdriver.common.by import By

    driver.get(f"{url}/instructor/{urllib.parse.quote(name)}")
    return sum(int(td.text) for td in driver.find_elements(By.CSS_SELECTOR, f'#days td[data-month="{month}"]'))


def _rules(driver: Any, url: str) -> list[tuple[str, str]]:
    from selenium.webdriver.common.by import By

    driver.get(f"{url}/findings")
    return [(str(tr.get_attribute("data-rule")), str(tr.get_attribute("data-instructor")))
            for tr in driver.find_elements(By.CSS_SELECTOR, "#findings tbody tr[data-rule]")]


def _run_and_wait(driver: Any, button: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, button).click()
    _wait(driver, lambda d: d.find_element(By.ID, "run-label").text == "运行完成"
          or d.find_element(By.ID, "run-label").text == "运行失败")
    assert _text(driver, "#run-label") == "运行完成", _text(driver, "#run-message")


# -- the clerk's whole round, in the browser ------------------------------------------------------------


def test_without_the_token_nothing_is_served(world: dict[str, Any]) -> None:
    url = world["url"]
    for path, data in (("/queue", None), ("/packet", None), ("/download/packet.pdf", None),
                       ("/queue/check", b"record_id=x&field=remarks&value=1"), ("/?token=wrong", None)):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(url + path, data=data), timeout=10)
        assert refused.value.code == 401, path
        assert "访问令牌" in refused.value.read().decode("utf-8")


def test_upload_run_check_from_the_keyboard_and_see_the_correction(world: dict[str, Any], browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, station, driver = world["url"], world["station"], browser
    driver.get(f"{url}/?token={station.token}")
    assert "token=" not in driver.current_url, "the token leaves the address bar"
    assert _text(driver, "#who") == LOCAL_USER

    # 上传: the files into the inbox, then the run with its live progress
    driver.get(f"{url}/upload")
    driver.find_element(By.ID, "files").send_keys("\n".join(str(p) for p in world["files"]))
    driver.find_element(By.ID, "upload").click()
    _wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#inbox-files li")) == len(world["files"]))
    assert sorted(p.name for p in station.inbox.iterdir()) == sorted(p.name for p in world["files"])
    _run_and_wait(driver, "start-run")
    assert len(driver.find_elements(By.CSS_SELECTOR, "#run-log li")) == len(world["files"]), "a line per file"
    before_days = _days(driver, url, "马俊", "2026-09")
    before = _rules(driver, url)
    assert before.count(("FIELD_MISSING", "")) == 1 and ("FIELD_MISSING", "马俊") in before

    # 待核对队列, from the keyboard alone: Enter on an empty box confirms, a typed value corrects
    driver.get(f"{url}/queue")
    assert _text(driver, "#queue-pos") == "第 1 项 / 共 2 项"
    done = set()
    for _ in range(2):
        item = driver.find_element(By.ID, "item")
        field = item.get_attribute("data-field")
        assert driver.switch_to.active_element.get_attribute("id") == "value", "the box has the focus"
        assert driver.find_elements(By.ID, "no-picture"), "a Word form: its location instead of a picture"
        assert "row-" + str(field) in [tr.get_attribute("id") for tr in
                                      driver.find_elements(By.CSS_SELECTOR, "#record-table tr.current")]
        typing = driver.switch_to.active_element
        if field == "instructor":
            typing.send_keys("马俊", Keys.TAB, "表上漏填，电话核实", Keys.ENTER)
        else:
            typing.send_keys(Keys.ENTER)
        _wait(driver, lambda d, f=field: d.find_elements(By.ID, "queue-empty")
              or d.find_element(By.ID, "item").get_attribute("data-field") != f)
        done.add(field)
    assert done == {"instructor", "enterprise"}
    assert driver.find_elements(By.ID, "queue-empty")
    fixes = _ledger_corrections(station)
    assert sorted((c.field, c.new, c.who, c.reason, c.confirmed) for c in fixes) == [
        ("enterprise", None, LOCAL_USER, "确认无误", True),
        ("instructor", "马俊", LOCAL_USER, "表上漏填，电话核实", False),
    ]
    assert all(c.at.endswith("+08:00") for c in fixes), "Asia/Shanghai"

    # 重新生成: the rerun applies the corrections: the day counts, the finding is gone
    assert "2 项更正或确认" in _text(driver, "#pending")
    driver.get(f"{url}/upload")
    _run_and_wait(driver, "start-run")
    assert not driver.find_elements(By.ID, "pending")
    assert _days(driver, url, "马俊", "2026-09") == before_days + 1
    after = _rules(driver, url)
    assert ("FIELD_MISSING", "") not in after and ("FIELD_MISSING", "马俊") in after, "only the confirmed one stays"
    driver.get(f"{url}/trace/{urllib.parse.quote('马俊')}/2026-09")
    assert "2026-09-28" in _text(driver, "#trace") and "（已采用）" in _text(driver, "#trace")

    # 交流会材料: downloaded from its page
    driver.get(f"{url}/packet")
    for name, magic in (("packet.pdf", b"%PDF"), ("packet.xlsx", b"PK")):
        driver.find_element(By.ID, "download-" + name.replace(".", "-")).click()
        path = world["downloads"] / name
        _wait(driver, lambda _d, p=path: p.is_file() and p.stat().st_size > 0, 30)
        assert path.read_bytes()[:len(magic)] == magic
        assert path.read_bytes() == (station.out / name).read_bytes()


def test_any_field_of_any_record_can_be_corrected(world: dict[str, Any], browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, driver = world["url"], browser
    driver.get(f"{url}/records")
    links = driver.find_elements(By.CSS_SELECTOR, "#records tbody td:first-child a")
    assert len(links) >= 4
    links[0].click()
    row = driver.find_element(By.ID, "f-remarks")
    assert "当前值" in _text(driver, "#fields thead") and "可信度" in _text(driver, "#fields thead")
    row.find_element(By.CSS_SELECTOR, "input.value").send_keys("<b>核对时补充</b>", Keys.ENTER)
    _wait(driver, lambda d: "核对时补充" in d.find_element(By.ID, "f-remarks").text)
    assert "<b>核对时补充</b>" in _text(driver, "#f-remarks .v"), "text is shown as text, never markup"
    assert not driver.find_elements(By.CSS_SELECTOR, "#f-remarks .v b")
    last = _ledger_corrections(world["station"])[-1]
    assert (last.field, last.new, last.who) == ("remarks", "<b>核对时补充</b>", LOCAL_USER)
    # a date that is no date is refused, in Chinese, and nothing is recorded
    count = len(_ledger_corrections(world["station"]))
    driver.find_element(By.CSS_SELECTOR, "#f-visit_date input.value").send_keys("2026年13月45日", Keys.ENTER)
    _wait(driver, lambda d: "不是有效日期" in d.find_element(By.CSS_SELECTOR, ".flashes").text)
    assert len(_ledger_corrections(world["station"])) == count


def _session(url: str, path: str) -> tuple[urllib.request.OpenerDirector, str]:
    """A urllib session signed in through ``path``, and the CSRF token of its pages."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(url + path, timeout=10).read().decode("utf-8")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    return opener, token.group(1)


def test_a_post_without_the_csrf_token_is_refused(world: dict[str, Any]) -> None:
    station = world["station"]
    opener, csrf = _session(world["url"], f"/?token={station.token}")
    rid = _record_id(station)
    count = len(_ledger_corrections(station))
    for extra in ({}, {"csrf_token": "not-the-token"}):
        body = urllib.parse.urlencode({"record_id": rid, "field": "remarks", "value": "无", **extra}).encode()
        with pytest.raises(urllib.error.HTTPError) as refused:
            opener.open(world["url"] + "/queue/check", data=body, timeout=10)
        assert refused.value.code == 400
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(world["url"] + "/run", data=b"", timeout=10)
    assert refused.value.code == 400
    assert len(_ledger_corrections(station)) == count
    # the same POST with its token is taken
    body = urllib.parse.urlencode({"record_id": rid, "field": "remarks", "value": "无", "csrf_token": csrf}).encode()
    opener.open(world["url"] + "/queue/check", data=body, timeout=10)
    assert len(_ledger_corrections(station)) == count + 1


def _login(driver: Any, url: str, name: str, password: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.delete_all_cookies()
    driver.get(f"{url}/queue")
    assert "/login" in driver.current_url, "without a login: the login page"
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(password, Keys.ENTER)


def test_on_a_network_people_sign_in_and_the_auditor_changes_nothing(world: dict[str, Any], browser: Any) -> None:
    from selenium.webdriver.common.by import By

    url, station, driver = world["login_url"], world["station"], browser
    with pytest.raises(urllib.error.HTTPError) as refused:  # a POST without a session: 401
        urllib.request.urlopen(urllib.request.Request(url + "/run", data=b""), timeout=10)
    assert refused.value.code == 401
    _login(driver, url, "王会计", "不是这个密码")
    assert _text(driver, "#login-error") == "用户名或密码不对"

    _login(driver, url, "李审计", PASSWORD)
    _wait(driver, lambda d: "/queue" in d.current_url)
    assert _text(driver, "#who") == "李审计"
    rid = _record_id(station)
    driver.get(f"{url}/record/{rid}")
    assert all(not b.is_enabled() for b in driver.find_elements(By.CSS_SELECTOR, "#fields button.correct"))
    count = len(_ledger_corrections(station))
    csrf = driver.find_element(By.CSS_SELECTOR, 'input[name="csrf_token"]').get_attribute("value")
    for path, form in ((f"/record/{rid}/check", {"field": "remarks", "action": "correct", "value": "改"}),
                       (f"/record/{rid}/check", {"field": "remarks", "action": "confirm"}),
                       ("/queue/check", {"record_id": rid, "field": "remarks", "value": "改"}),
                       ("/run", {}), ("/upload", {})):
        status = driver.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            "var body = new URLSearchParams(arguments[1]); body.append('csrf_token', arguments[2]);"
            "fetch(arguments[0], {method: 'POST', body: body, credentials: 'same-origin'})"
            ".then(function (r) { done(r.status); });", url + path, form, csrf)
        assert status == 403, path
    assert len(_ledger_corrections(station)) == count, "the auditor changed nothing"

    _login(driver, url, "王会计", PASSWORD)  # the checker's corrections are by name
    _wait(driver, lambda d: "/queue" in d.current_url)
    driver.get(f"{url}/record/{rid}")
    driver.find_element(By.CSS_SELECTOR, "#f-problems button.confirm").click()
    _wait(driver, lambda d: "已确认" in d.find_element(By.CSS_SELECTOR, ".flashes").text)
    last = _ledger_corrections(station)[-1]
    assert (last.who, last.field, last.confirmed) == ("王会计", "problems", True)


# -- the commands --------------------------------------------------------------------------------------


# `python -m zhidao.cli` runs main() before the web commands are added at the end of zhidao.cli:
# the commands are called as the `zhidao` script calls them.
ZHIDAO = [sys.executable, "-c", "from zhidao.cli import main; main()"]


def _zhidao(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ZHIDAO, *args], capture_output=True, text=True, input=stdin, timeout=60)


def test_serve_prints_one_url_with_a_token_and_refuses_a_network_without_accounts(
        demo: DemoPaths, tmp_path: Path) -> None:
    common = ["--inbox", str(tmp_path / "inbox"), "--roster", str(demo.roster), "--quarter", demo.quarter,
              "--out", str(tmp_path / "out"), "--db", str(tmp_path / "z.db")]
    done = _zhidao("serve", *common, "--host", "0.0.0.0")
    assert done.returncode == 4 and "必须先建立用户" in done.stderr and "zhidao users add" in done.stderr
    added = _zhidao("users", "add", "赵主任", "--role", "审核", "--db", str(tmp_path / "z.db"), "--password-stdin",
                    stdin="一个足够长的登录密码\n")
    assert added.returncode == 0, added.stderr
    listed = _zhidao("users", "list", "--db", str(tmp_path / "z.db"))
    assert "赵主任\t审核" in listed.stdout
    assert _zhidao("users", "add", "钱", "--role", "核对", "--db", str(tmp_path / "z.db"), "--password-stdin",
                   stdin="短\n").returncode == 4

    server = subprocess.Popen([*ZHIDAO, "serve", *common], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        line = server.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[\w-]{20,}", line), line
        jar = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = jar.open(line, timeout=20).read().decode("utf-8")
        assert "上传工作记录" in page and "本机用户" in page
    finally:
        server.terminate()
        server.wait(10)


def test_the_web_framework_is_not_imported_at_start_up() -> None:
    code = ("import sys; from zhidao.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print('WEB:' + ','.join(m for m in ('flask', 'werkzeug', 'waitress', 'argon2', 'jinja2') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "WEB:"


# -- screenshots (ZHIDAO_SCREENS=1) ----------------------------------------------------------------------


def test_screens(demo: DemoPaths, browser: Any, tmp_path: Path) -> None:
    """A fax in the queue shows its page with the value's box; ZHIDAO_SCREENS=1 keeps the
    screenshots as docs/screens/queue.png and record.png."""
    import numpy as np

    from tests.scan_support import SINGLE
    from zhidao.fixtures import scans
    from zhidao.fonts import register_cjk_font
    from zhidao.pipeline.run import run

    station = _station(demo, tmp_path, TOKEN)
    _late_forms(station.inbox)
    fax = scans.fax(scans.render_form(SINGLE, register_cjk_font()), np.random.default_rng(5))
    scans.write_png(station.inbox / "传真0001.png", fax)
    run(station.make_context())
    screens = SCREENS if os.environ.get("ZHIDAO_SCREENS") else tmp_path / "screens"
    screens.mkdir(parents=True, exist_ok=True)
    with _serving(station) as url:
        browser.get(f"{url}/?token={station.token}")
        browser.get(f"{url}/queue")
        from selenium.webdriver.common.by import By

        for i in range(20):  # the first item of the fax
            browser.get(f"{url}/queue?i={i}")
            if browser.find_elements(By.ID, "page-image"):
                break
        assert browser.find_elements(By.ID, "page-image"), "no queue item shows its page picture"
        _wait(browser, lambda d: d.execute_script("return document.getElementById('page-image').complete"))
        browser.find_element(By.CSS_SELECTOR, "[data-zoom=in]").click()
        browser.execute_script("window.scrollTo(0, 0)")
        time.sleep(0.3)
        browser.save_screenshot(str(screens / "queue.png"))
        rid = browser.find_element(By.ID, "item").get_attribute("data-record")
        browser.get(f"{url}/record/{rid}?field=visit_date")
        time.sleep(0.5)
        browser.save_screenshot(str(screens / "record.png"))
        assert all((screens / name).stat().st_size > 10_000 for name in ("queue.png", "record.png"))
