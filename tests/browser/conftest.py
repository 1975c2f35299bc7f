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
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

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
    try:
        yield DemoServer(f"http://127.0.0.1:{server.server_port}", app, clock or utcnow)
    finally:
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


@pytest.fixture
def context(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="nl-NL",
                                  viewport={"width": 1280, "height": 800})
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
