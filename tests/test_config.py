import os
import stat

import pytest

from grants import create_app

pytestmark = pytest.mark.no_db


@pytest.fixture
def instance(tmp_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith("GRANTS_"):
            monkeypatch.delenv(key)
    return tmp_path


def test_defaults_then_instance_file_then_environment_then_argument(instance, monkeypatch):
    (instance / "config.py").write_text(
        "LOGIN_MAX_FAILURES_PER_ACCOUNT = 7\nLOGIN_FAILURE_WINDOW_SECONDS = 60\n"
        "BASE_URL = 'https://subsidies.example.nl'\n")
    monkeypatch.setenv("GRANTS_LOGIN_FAILURE_WINDOW_SECONDS", "120")
    monkeypatch.setenv("GRANTS_SQLITE_BUSY_TIMEOUT_MS", "1000")

    app = create_app({"INSTANCE_PATH": str(instance), "SQLITE_BUSY_TIMEOUT_MS": 500})

    assert app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] == 20  # default
    assert app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] == 7  # instance/config.py
    assert app.config["LOGIN_FAILURE_WINDOW_SECONDS"] == 120  # environment beats the file
    assert app.config["SQLITE_BUSY_TIMEOUT_MS"] == 500  # the factory argument beats all
    # An https address makes cookies Secure.
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_database_defaults_to_sqlite_in_the_instance_folder(instance):
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance}/grants.db"
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_database_url_from_the_environment(instance, monkeypatch):
    monkeypatch.setenv("GRANTS_DATABASE_URL", "postgresql://grants@db.internal/grants")
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://grants@db.internal/grants")


def test_secret_key_is_generated_once_and_kept_private(instance):
    first = create_app({"INSTANCE_PATH": str(instance)})
    second = create_app({"INSTANCE_PATH": str(instance)})
    key_file = instance / "secret_key"
    assert len(first.config["SECRET_KEY"]) == 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [p.name for p in instance.iterdir() if p.name.startswith(".secret_key")] == []


def test_secret_key_from_the_environment_writes_no_file(instance, monkeypatch):
    monkeypatch.setenv("GRANTS_SECRET_KEY", "from-the-environment")
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert not (instance / "secret_key").exists()


def test_clock_start_lets_time_run_from_another_moment(tmp_path):
    from datetime import datetime, timedelta

    from grants.clock import now

    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "sqlite://",
                      "CLOCK_START": "2014-05-15T10:00:00+02:00"})
    with app.app_context():
        moment = now()
    start = datetime.fromisoformat("2014-05-15T10:00:00+02:00")
    assert start <= moment < start + timedelta(minutes=5)
    with pytest.raises(ValueError, match="time zone"):
        create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "sqlite://",
                    "CLOCK_START": "2014-05-15T10:00:00"})


def test_the_served_app_is_out_of_the_garbage_collectors_sight(tmp_path):
    """gunicorn and the workers load wsgi.py: what it loaded lives as long as the process, and
    a full collection that walked it all took ~100 ms in the middle of a request (issue 16)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("GRANTS_")}
    environment.update(PYTHONPATH=str(root), GRANTS_INSTANCE_PATH=str(tmp_path))
    frozen = subprocess.run(
        [sys.executable, "-c", "import gc, wsgi; print(gc.get_freeze_count())"],
        cwd=tmp_path, env=environment, capture_output=True, text=True, check=True).stdout
    assert int(frozen) > 10_000
