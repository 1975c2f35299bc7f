"""Mail tests: the outbox read back, the mail folder, and a local SMTP server to send to."""

import shutil
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import MailKind, OutgoingMail
from tests.decisions.conftest import Steps
from tests.mail.smtp_server import SmtpServer


@pytest.fixture
def steps(world, clock):
    return Steps(world, clock)


def outbox(kind: MailKind | None = None, application_id: int | None = None
           ) -> list[OutgoingMail]:
    stmt = sa.select(OutgoingMail).order_by(OutgoingMail.id)
    if kind is not None:
        stmt = stmt.where(OutgoingMail.kind == kind)
    if application_id is not None:
        stmt = stmt.where(OutgoingMail.application_id == application_id)
    return list(db.session.scalars(stmt.execution_options(populate_existing=True)))


def one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def mail_folder(app) -> Path:
    """The instance's mail folder, emptied: what the test sends is all it holds."""
    folder = Path(app.instance_path) / "mail"
    shutil.rmtree(folder, ignore_errors=True)
    return folder


def read_eml(path: Path) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())


@pytest.fixture
def smtp(app, monkeypatch):
    """Start a local SMTP server and point the app at it: ``smtp(refuse=…, auth=…)``."""
    servers = []

    def start(**options) -> SmtpServer:
        server = SmtpServer(**options).__enter__()
        servers.append(server)
        monkeypatch.setitem(app.config, "MAIL_SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_SMTP_PORT", server.port)
        monkeypatch.setitem(app.config, "MAIL_SMTP_STARTTLS", False)
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)
