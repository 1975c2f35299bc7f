"""Real-browser fixtures: the app with the demo data behind a live server, and Chromium.

The browser tests never touch the shared test database (SQLite or the PostgreSQL named in
GRANTS_DATABASE_URL): the live app always runs on its own SQLite file in a temporary instance
folder, filled with the demo data set.

Chromium is Debian's (/usr/bin/chromium), driven by Playwright. When it or Playwright is missing
the browser tests are skipped with the reason, so the README's test line works on a fresh
machine; with GRANTS_BROWSER_TESTS_REQUIRED=1 (as CI sets it) the run fails loudly instead.

GRANTS_SCREENSHOTS=DIR saves full-page screenshots of some pages in DIR (see ``screenshot``).
"""

import importlib.util
import os
import threading
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


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Base URL of the app, with the demo data, served by a real HTTP server in a thread."""
    from grants import create_app
    from grants.database import utcnow
    from grants.demo import load_demo
    from grants.extensions import db
    from grants.schema import prepare_database

    instance = tmp_path_factory.mktemp("browser-instance")
    app = create_app({
        "INSTANCE_PATH": str(instance),
        # Always a file of our own, even when GRANTS_DATABASE_URL names the suite's database.
        "DATABASE_URL": "sqlite:///" + str(instance / "browser.db"),
        "TESTING": False,
        # Plain http on 127.0.0.1: cookies must not be marked Secure, whatever the environment.
        "BASE_URL": "http://127.0.0.1",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
    })
    with app.app_context():
        prepare_database()
        load_demo(utcnow())
        db.session.commit()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


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


@pytest.fixture
def page(context):
    """A fresh page in a fresh context (no cookies), with its console errors in ``.errors``."""
    page = context.new_page()
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
def screenshot():
    """screenshot(page, name): a full-page PNG in $GRANTS_SCREENSHOTS, when that is set."""
    directory = os.environ.get("GRANTS_SCREENSHOTS")

    def take(page, name: str) -> None:
        if not directory:
            return
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)

    return take
