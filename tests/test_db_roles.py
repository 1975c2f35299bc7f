"""PostgreSQL's two roles (issue 15): after `flask grants db-roles` the app connects as a role
that reads and writes rows and can do nothing to the guards themselves: no TRUNCATE, no ALTER,
no DISABLE TRIGGER, no session_replication_role, no UPDATE or DELETE of append-only rows; the
owner role still runs migrations."""

import os

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from grants import create_app
from grants.extensions import db
from grants.schema import prepare_database

pytestmark = pytest.mark.no_db

SUFFIX = f"roles_{os.getpid()}"


def _server(url: str) -> sa.Engine:
    return sa.create_engine(make_url(url).set(drivername="postgresql+psycopg", database="postgres"),
                            isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)


@pytest.fixture(scope="module")
def roles(tmp_path_factory):
    configured = os.environ.get("GRANTS_DATABASE_URL", "")
    if not configured.startswith("postgres"):
        pytest.skip("database roles are PostgreSQL's; SQLite has none")
    name = f"{make_url(configured).database}_{SUFFIX}"
    owner, app_role = f"grants_owner_{SUFFIX}", f"grants_app_{SUFFIX}"
    server = _server(configured)
    with server.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(configured).set(database=name)
    config = {"DATABASE_URL": url.render_as_string(hide_password=False), "TESTING": True,
              "INSTANCE_PATH": str(tmp_path_factory.mktemp("roles-instance"))}
    app = create_app(config)
    try:
        with app.app_context():
            prepare_database()
            result = app.test_cli_runner().invoke(args=[
                "grants", "db-roles", "--owner", owner, "--app", app_role])
            assert result.exit_code == 0, result.output
            db.session.remove()  # the command ran in this app context: its session is ours
            db.engine.dispose()
        yield {"url": url, "owner": owner, "app": app_role, "output": result.output,
               "config": config}
    finally:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for role in (owner, app_role):
                connection.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
        server.dispose()


def connect(roles, role: str) -> psycopg.Connection:
    url = roles["url"].set(drivername="postgresql", username=role)
    return psycopg.connect(url.render_as_string(hide_password=False))


@pytest.mark.parametrize("statement", [
    "TRUNCATE ledger_entries",
    "TRUNCATE applications CASCADE",
    "ALTER TABLE audit_events DISABLE TRIGGER ALL",
    "ALTER TABLE applications ADD COLUMN probe integer",
    "DROP TABLE decisions",
    "CREATE TABLE probe (id integer)",
    "SET session_replication_role = replica",
    "UPDATE audit_events SET reason = 'anders'",
    "DELETE FROM ledger_entries",
    "UPDATE alembic_version SET version_num = 'x'",
    "DELETE FROM verification_runs",
    "DELETE FROM action_events",
])
def test_the_app_role_cannot_touch_the_guards(roles, statement):
    with connect(roles, roles["app"]) as connection, pytest.raises(
            psycopg.errors.InsufficientPrivilege):
        connection.execute(statement)


def test_the_app_role_reads_and_writes_rows_and_the_app_runs_as_it(roles):
    with connect(roles, roles["app"]) as connection:
        assert connection.execute("SELECT count(*) FROM applications").fetchone() == (0,)
    app = create_app({**roles["config"], "DATABASE_URL": roles["url"].set(
        username=roles["app"]).render_as_string(hide_password=False)})
    with app.app_context():
        # Up to date: nothing to migrate; seeding inserts schemes, windows, budgets and lines.
        result = app.test_cli_runner().invoke(args=["grants", "seed"])
        db.session.remove()
        db.engine.dispose()
    assert result.exit_code == 0, result.output
    assert "Regelingen: sectorplan" in result.output


def test_the_owner_role_runs_migrations(roles):
    with connect(roles, roles["owner"]) as connection:
        connection.execute("ALTER TABLE applications ADD COLUMN probe integer")
        connection.execute("ALTER TABLE applications DROP COLUMN probe")
        connection.rollback()


def test_the_command_says_which_url_each_role_uses(roles):
    assert f"GRANTS_DATABASE_URL=postgresql+psycopg://{roles['owner']}@" in roles["output"]
    assert f"GRANTS_DATABASE_URL=postgresql+psycopg://{roles['app']}@" in roles["output"]
