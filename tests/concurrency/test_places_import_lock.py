"""A places file is read and checked without holding a lock (issue 15): while one applicant's
large CSV was parsed inside its write transaction (86 s), every other user of a SQLite database
waited and then got a 500 "database is locked". Now another connection writes, without waiting,
while the file is being read; on PostgreSQL the application's row is not locked meanwhile
either."""

import io
import sqlite3
from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy.engine import make_url

from grants import create_app
from grants.extensions import db
from grants.views import places as places_view
from tests.concurrency.workers import FixedClock, bearer

pytestmark = pytest.mark.no_db

IN_WINDOW = datetime(2014, 6, 10, 8, tzinfo=UTC)  # praktijkleren 2013-2014: 2 June – 15 Sept.
HEADER = "student_name,category,programme_code,school,starts_on,ends_on,weeks\n"
PLACE = "Student {n},mbo,25180,ROC Noorderpoort,2013-09-01,2014-06-30,40\n"


def write_elsewhere(url: str, application_id: int) -> str:
    """Change the application from another connection, waiting for no lock at all."""
    statement = "UPDATE applications SET title = title || '' WHERE id = {}"
    parsed = make_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            connection = sqlite3.connect(parsed.database, timeout=0, isolation_level=None)
            try:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute(statement.format("?"), (application_id,))
                connection.execute("COMMIT")
            finally:
                connection.close()
        else:
            conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
            with psycopg.connect(conninfo) as connection:
                connection.execute("SET lock_timeout = '200ms'")
                connection.execute(statement.format("%s"), (application_id,))
    except (sqlite3.OperationalError, psycopg.errors.LockNotAvailable) as error:
        return f"waited: {error}"
    return "written"


class WritesWhileRead(io.BytesIO):
    """The uploaded file; the first time the import reads it, another user writes."""

    def __init__(self, data: bytes, url: str, application_id: int):
        super().__init__(data)
        self.url, self.application_id, self.writes = url, application_id, []

    def read(self, size=-1):
        if not self.writes:
            self.writes.append(write_elsewhere(self.url, self.application_id))
        return super().read(size)


@pytest.fixture
def app_in_window(race):
    """The race's database, at a moment the praktijkleren window is open."""
    app = create_app({**race.config, "CLOCK": FixedClock(IN_WINDOW)})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_another_user_writes_while_a_places_file_is_read(race, app_in_window, monkeypatch):
    app = app_in_window
    client, token = app.test_client(), race.tokens["applicant"]
    created = client.post("/api/v1/applications", headers=bearer(token), json={
        "scheme": "praktijkleren", "window": "2013-2014", "title": "Praktijkleren 2013/14",
        "employer_id": "100234", "places": []})
    assert created.status_code == 201, created.get_json()
    application_id = created.get_json()["id"]
    upload = WritesWhileRead((HEADER + "".join(PLACE.format(n=n) for n in range(50))).encode(),
                             race.config["DATABASE_URL"], application_id)
    monkeypatch.setattr(places_view, "_received_csv", lambda: upload)

    response = client.post(f"/api/v1/applications/{application_id}/places.csv",
                           headers={**bearer(token), "Content-Type": "text/csv"})

    assert upload.writes == ["written"]
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["imported"] == 50
