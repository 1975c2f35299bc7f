"""Fixtures: one app per session on SQLite (or the PostgreSQL in GRANTS_DATABASE_URL), each test
inside a transaction that is rolled back at its end, and an injected clock."""

import hashlib
import os
import re
import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from grants import MIGRATIONS, create_app, money
from grants.budget import charts
from grants.extensions import db
from grants.schema import prepare_database
from tests import factories

pytest_plugins = ["tests.workflows.scenarios"]

START = datetime(2014, 4, 1, 7, 0, tzinfo=UTC)


class Clock:
    """The app's notion of now, moved only by the test."""

    def __init__(self):
        self.moment = START

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta) -> None:
        self.moment += timedelta(**delta)


class Client(FlaskClient):
    """A test client whose requests each start with an empty ``g``.

    The test's app context stays pushed so that requests share its transaction; Flask then
    reuses that context, and its ``g``, for every request. Flask-Login caches the user there and
    Flask-WTF the CSRF token, which must not leak from one request (or client) to the next.
    """

    def open(self, *args, **kwargs):
        for name in list(g):
            g.pop(name)
        return super().open(*args, **kwargs)


def _test_database_url(tmp_path_factory) -> str:
    url = os.environ.get("GRANTS_DATABASE_URL")
    if not url:
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")
    if "test" not in (make_url(url).database or ""):
        pytest.exit("GRANTS_DATABASE_URL must name a database with 'test' in its name: "
                    "the test run wipes it.", returncode=2)
    return url


def _wipe(app) -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")


@pytest.fixture(scope="session")
def app_clock():
    return Clock()


def _schema_key() -> str:
    """Names the schema the migrations make: a hash of every migration file."""
    digest = hashlib.sha256()
    for path in sorted(MIGRATIONS.rglob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _prepared_sqlite(url: str) -> None:
    """Every pytest session (and every mutant of bench/mutation.py, each a session of its own)
    starts from a migrated SQLite file: made once per set of migrations and copied, with
    SQLite's backup API, from a cache in the temporary folder, instead of running forty
    migrations each time."""
    target = make_url(url).database
    cached = Path(tempfile.gettempdir()) / f"grants-test-schema-{_schema_key()}.db"
    if not cached.exists():
        prepare_database()
        db.engine.dispose()
        partial = cached.with_suffix(f".{os.getpid()}.part")
        with sqlite3.connect(target) as source, sqlite3.connect(partial) as copy:
            source.backup(copy)
        partial.replace(cached)  # atomic: a parallel session sees all of it or nothing
        return
    with sqlite3.connect(cached) as source, sqlite3.connect(target) as copy:
        source.backup(copy)


@pytest.fixture(scope="session")
def app(tmp_path_factory, app_clock):
    url = _test_database_url(tmp_path_factory)
    app = create_app({
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
        "DATABASE_URL": url,
        "CLOCK": app_clock,
    })
    with app.app_context():
        _wipe(app)
        if url.startswith("sqlite:///"):
            _prepared_sqlite(url)
        else:
            prepare_database()
        db.engine.dispose()
    app.test_client_class = Client
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def fresh_charts():
    """Each test draws its charts and formats its amounts anew: a chart drawn once per process
    (grants.budget.charts) or an amount formatted once (grants.money) would otherwise come from
    an earlier test, or, under bench/mutation.py, from the unmutated code of the process the
    mutant's run was forked from."""
    charts._drawn.cache_clear()
    money._formatted.cache_clear()


@pytest.fixture(autouse=True)
def transaction(request, app_clock):
    """Every test runs in one outer transaction that is rolled back; commits become savepoints.
    A ``no_db`` test does not even make the app (a mutant of bench/mutation.py whose tests are
    all pure functions then runs in a second, not in the time of the migrations)."""
    if "no_db" in request.keywords:
        yield None
        return
    app = request.getfixturevalue("app")
    app_clock.moment = START
    with app.app_context():
        engines = db.engines
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        engines[None] = connection
        try:
            yield connection
        finally:
            db.session.remove()
            engines[None] = engine
            outer.rollback()
            connection.close()


@pytest.fixture
def clock(app_clock):
    return app_clock


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def schemes(clock):
    from grants.seed import seed_schemes

    return {scheme.code: scheme for scheme in seed_schemes(clock())}


def csrf_token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, email: str, password: str = factories.PASSWORD):
    """Log in; when the password leads to the code step (two-factor authentication), answer
    it with the user's code of the injected clock's moment and return that answer."""
    response = client.post("/login", data={"email": email, "password": password,
                                           "csrf_token": csrf_token(client)})
    if response.status_code == 302 and \
            urlsplit(response.headers["Location"]).path == "/login/code":
        response = client.post("/login/code", data={
            "code": totp_code(email), "csrf_token": csrf_token(client, "/login/code")})
    return response


def totp_code(email: str) -> str:
    """A code the app accepts now for the user with this e-mail address (from their secret).

    A code's time step is spent once used (replay), and only the current and the next step are
    accepted: a test that logs the same user in a third time without moving the clock gets
    the spent mark cleared here. Replay itself is tested in tests/accounts/test_two_factor.py.
    """
    from grants.clock import now
    from grants.models import User
    from grants.services.two_factor import TIME_STEP, code_at

    user = db.session.scalars(sa.select(User).where(
        User.email == email.strip().lower())).one()
    moment = now()
    step = int(moment.timestamp()) // TIME_STEP
    if user.totp_last_step is not None and user.totp_last_step >= step + 1:
        user.totp_last_step = None
        db.session.commit()
    if user.totp_last_step == step:
        moment += timedelta(seconds=TIME_STEP)
    return code_at(user.totp_secret, moment)


@pytest.fixture
def login_as(client):
    def _login(user, password: str = factories.PASSWORD, client=client):
        response = login(client, user.email, password)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return _login


def rows(statement) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(statement))


def pytest_configure(config):
    config.addinivalue_line("markers", "no_db: the test needs no database transaction")

