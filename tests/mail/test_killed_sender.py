"""A sender killed halfway and started again sends each mail once.

Like tests/decisions/test_worker.py this runs on a database of its own, committed for real (a
SQLite file, or ``<configured name>_mail`` next to GRANTS_DATABASE_URL's). Six receipts wait in
the outbox; ``flask grants mail send`` runs in its own process against a local SMTP server that
confirms two messages and then holds the third unanswered, as a slow server does. The process is
killed with SIGKILL while it waits, so the third mail is claimed but was never delivered. A new
run takes it over at once (its holder no longer exists) and sends the other four.
"""

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from grants import create_app
from grants.extensions import db
from grants.models import Organisation, OrganisationKind, OutgoingMail, Region, Role
from grants.schema import prepare_database
from grants.seed import seed_schemes
from grants.services.accounts import create_user
from grants.services.applications import create_application, fire_trigger
from tests.concurrency.workers import FixedClock
from tests.decisions.test_worker import _recreate
from tests.factories import consent_all
from tests.mail.smtp_server import SmtpServer
from tests.workflows.test_fields_sectorplan import payload as sectorplan_payload

pytestmark = pytest.mark.no_db

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2014, 4, 1, 8, tzinfo=UTC)
APPLICANTS, APPLICATIONS = 3, 2
TIMEOUT = 120


@pytest.fixture
def committed(tmp_path):
    configured = os.environ.get("GRANTS_DATABASE_URL")
    name = None
    if configured and make_url(configured).get_backend_name().startswith("postgres"):
        name = f"{make_url(configured).database}_mail"
        assert "test" in name
        _recreate(configured, name, create=True)
        url = make_url(configured).set(database=name).render_as_string(hide_password=False)
    else:
        url = "sqlite:///" + str(tmp_path / "mail.db")
    config = {"INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": url,
              "TESTING": True, "CLOCK": FixedClock(NOW), "JOBS_IMMEDIATE": False}
    app = create_app(config)
    try:
        yield app, config
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if name is not None:
            _recreate(configured, name, create=False)


def _write_receipts(app) -> None:
    """Two applications submitted by an organisation with three applicants: six receipts."""
    with app.app_context():
        prepare_database()
        seed_schemes(NOW)
        employers = Organisation(name="Werkgevers Metaal", kvk="91000001", region=Region.NOORD,
                                 kind=OrganisationKind.EMPLOYERS_ORGANISATION)
        employees = Organisation(name="Werknemers Metaal", kvk="91000002", region=Region.NOORD,
                                 kind=OrganisationKind.EMPLOYEES_ORGANISATION)
        db.session.add_all([employers, employees])
        db.session.flush()
        applicants = [create_user(email=f"aanvrager{n}@example.nl", name=f"Aanvrager {n}",
                                  roles={Role.APPLICANT}, password="correct horse battery staple",
                                  organisation=employers) for n in range(APPLICANTS)]
        for number in range(APPLICATIONS):
            application = create_application(applicants[0], {
                "scheme": "sectorplan", "window": "T2", "title": f"Sectorplan {number + 1}",
                **sectorplan_payload(employers.id, employees.id)}, NOW)
            consent_all(application, NOW)
            fire_trigger(application.id, "submit", applicants[0], {}, NOW)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _outbox(app) -> dict[int, tuple]:
    with app.app_context():
        rows = {row[0]: row[1:] for row in db.session.execute(
            sa.select(OutgoingMail.id, OutgoingMail.sent_at, OutgoingMail.sending_by,
                      OutgoingMail.sending_until))}
        db.session.remove()
        db.engine.dispose()
    return rows


def _send(config: dict, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "GRANTS_DATABASE_URL": config["DATABASE_URL"],
           "GRANTS_INSTANCE_PATH": config["INSTANCE_PATH"], "GRANTS_JOBS_IMMEDIATE": "false",
           "GRANTS_MAIL_SMTP_HOST": "127.0.0.1", "GRANTS_MAIL_SMTP_PORT": str(port),
           "GRANTS_MAIL_SMTP_STARTTLS": "false"}
    env.pop("FLASK_APP", None)
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "grants",
                                 "mail", "send"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT)


def _message_ids(server: SmtpServer) -> list[str]:
    return [received.message["Message-ID"] for received in server.received]


def test_a_sender_killed_mid_batch_and_run_again_sends_each_mail_once(committed, tmp_path):
    app, config = committed
    _write_receipts(app)
    waiting = _outbox(app)
    assert len(waiting) == APPLICANTS * APPLICATIONS
    assert all(sent_at is None for sent_at, _, _ in waiting.values())
    log = tmp_path / "send.log"

    with SmtpServer(hold_after=2) as slow:
        first = _send(config, slow.port, log)
        try:
            assert slow.holding.wait(TIMEOUT), log.read_text()
            first.send_signal(signal.SIGKILL)  # while the third message waits for its answer
            first.wait(timeout=30)
        finally:
            if first.poll() is None:
                first.kill()
                first.wait()
        before = _message_ids(slow)
    assert len(before) == 2

    rows = _outbox(app)
    sent = {mail_id for mail_id, (sent_at, _, _) in rows.items() if sent_at is not None}
    assert len(sent) == 2  # marked sent, each right after the server took it
    held = [mail_id for mail_id, (sent_at, holder, until) in rows.items()
            if sent_at is None and holder and until is not None]
    assert held, "the killed sender held the mails it had claimed"

    with SmtpServer() as server:
        second = _send(config, server.port, log)
        assert second.wait(timeout=TIMEOUT) == 0, log.read_text()
        after = _message_ids(server)
    assert "4 verstuurd, 0 mislukt" in log.read_text()

    everything = before + after
    assert len(everything) == len(set(everything)) == APPLICANTS * APPLICATIONS
    assert {f".{mail_id}.grants@localhost>" for mail_id in rows} == {
        message_id[message_id.index("."):] for message_id in everything}
    assert all(sent_at is not None for sent_at, _, _ in _outbox(app).values())
