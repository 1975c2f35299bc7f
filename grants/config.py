"""Configuration: defaults < instance/config.py < GRANTS_* environment < create_app(config).

Every setting below can be given as ``GRANTS_<NAME>``; environment values are parsed as JSON
where they can be, so ``GRANTS_LOGIN_MAX_FAILURES_PER_ACCOUNT=5`` is an int.
"""

import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

from flask import Flask


class DefaultConfig:
    # Where the app is reached; cookies are marked Secure whenever this is https.
    BASE_URL = "http://127.0.0.1:5000"
    DATABASE_URL = None  # None: sqlite:///<instance>/grants.db
    TIMEZONE = "Europe/Amsterdam"

    # None: Secure exactly when BASE_URL is https (set True or False to decide yourself).
    SESSION_COOKIE_SECURE = None
    REMEMBER_COOKIE_SECURE = None
    SESSION_COOKIE_NAME = "grants_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    # Login throttling slows guessing down without ever locking anyone out. After this many
    # failures in a row for one e-mail address (or from one client address, or on one known
    # device), each further attempt waits a delay counted from the last failure: the first
    # delay, doubled with every further failure, up to the longest. A run of failures is
    # forgotten after the window has passed with no failure since its delay ran out.
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 20
    LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
    LOGIN_FIRST_DELAY_SECONDS = 60
    LOGIN_LONGEST_DELAY_SECONDS = 15 * 60
    # A browser that logged into an account is known to it for this long (a signed cookie):
    # there the account's delay does not apply, only the device's own and the address's.
    LOGIN_KNOWN_DEVICE_DAYS = 180

    # How many days ahead a term counts as "soon" on the work queue and the deadlines page.
    DUE_SOON_DAYS = 7

    # The public progress figures (/voortgang) are recomputed at most this often.
    PROGRESS_CACHE_SECONDS = 300

    # Largest places CSV an applicant may upload.
    PLACES_CSV_MAX_BYTES = 20 * 1024 * 1024
    # Largest PDF attachment (PDF only) an applicant may upload.
    ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    # Largest request body at all: above the largest upload, so their own limits answer first
    # with a specific message.
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024

    # Outgoing e-mail. Without an SMTP host every message is written to <instance>/mail/ as an
    # .eml file instead (the embedded default), where it can be read.
    MAIL_SMTP_HOST = None
    MAIL_SMTP_PORT = 587
    MAIL_SMTP_USER = None
    MAIL_SMTP_PASSWORD = None
    MAIL_SMTP_STARTTLS = True
    MAIL_FROM = "Subsidies Techniekpact <noreply@localhost>"

    # Every approved payment run's SEPA file is also written here (None: <instance>/sepa/), so
    # that a restore of an older backup knows what the bank already has (grants.backup).
    SEPA_EXPORT_DIR = None
    # The folder of pg_dump and pg_restore when they are not on the PATH (None: the PATH, then
    # Debian's /usr/lib/postgresql/<version>/bin).
    PG_BIN = None

    # SQLite waits this long for a competing writer before giving up.
    SQLITE_BUSY_TIMEOUT_MS = 15_000

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}


def load_config(app: Flask, overrides: dict | None) -> None:
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("GRANTS")
    if overrides:
        app.config.update(overrides)

    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = "sqlite:///" + str(Path(app.instance_path) / "grants.db")
    app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_database_url(app.config["DATABASE_URL"])

    secure = str(app.config["BASE_URL"]).startswith("https://")
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if app.config[key] is None:
            app.config[key] = secure
    app.config["PREFERRED_URL_SCHEME"] = "https" if secure else "http"

    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))


def _normalise_database_url(url: str) -> str:
    # psycopg 3 is the driver we ship; plain postgresql:// URLs would ask for psycopg2.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret_key(instance: Path) -> str:
    """Read the instance's secret key, generating it on first start.

    Several processes may start at once (gunicorn workers): the key is written to a private
    temporary file and linked into place, which fails for all but one of them, so every process
    ends up with the same complete key.
    """
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=instance, prefix=".secret_key.")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32) + "\n")
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"{path} is empty; delete it to have a new key generated")
    return key
