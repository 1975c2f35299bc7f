"""A database that stays busy longer than the app waits answers 503 with Retry-After, never a
500 (issue 15): on SQLite another writer holding the lock past the busy timeout."""

import sqlite3

import pytest
from sqlalchemy.engine import make_url

from grants import create_app
from grants.extensions import db
from tests.concurrency.conftest import sectorplan_payload
from tests.concurrency.workers import bearer

pytestmark = pytest.mark.no_db


@pytest.fixture
def impatient_app(race):
    """The race's database, waiting at most 50 ms for SQLite's write lock."""
    if make_url(race.config["DATABASE_URL"]).get_backend_name() != "sqlite":
        pytest.skip("PostgreSQL locks rows, not the database: a writer waits for its row only")
    app = create_app({**race.config, "SQLITE_BUSY_TIMEOUT_MS": 50})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_write_while_another_holds_the_lock_too_long_is_503_and_nothing_is_stored(
        race, impatient_app):
    body = {"scheme": "sectorplan", "window": "T2", "title": "Sectorplan Metaal",
            **sectorplan_payload(race.employers_id, race.employees_id)}
    client = impatient_app.test_client()
    listed = client.get("/api/v1/applications", headers=bearer(race.tokens["applicant"]))
    before = listed.get_json()["total"]
    other = sqlite3.connect(make_url(race.config["DATABASE_URL"]).database,
                            isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        api = client.post("/api/v1/applications", headers=bearer(race.tokens["applicant"]),
                          json=body)
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert api.status_code == 503
    assert api.headers["Retry-After"] == "5"
    assert api.get_json()["error"] == {
        "code": "service_unavailable", "fields": {},
        "message": "Het is op dit moment erg druk. Probeer het over enkele seconden opnieuw."}
    after = client.get("/api/v1/applications", headers=bearer(race.tokens["applicant"]))
    assert after.get_json()["total"] == before
