"""A database of its own for the race tests, committed for real, and a way to race processes.

The suite's other tests each run inside one rolled-back transaction on a shared connection;
that cannot be seen from another process. Here every piece of setup is committed to a fresh
database (a SQLite file, or ``<configured name>_race`` next to GRANTS_DATABASE_URL's), and each
racing request runs in its own OS process with its own app and connection.
"""

import multiprocessing
import os
import queue
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import make_url

from grants import create_app
from grants.extensions import db
from grants.models import (
    AuditEvent,
    BudgetLine,
    EntryKind,
    LedgerEntry,
    Organisation,
    OrganisationKind,
    Region,
    Role,
    Scheme,
    User,
    Window,
)
from grants.schema import prepare_database
from grants.seed import seed_schemes
from grants.services.accounts import create_user
from grants.services.schemes import amend_ceiling
from grants.services.tokens import create_token
from grants.workflows.order import ORDER_RULE
from tests.concurrency.workers import FixedClock, bearer, run_job
from tests.workflows.test_fields_sectorplan import payload as sectorplan_payload

# Inside sector-plan window T2 (opens 2014-04-01 00:00 Europe/Amsterdam).
NOW = datetime(2014, 4, 1, 8, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
# A hang (a lock never released, a worker that died) fails the test instead of blocking CI.
RACE_TIMEOUT = 60


@pytest.fixture(autouse=True)
def transaction():
    """These tests commit for real in a database of their own (see ``race``): they need no
    rolled-back transaction, nor the suite's shared database, which they leave alone."""
    yield None


# -- the database -----------------------------------------------------------------------------

def _create_postgres_database(url: str) -> tuple[str, str]:
    """Create ``<name>_race`` on the server of ``url``; return its URL and its name."""
    configured = make_url(url)
    name = f"{configured.database}_race"
    if "test" not in name:
        pytest.exit("GRANTS_DATABASE_URL must name a database with 'test' in its name.",
                    returncode=2)
    admin = _maintenance_engine(url)
    try:
        with admin.connect() as connection:
            quoted = connection.dialect.identifier_preparer.quote(name)
            # A run that was killed may have left it behind.
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
            connection.exec_driver_sql(f"CREATE DATABASE {quoted}")
    finally:
        admin.dispose()
    return configured.set(database=name).render_as_string(hide_password=False), name


def _drop_postgres_database(url: str, name: str) -> None:
    admin = _maintenance_engine(url)
    try:
        with admin.connect() as connection:
            quoted = connection.dialect.identifier_preparer.quote(name)
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
    finally:
        admin.dispose()


def _maintenance_engine(url: str) -> sa.Engine:
    server = make_url(url).set(drivername="postgresql+psycopg", database="postgres")
    return sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)


# -- the race ---------------------------------------------------------------------------------

# What every racer imports: the forkserver imports it once, each racer is a fork of it.
RACER_IMPORTS = ["grants", "grants.workflows", "tests.concurrency.workers",
                 "tests.concurrency.test_login_burst"]


def racing_context():
    """Racers are fresh processes with nothing of the test's state (no connection, no app),
    as spawned ones are, but forked from a server that imported the app once: spawning one
    interpreter per racer spent seconds per race on imports alone, on two cores."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(RACER_IMPORTS)
    return context


@dataclass
class Outcome:
    index: int
    status: int
    body: dict | None
    started: float
    finished: float


@dataclass
class Race:
    """The committed database, its users' tokens, and helpers to set up and race."""

    app: Flask
    config: dict
    tokens: dict[str, str] = field(default_factory=dict)
    employers_id: int = 0
    employees_id: int = 0

    # Applications, made through the API itself so they are exactly what users would make.

    def api(self, method: str, path: str, token: str, json: dict | None = None):
        client = self.app.test_client()
        return client.open(f"/api/v1{path}", method=method, headers=bearer(token), json=json)

    def trigger(self, application_id: int, trigger: str, role: str, json: dict | None = None):
        response = self.api("POST", f"/applications/{application_id}/triggers/{trigger}",
                            self.tokens[role], json or {})
        assert response.status_code == 200, (trigger, response.get_json())
        return response.get_json()

    def application(self, state: str) -> dict:
        """A fresh sector plan in ``state``: draft, submitted, in_assessment or assessed."""
        body = {"scheme": "sectorplan", "window": "T2", "title": "Sectorplan Metaal",
                **sectorplan_payload(self.employers_id, self.employees_id)}
        response = self.api("POST", "/applications", self.tokens["applicant"], body)
        assert response.status_code == 201, response.get_json()
        application = response.get_json()
        # The other organisation the plan names consents before it can be submitted (issue 14).
        consented = self.api("POST", f"/applications/{application['id']}/consent",
                             self.tokens["partner"])
        assert consented.status_code == 201, consented.get_json()
        steps = [("submit", "applicant", None), ("start_assessment", "assessor", None),
                 ("record_assessment", "assessor",
                  {"recommendation": "positive", "reasoning": "Voldoet aan de regeling."})]
        for trigger, role, data in steps:
            if application["state"] == state:
                break
            application = self.trigger(application["id"], trigger, role, data)
        assert application["state"] == state
        return application

    def get(self, application_id: int) -> dict:
        response = self.api("GET", f"/applications/{application_id}", self.tokens["approver"])
        assert response.status_code == 200
        return response.get_json()

    def history(self, application_id: int, trigger: str | None = None) -> list[dict]:
        response = self.api("GET", f"/applications/{application_id}/history",
                            self.tokens["approver"])
        assert response.status_code == 200
        items = response.get_json()["items"]
        return [item for item in items if trigger is None or item["trigger"] == trigger]

    def new_tokens(self, key: str, count: int) -> list[str]:
        """``count`` new, never used tokens of the user ``key``, committed."""
        with self.app.app_context():
            user = db.session.scalars(
                sa.select(User).where(User.email == f"{key}@example.nl")).one()
            tokens = [create_token(user, NOW, label="race")[1] for _ in range(count)]
            db.session.commit()
        return tokens

    # The money: the budget line of window T2 that approvals commit on.

    def _main_line(self) -> BudgetLine:
        window = db.session.scalars(
            sa.select(Window).join(Scheme)
            .where(Scheme.code == "sectorplan", Window.code == "T2")).one()
        return window.line_for(None)

    def line(self) -> dict:
        """The balances of T2's main line, as committed now."""
        with self.app.app_context():
            line = self._main_line()
            balances = {name: getattr(line, f"{name}_cents") for name in
                        ("ceiling", "reserved", "committed", "disbursed", "recovered")}
            balances.update(id=line.id, remaining=line.remaining_cents)
            db.session.remove()
        return balances

    def order_of_completeness(self, keep: bool) -> None:
        """Switch the sector plans' rule that grants go in the order of completeness (frozen
        into each application at its submission)."""
        with self.app.app_context():
            scheme = db.session.scalars(sa.select(Scheme).where(Scheme.code == "sectorplan")).one()
            scheme.rules = {**(scheme.rules or {}), ORDER_RULE: keep}
            db.session.commit()

    def leave_room(self, room_cents: int) -> dict:
        """Amend T2's ceiling (committed) so that exactly ``room_cents`` remain on it."""
        with self.app.app_context():
            line = self._main_line()
            amend_ceiling(line, line.reserved_cents + line.committed_cents + room_cents,
                          reason="Racetest: een laag plafond.", effective_on=NOW.date(),
                          now=NOW, user=None)
            db.session.commit()
        balances = self.line()
        assert balances["remaining"] == room_cents
        return balances

    def entries(self, line_id: int | None = None,
                application_ids: list[int] | None = None) -> list[dict]:
        """Ledger entries (of a line, or of applications) in the order they were booked."""
        with self.app.app_context():
            stmt = sa.select(LedgerEntry).order_by(LedgerEntry.id)
            if line_id is not None:
                stmt = stmt.where(LedgerEntry.line_id == line_id)
            if application_ids is not None:
                stmt = stmt.where(LedgerEntry.application_id.in_(application_ids))
            rows = [{"id": e.id, "line_id": e.line_id, "application_id": e.application_id,
                     "kind": EntryKind(e.kind), "bucket": e.bucket,
                     "amount_cents": e.amount_cents, "actor": e.actor.email if e.actor else None,
                     "cause": e.cause, "at": e.at}
                    for e in db.session.scalars(stmt)]
            db.session.remove()
        return rows

    def audit_events(self, application_id: int, trigger: str) -> list[dict]:
        """The audit rows of one trigger on one application, straight from the database."""
        with self.app.app_context():
            rows = [{"actor_id": e.actor_id, "at": e.at, "data": dict(e.data or {})}
                    for e in db.session.scalars(
                        sa.select(AuditEvent).where(AuditEvent.application_id == application_id,
                                                    AuditEvent.trigger == trigger)
                        .order_by(AuditEvent.id))]
            db.session.remove()
        return rows

    # The race itself.

    def run(self, jobs: list[dict], *, target=None, config: dict | None = None,
            timeout: float = RACE_TIMEOUT) -> list[Outcome]:
        """Fire every job at once, each from its own process; outcomes in job order.

        A job is ``{"method", "path", "token", "body"?}`` (see ``workers.trigger_job``), or what
        ``target`` (a worker function of the same signature as ``run_job``) takes. A worker
        that raised (an unhandled error: a 500 in production), a broken barrier or a timeout
        fails the test.
        """
        with self.app.app_context():
            db.engine.dispose()  # nothing of ours is held while the workers connect
        context = racing_context()
        barrier = context.Barrier(len(jobs), timeout=timeout)
        results = context.Queue()
        processes = [context.Process(target=target or run_job,
                                     args=(index, config or self.config, job, barrier, results),
                                     daemon=True)
                     for index, job in enumerate(jobs)]
        deadline = time.monotonic() + timeout
        received, errors = {}, []
        try:
            for process in processes:
                process.start()
            while len(received) + len(errors) < len(jobs):
                try:
                    item = results.get(timeout=max(0.1, deadline - time.monotonic()))
                except queue.Empty:
                    missing = sorted(set(range(len(jobs))) - set(received))
                    pytest.fail(f"workers {missing} gave no answer within {timeout} s "
                                "(a hang or a deadlock)")
                if item[1] == "error":
                    errors.append(f"worker {item[0]}:\n{item[2]}")
                else:
                    received[item[0]] = Outcome(item[0], *item[2:])
            for process in processes:
                process.join(max(0.1, deadline - time.monotonic()))
        finally:
            for process in processes:
                if process.is_alive():
                    process.kill()
                    process.join()
                process.close()
            results.close()
            results.join_thread()
        assert not errors, "\n".join(errors)
        return [received[index] for index in range(len(jobs))]


@pytest.fixture(scope="module")
def race(tmp_path_factory):
    """A fresh database, committed for real, next to the one the suite runs on; dropped after."""
    configured = os.environ.get("GRANTS_DATABASE_URL")
    if configured and make_url(configured).get_backend_name().startswith("postgres"):
        url, name = _create_postgres_database(configured)
    else:
        # Its own file: racing processes share nothing with the suite but the code.
        url, name = "sqlite:///" + str(tmp_path_factory.mktemp("race") / "race.db"), None
    config = {"INSTANCE_PATH": str(tmp_path_factory.mktemp("race-instance")),
              "DATABASE_URL": url, "TESTING": True, "CLOCK": FixedClock(NOW)}
    app = create_app(config)
    try:
        race = Race(app=app, config=config)
        with app.app_context():
            _populate(race)
            db.engine.dispose()
        yield race
    finally:
        with app.app_context():
            db.engine.dispose()
        if name is not None:
            _drop_postgres_database(configured, name)


def _populate(race: Race) -> None:
    """Schema, schemes, a partnership of two organisations, users with one token each."""
    prepare_database()
    seed_schemes(NOW)
    # These races prove the ledger's ceiling under approvals at once. With the order of
    # completeness (Awb 4:26) kept, a grant by hand while earlier plans wait is refused before
    # the ledger is reached, so that rule is off here; test_order_races races it on.
    scheme = db.session.scalars(sa.select(Scheme).where(Scheme.code == "sectorplan")).one()
    scheme.rules = {**(scheme.rules or {}), ORDER_RULE: False}
    employers = Organisation(name="Werkgevers Metaal", kvk="90000001",
                             region=Region.OOST_NEDERLAND,
                             kind=OrganisationKind.EMPLOYERS_ORGANISATION)
    employees = Organisation(name="Werknemers Metaal", kvk="90000002",
                             region=Region.OOST_NEDERLAND,
                             kind=OrganisationKind.EMPLOYEES_ORGANISATION)
    db.session.add_all([employers, employees])
    db.session.flush()
    race.employers_id, race.employees_id = employers.id, employees.id

    # Applicants of one organisation (the employers'), two assessors, eight approvers; the
    # approvers never assess, so four eyes never stands in the way.
    def user(key: str, role: Role) -> None:
        organisation = employers if role is Role.APPLICANT else None
        account = create_user(email=f"{key}@example.nl", name=key, roles={role},
                              password=PASSWORD, organisation=organisation)
        race.tokens[key] = create_token(account, NOW, label="race")[1]

    user("applicant", Role.APPLICANT)
    for number in range(1, 8):
        user(f"applicant{number}", Role.APPLICANT)
    partner = create_user(email="partner@example.nl", name="partner", roles={Role.APPLICANT},
                          password=PASSWORD, organisation=employees)
    race.tokens["partner"] = create_token(partner, NOW, label="race")[1]
    user("assessor", Role.ASSESSOR)
    user("assessor2", Role.ASSESSOR)
    for number in ("", "2", "3", "4", "5", "6", "7", "8"):
        user(f"approver{number}", Role.APPROVER)
    db.session.commit()
