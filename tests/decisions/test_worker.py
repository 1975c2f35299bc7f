"""A real worker process, killed mid-batch and started again, makes every letter exactly once.

Like tests/concurrency, this runs on a database of its own, committed for real (a SQLite file,
or ``<configured name>_letters`` next to GRANTS_DATABASE_URL's), with the embedded SQLite queue
in its own instance folder. Twelve decisions are taken in one transaction (one letter job); the
worker renders them four at a time and, for this test only, pauses after each committed chunk,
so the test can SIGKILL it with exactly one chunk stored. A new worker then takes the job over
(the old lease belongs to a process that no longer exists) and makes the other eight.

Then two worker commands, one forking two processes (``--processes 2``), share one job as
workers on several machines sharing the database would: each letter is made exactly once.
"""

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from grants import create_app
from grants.extensions import db
from grants.models import Decision, Job, JobStatus, Organisation, OrganisationKind, Region, Role
from grants.schema import prepare_database
from grants.seed import seed_schemes
from grants.services.accounts import create_user
from grants.services.applications import create_application, fire_trigger
from tests.concurrency.workers import FixedClock
from tests.factories import consent_all
from tests.workflows.test_fields_sectorplan import payload as sectorplan_payload

pytestmark = pytest.mark.no_db

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2014, 4, 1, 8, tzinfo=UTC)
LETTERS, CHUNK = 12, 4
TIMEOUT = 120


@pytest.fixture(autouse=True)
def transaction():
    """Committed for real in a database of its own: no rolled-back transaction here."""
    yield None


def _maintenance(url: str) -> sa.Engine:
    server = make_url(url).set(drivername="postgresql+psycopg", database="postgres")
    return sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)


def _recreate(url: str, name: str, create: bool) -> None:
    admin = _maintenance(url)
    try:
        with admin.connect() as connection:
            quoted = connection.dialect.identifier_preparer.quote(name)
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
            if create:
                connection.exec_driver_sql(f"CREATE DATABASE {quoted}")
    finally:
        admin.dispose()


@pytest.fixture
def committed(tmp_path):
    """An app on a fresh committed database whose jobs go on the embedded queue."""
    configured = os.environ.get("GRANTS_DATABASE_URL")
    name = None
    if configured and make_url(configured).get_backend_name().startswith("postgres"):
        name = f"{make_url(configured).database}_letters"
        assert "test" in name
        _recreate(configured, name, create=True)
        url = make_url(configured).set(database=name).render_as_string(hide_password=False)
    else:
        url = "sqlite:///" + str(tmp_path / "letters.db")
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


def _take_decisions(app, letters: int = LETTERS) -> int:
    """Sector plans (twelve) granted in one transaction (one letter job); its id."""
    with app.app_context():
        prepare_database()
        seed_schemes(NOW)
        employers = Organisation(name="Werkgevers Metaal", kvk="91000001", region=Region.NOORD,
                                 kind=OrganisationKind.EMPLOYERS_ORGANISATION)
        employees = Organisation(name="Werknemers Metaal", kvk="91000002", region=Region.NOORD,
                                 kind=OrganisationKind.EMPLOYEES_ORGANISATION)
        db.session.add_all([employers, employees])
        db.session.flush()
        people = {role: create_user(email=f"{role.value}@example.nl", name=role.value,
                                    roles={role}, password="correct horse battery staple",
                                    organisation=employers if role is Role.APPLICANT else None)
                  for role in (Role.APPLICANT, Role.ASSESSOR, Role.APPROVER)}
        db.session.commit()
        for number in range(letters):
            application = create_application(people[Role.APPLICANT], {
                "scheme": "sectorplan", "window": "T2", "title": f"Sectorplan {number + 1}",
                **sectorplan_payload(employers.id, employees.id)}, NOW)
            consent_all(application, NOW, commit=False)
            steps = [("submit", Role.APPLICANT, {}), ("start_assessment", Role.ASSESSOR, {}),
                     ("record_assessment", Role.ASSESSOR,
                      {"recommendation": "positive", "reasoning": "Voldoet."}),
                     ("approve", Role.APPROVER, {"amount": f"{100000 + number}.00",
                                                  "reason": "Begroting deels goedgekeurd."})]
            for trigger, role, data in steps:
                fire_trigger(application.id, trigger, people[role], data, NOW)
        db.session.commit()  # the decisions and their job; the job goes on the queue now
        (job_id,) = db.session.scalars(sa.select(Job.id)).all()
        db.session.remove()
        db.engine.dispose()
    return job_id


def _worker(config: dict, log: Path, pause: float, *options: str,
            chunk: int = CHUNK) -> subprocess.Popen:
    env = {**os.environ, "GRANTS_DATABASE_URL": config["DATABASE_URL"],
           "GRANTS_INSTANCE_PATH": config["INSTANCE_PATH"], "GRANTS_JOBS_IMMEDIATE": "false",
           "GRANTS_LETTERS_CHUNK_SIZE": str(chunk),
           "GRANTS_LETTERS_PAUSE_AFTER_CHUNK": str(pause)}
    env.pop("FLASK_APP", None)
    with log.open("ab") as out:
        command = [sys.executable, "-m", "flask", "--app", "wsgi", "grants", "worker", *options]
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,  # noqa: S603
                                stderr=subprocess.STDOUT)


def _state(app) -> tuple[dict[int, tuple], Job]:
    with app.app_context():
        rows = {row.id: (row.sha256, row.rendered_at, row.pdf) for row in db.session.execute(
            sa.select(Decision.id, Decision.sha256, Decision.rendered_at, Decision.pdf))}
        job = db.session.scalars(sa.select(Job)).one()
        db.session.expunge(job)
        db.session.remove()
        db.engine.dispose()
    return rows, job


def _wait(app, done, what: str, log: Path, process: subprocess.Popen):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        rows, job = _state(app)
        if done(rows, job):
            return rows, job
        if process.poll() is not None:
            pytest.fail(f"the worker stopped before {what}:\n{log.read_text()}")
        time.sleep(0.1)
    pytest.fail(f"no {what} within {TIMEOUT} s:\n{log.read_text()}")


def _stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def rendered(rows: dict) -> dict:
    return {key: value for key, value in rows.items() if value[1] is not None}


def test_a_worker_killed_mid_batch_and_restarted_makes_each_letter_once(committed, tmp_path):
    app, config = committed
    job_id = _take_decisions(app)
    rows, job = _state(app)
    assert len(rows) == LETTERS and not rendered(rows) and job.status == JobStatus.QUEUED

    log = tmp_path / "worker.log"
    first = _worker(config, log, pause=60)
    try:
        rows, job = _wait(app, lambda rows, job: len(rendered(rows)) >= CHUNK,
                          "first chunk", log, first)
        first.send_signal(signal.SIGKILL)  # mid-batch: one chunk stored, the worker paused
        first.wait(timeout=30)
    finally:
        _stop(first, signal.SIGKILL)
    rows, job = _state(app)
    before = rendered(rows)
    assert len(before) == CHUNK, f"killed after {len(before)} letters"
    assert job.status == JobStatus.RUNNING and job.lease_until is not None  # a dead lease

    second = _worker(config, log, pause=0)
    try:
        rows, job = _wait(app, lambda rows, job: job.status != JobStatus.RUNNING
                          and job.status != JobStatus.QUEUED, "finished job", log, second)
    finally:
        _stop(second)

    assert job.id == job_id and job.status == JobStatus.DONE and job.runs == 2
    done = rendered(rows)
    assert len(done) == len(rows) == LETTERS  # every pending letter, no more
    hashes = [sha for sha, _, _ in done.values()]
    assert all(hashes) and len(set(hashes)) == LETTERS  # all distinct
    for sha, _, pdf in done.values():
        assert hashlib.sha256(pdf).hexdigest() == sha
    # The letters of the first chunk were stored once: the second worker left them alone.
    for decision_id, (sha, at, _pdf) in before.items():
        assert done[decision_id][:2] == (sha, at)
    log_text = log.read_text()
    assert "onafgemaakte taken opnieuw in de wachtrij" in log_text


STORED = re.compile(r"letter job (\d+): (\d+) rendered, (\d+) stored, (\d+) failed, "
                    r"\d+ chunks, by ([^:\s]+):(\d+):")


def _runs_in(log: Path) -> list[tuple[int, int, int, str]]:
    """(job, rendered, stored, process) for each worker run the log reports."""
    return [(int(job), int(rendered), int(stored), pid)
            for job, rendered, stored, failed, _host, pid in STORED.findall(log.read_text())]


def test_two_worker_processes_share_one_job_and_make_each_letter_once(committed, tmp_path):
    """Two worker commands started side by side (one of them forking two processes), as on two
    machines sharing the database: each takes chunks of the same job, no letter is rendered or
    stored twice, and the job ends done once."""
    app, config = committed
    job_id = _take_decisions(app)
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    # A short pause after each chunk keeps the first worker from taking every chunk before the
    # second has started: the test is about sharing, not about a race to the start.
    workers = [_worker(config, logs[0], 0.5, "--processes", "2", chunk=2),
               _worker(config, logs[1], 0.5, chunk=2)]
    try:
        rows, job = _wait(app, lambda rows, job: job.status not in (
            JobStatus.RUNNING, JobStatus.QUEUED), "finished job", logs[0], workers[0])
    finally:
        for process in workers:
            _stop(process, signal.SIGINT)  # huey's graceful stop: a run in flight ends first

    assert job.id == job_id and job.status == JobStatus.DONE and job.lease_until is None
    done = rendered(rows)
    assert len(done) == LETTERS and len({sha for sha, _, _ in done.values()}) == LETTERS
    runs = [run for log in logs for run in _runs_in(log)]
    assert {run[0] for run in runs} == {job_id}
    # Every letter rendered once and stored once, all told; each command took its part.
    assert sum(run[1] for run in runs) == sum(run[2] for run in runs) == LETTERS, runs
    assert all(_runs_in(log) for log in logs), [log.read_text() for log in logs]
    assert len({run[3] for run in runs}) >= 2  # in more than one process
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Decision.id)).where(
            Decision.leased_by != "")) == 0
        db.session.remove()
        db.engine.dispose()
