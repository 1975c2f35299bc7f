"""Real-browser fixtures: the app with the demo data behind a live server, and Chromium.

The browser tests never touch the shared test database (SQLite or the PostgreSQL named in
GRANTS_DATABASE_URL): each live app runs on its own SQLite file in a temporary instance folder,
filled with the demo data set (test_whole_path.py, when GRANTS_DATABASE_URL is set, on a
PostgreSQL schema of its own instead).

Chromium is Debian's (/usr/bin/chromium), driven by Playwright. When it or Playwright is missing
the browser tests are skipped with the reason, so the README's test line works on a fresh
machine; with GRANTS_BROWSER_TESTS_REQUIRED=1 (as CI sets it) the run fails loudly instead.

GRANTS_SCREENSHOTS=DIR saves full-page screenshots of some pages in DIR (see ``screenshot``).
"""

import importlib.util
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HERE = Path(__file__).parent


def _missing() -> list[str]:
    missing = []
    if importlib.util.find_spec("playwright") is None:
        missing.append("the Python package playwright (pip install playwright)")
    if importlib.util.find_spec("axe_playwright_python") is None:
        missing.append("the Python package axe-playwright-python")
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    return missing


_MISSING = _missing()
if _MISSING:
    _reason = "browser tests need " + " and ".join(_MISSING)
    if os.environ.get("GRANTS_BROWSER_TESTS_REQUIRED") != "1":
        pytest.skip(_reason + " (set GRANTS_BROWSER_TESTS_REQUIRED=1 to make this an error)",
                    allow_module_level=True)
    pytest.fail(_reason + ". Install them, or unset GRANTS_BROWSER_TESTS_REQUIRED to skip the "
                "browser tests on this machine.", pytrace=False)

from playwright.sync_api import sync_playwright  # noqa: E402  (only once known to be there)
from werkzeug.serving import make_server  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser: real-browser test (Chromium via Playwright) against a live server")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # Before -m selection runs, so that `-m browser` and `-m "not browser"` see the marker.
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def transaction():
    """Overrides the suite's per-test transaction on the shared test database.

    The browser tests talk to their own live server and database; asking for the shared one
    would create (and wipe) it for nothing.
    """
    yield None


# The app behind each running demo server, by its base URL: the code step's answerer reads the
# user's secret and the app's clock there.
_APPS: dict[str, object] = {}


@dataclass
class DemoServer:
    url: str
    app: object
    clock: Callable[[], datetime]


@contextmanager
def demo_server(instance: Path, name: str, *, clock: Callable[[], datetime] | None = None,
                database_url: str | None = None, **config) -> Iterator[DemoServer]:
    """The app with the demo data (loaded as of ``clock()``), served by a real HTTP server in a
    thread. Its database is ``database_url``, by default a SQLite file ``<name>.db`` of its own
    in ``instance`` (never the suite's database, whatever GRANTS_DATABASE_URL says)."""
    from grants import create_app
    from grants.database import utcnow
    from grants.demo import load_demo
    from grants.extensions import db
    from grants.schema import prepare_database

    settings = {
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": database_url or "sqlite:///" + str(instance / f"{name}.db"),
        "TESTING": False,
        # Plain http on 127.0.0.1: cookies must not be marked Secure, whatever the environment.
        "BASE_URL": "http://127.0.0.1",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        **config,
    }
    if clock is not None:
        settings["CLOCK"] = clock
    app = create_app(settings)
    with app.app_context():
        prepare_database()
        load_demo((clock or utcnow)())
        db.session.commit()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=f"{name}-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    _APPS[url] = app
    try:
        yield DemoServer(url, app, clock or utcnow)
    finally:
        _APPS.pop(url, None)
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Base URL of the app, with the demo data, served by a real HTTP server in a thread."""
    with demo_server(tmp_path_factory.mktemp("browser-instance"), "browser") as server:
        yield server.url


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _code_for(app, session_cookie: str) -> str | None:
    """The code the demo user who just gave their password (the session's note) may use now.

    Browser tests log the same demo user in many times a minute, and the app takes a time
    step's code once (replay): when the current and the next step are both spent, the spent
    mark is cleared here. Replay itself is tested in tests/accounts/test_two_factor.py.
    """
    from grants.clock import now, outside_time
    from grants.extensions import db
    from grants.models import User
    from grants.services.two_factor import TIME_STEP, code_at

    data = app.session_interface.get_signing_serializer(app).loads(session_cookie)
    note = data.get("two_factor_login") or {}
    with app.app_context():
        user = db.session.get(User, note.get("u", 0))
        if user is None or not user.totp_secret:
            return None
        moment = outside_time(now())  # a phone's time: real time where the app runs in 2014
        step = int(moment.timestamp()) // TIME_STEP
        if user.totp_last_step is not None and user.totp_last_step >= step + 1:
            user.totp_last_step = None
            db.session.commit()
        if user.totp_last_step == step:
            moment += timedelta(seconds=TIME_STEP)
        code = code_at(user.totp_secret, moment)
        db.session.remove()
        return code


def answer_code_step(context) -> None:
    """Let ``context`` pass the login's code step (two-factor authentication) by itself, as a
    user with the app at hand would, so that the tests' login helpers work unchanged: a login
    whose password leads to the code step gets the code page answered with the user's current
    code, and the browser goes where that answer leads.

    The login's POST is the request intercepted: Playwright does not route the request that
    follows a redirect, so the code page itself cannot be caught.
    """

    def handle(route):
        request = route.request
        parts = urlsplit(request.url)
        base = f"{parts.scheme}://{parts.netloc}"
        app = _APPS.get(base)
        if request.method != "POST" or app is None:
            route.continue_()
            return
        password_answer = route.fetch(max_redirects=0)
        location = password_answer.headers.get("location", "")
        if password_answer.status != 302 or urlsplit(location).path != "/login/code":
            route.fulfill(response=password_answer)
            return
        code_url = base + "/login/code"
        cookie_name = app.config["SESSION_COOKIE_NAME"]
        cookie = next((c["value"] for c in context.cookies(code_url)
                       if c["name"] == cookie_name), None)
        code = _code_for(app, cookie) if cookie else None
        page = context.request.get(code_url, max_redirects=0)
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.text())
        if code is None or page.status != 200 or token is None:
            route.fulfill(response=password_answer)  # the browser shows the code page
            return
        answer = context.request.post(code_url, form={"code": code,
                                                      "csrf_token": token.group(1)},
                                      max_redirects=0)
        route.fulfill(response=answer)

    context.route(re.compile(r"^https?://[^/]+/login(\?.*)?$"), handle)


@pytest.fixture
def context(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="nl-NL",
                                  viewport={"width": 1280, "height": 800})
    answer_code_step(context)
    try:
        yield context
    finally:
        context.close()


def _watched(page):
    """``page`` with its console errors collected in ``.errors``."""
    page.errors = []

    def console(message):
        where = message.location.get("url", "")
        # Chromium asks every site for /favicon.ico; the app has none (a cosmetic gap only).
        if message.type == "error" and not where.endswith("/favicon.ico"):
            page.errors.append(f"console: {message.text} ({where})")

    page.on("console", console)
    page.on("pageerror", lambda error: page.errors.append(f"page error: {error}"))
    return page


@pytest.fixture
def page(context):
    """A fresh page in a fresh context (no cookies), with its console errors in ``.errors``."""
    return _watched(context.new_page())


@pytest.fixture
def open_page(browser):
    """open_page(base_url): a page in a browser session of its own (own cookies), for one
    user of a server other than ``live_server``; console errors in ``.errors``."""
    contexts = []

    def open_(base_url: str):
        context = browser.new_context(base_url=base_url, locale="nl-NL",
                                      viewport={"width": 1280, "height": 800})
        answer_code_step(context)
        contexts.append(context)
        return _watched(context.new_page())

    try:
        yield open_
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def screenshot():
    """screenshot(page, name): a full-page PNG in $GRANTS_SCREENSHOTS, when that is set."""
    directory = os.environ.get("GRANTS_SCREENSHOTS")

    def take(page, name: str) -> None:
        if not directory:
            return
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)

    return take


@contextmanager
def own_postgresql_schema(schema: str):
    """The URL of a fresh schema ``schema`` in GRANTS_DATABASE_URL's database (None without
    one): a demo server of its own on the suite's PostgreSQL, beside the suite's tables."""
    given = os.environ.get("GRANTS_DATABASE_URL")
    if not given:
        yield None
        return
    url = make_url(given)
    if "test" not in (url.database or ""):
        pytest.fail("GRANTS_DATABASE_URL must name a database with 'test' in its name.")
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        engine.dispose()
