from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    ApiToken,
    Application,
    Budget,
    CeilingAmendment,
    LedgerEntry,
    Organisation,
    Region,
    Role,
    Scheme,
    User,
    Window,
)
from tests.factories import OrganisationFactory, UserFactory


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_demo_twice_neither_fails_nor_duplicates(app, clock):
    # Late in 2015: the demo's whole history has happened by then.
    clock.moment = datetime(2015, 12, 1, 9, tzinfo=UTC)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["grants", "demo"])
    assert first.exit_code == 0, first.output
    tables = (Scheme, Window, CeilingAmendment, Budget, Organisation, User, Application)
    counts = {model.__name__: count(model) for model in tables}
    second = runner.invoke(args=["grants", "demo"])
    assert second.exit_code == 0, second.output
    assert {model.__name__: count(model) for model in tables} == counts
    assert first.output == second.output

    assert counts["Scheme"] == 3
    assert 24 <= counts["Application"] <= 60
    regions = set(db.session.scalars(sa.select(Organisation.region)))
    assert regions == set(Region)
    from grants.demo import DEMO_USERS

    assert {demo.role for demo in DEMO_USERS} == set(Role)
    for demo in DEMO_USERS:
        assert demo.email in first.output
    # Some applications have been through the engine, with their money on the ledger.
    states = set(db.session.scalars(sa.select(Application.state)))
    assert {"draft", "submitted", "assessed", "approved", "monitored", "rejected"} <= states
    assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))) > 0

    budgets = {b.code: b.ceiling_cents for b in db.session.scalars(sa.select(Budget))}
    assert budgets["beta-docenten"] == 100_000_000_00
    assert budgets["pabo"] == 8_000_000_00
    assert budgets["sectorplannen"] == 600_000_000_00


def test_demo_users_can_log_in_with_the_printed_passwords(app, client):
    from grants.demo import DEMO_USERS
    from tests.conftest import login

    output = app.test_cli_runner().invoke(args=["grants", "demo"]).output
    for demo in DEMO_USERS:
        assert demo.password in output
        fresh = app.test_client()
        assert login(fresh, demo.email, demo.password).status_code == 302
        assert demo.name in fresh.get("/", follow_redirects=True).get_data(as_text=True)


def test_user_create_for_an_applicant(app):
    organisation = OrganisationFactory(kvk="12345678")
    result = app.test_cli_runner().invoke(args=[
        "grants", "user", "create", "Nieuw@Example.nl", "--name", "Nieuwe Aanvrager",
        "--role", "applicant", "--organisation", "1234 5678",
        "--password", "een lang genoeg wachtwoord"])
    assert result.exit_code == 0, result.output
    user = db.session.scalars(sa.select(User).where(User.email == "nieuw@example.nl")).one()
    assert user.roles == {Role.APPLICANT}
    assert user.organisation == organisation
    assert "een lang genoeg wachtwoord" not in user.password_hash


def test_user_create_prompts_for_the_password(app):
    result = app.test_cli_runner().invoke(
        args=["grants", "user", "create", "staf@example.nl", "--name", "Staf",
              "--role", "assessor", "--role", "approver"],
        input="een lang genoeg wachtwoord\neen lang genoeg wachtwoord\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalars(sa.select(User).where(User.email == "staf@example.nl")).one()
    assert user.roles == {Role.ASSESSOR, Role.APPROVER}


def test_user_create_names_each_wrong_field_and_creates_nothing(app):
    before = count(User)
    result = app.test_cli_runner().invoke(args=[
        "grants", "user", "create", "geen-adres", "--name", "X", "--role", "applicant",
        "--password", "kort"])
    assert result.exit_code == 1
    assert "email: Vul een geldig e-mailadres in." in result.output
    assert "organisation: Een aanvrager hoort bij een organisatie." in result.output
    assert "password: Een wachtwoord heeft minstens 12 tekens." in result.output
    assert count(User) == before


def test_token_create_list_and_revoke(app, client, schemes):
    user = UserFactory(role=Role.FINANCE)
    runner = app.test_cli_runner()
    created = runner.invoke(args=["grants", "token", "create", user.email, "--label", "excel"])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[0]
    assert token.startswith("grt_")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/schemes", headers=headers).status_code == 200

    listing = runner.invoke(args=["grants", "token", "list", user.email]).output
    assert "excel" in listing and "actief" in listing and token not in listing

    revoked = runner.invoke(args=["grants", "token", "revoke", token])
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/api/v1/schemes", headers=headers).status_code == 401
    assert db.session.scalars(sa.select(ApiToken)).one().revoked_at is not None


def test_token_revoke_unknown_token_fails_clearly(app):
    result = app.test_cli_runner().invoke(args=["grants", "token", "revoke", "grt_unknown"])
    assert result.exit_code == 1
    assert "Dit token bestaat niet." in result.output


def test_token_create_for_unknown_user_fails_clearly(app):
    result = app.test_cli_runner().invoke(args=["grants", "token", "create", "x@example.nl"])
    assert result.exit_code == 1
    assert "Er is geen gebruiker met e-mailadres x@example.nl." in result.output


def test_serve_runs_a_worker_beside_the_web_server_and_stops_it(app, monkeypatch):
    import subprocess

    import werkzeug.serving

    from grants.jobs.queue import queue_for

    started, served = [], []

    class Worker:
        def __init__(self, args, env, **_options):
            started.append(args)
            started.append(env["GRANTS_BASE_URL"])
            self.stopped = False

        def terminate(self):
            self.stopped = True

        def wait(self, timeout):
            assert self.stopped
            started.append("stopped")

    monkeypatch.setattr(subprocess, "Popen", Worker)
    monkeypatch.setattr(werkzeug.serving, "run_simple",
                        lambda host, port, application, threaded: served.append((host, port)))
    monkeypatch.setattr(queue_for(app).huey, "immediate", False)
    monkeypatch.setitem(app.config, "BASE_URL", app.config["BASE_URL"])
    result = app.test_cli_runner().invoke(args=["grants", "serve", "--port", "5099"])
    assert result.exit_code == 0, result.output
    assert served == [("127.0.0.1", 5099)]
    assert started[0][-2:] == ["grants", "worker"] and started[-1] == "stopped"
    # Mail links, written by the server and by its worker, point at the port it serves on.
    assert started[1] == "http://127.0.0.1:5099"
    assert app.config["BASE_URL"] == "http://127.0.0.1:5099"


def test_a_configured_base_url_is_kept_by_serve():
    from grants.cli.serving import base_url

    every_interface = "0.0.0.0"  # noqa: S104  (what serve --host may be given)
    assert base_url("https://subsidies.example.nl", every_interface, 8080) == \
        "https://subsidies.example.nl"
    assert base_url("http://127.0.0.1:5000", every_interface, 8080) == "http://127.0.0.1:8080"
    assert base_url("http://127.0.0.1:5000/", "::1", 8080) == "http://[::1]:8080"


@pytest.mark.no_db
def test_stopping_serve_with_kill_stops_its_worker(tmp_path):
    """The real command in its own process: after SIGTERM to the server, no worker is left."""
    import os
    import signal
    import subprocess
    import sys

    environment = {**os.environ, "FLASK_APP": "grants", "GRANTS_JOBS_IMMEDIATE": "false",
                   "GRANTS_DATABASE_URL": "sqlite:///" + str(tmp_path / "serve.db"),
                   "GRANTS_INSTANCE_PATH": str(tmp_path)}
    environment.pop("GRANTS_REDIS_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "flask", "grants", "serve", "--port", "0"],
                              env=environment, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        worker_pid = _child_pid(server.pid)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        _wait_gone(worker_pid)
    finally:
        if server.poll() is None:
            server.kill()


def _child_pid(parent: int) -> int:
    import time
    from pathlib import Path

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                text = status.read_text()
            except OSError:
                continue
            if f"\nPPid:\t{parent}\n" in text:
                return int(status.parent.name)
        time.sleep(0.2)
    raise AssertionError("serve started no worker")


def _wait_gone(pid: int) -> None:
    import os
    import time
    from pathlib import Path

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        # A dead child not yet reaped by its (dead) parent shows as a zombie: gone for us.
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0]
        except OSError:
            return
        if state == "Z":
            return
        time.sleep(0.2)
    raise AssertionError(f"worker {pid} still runs after serve was stopped")
