"""Helpers for the account tests: forms posted with their CSRF token, messages off a page."""

import re

import sqlalchemy as sa

from grants.extensions import db
from grants.models import MailKind, OutgoingMail
from tests.admin.conftest import field_errors, post_form, text_of  # noqa: F401  (shared helpers)


def reset_mails() -> list[OutgoingMail]:
    return list(db.session.scalars(
        sa.select(OutgoingMail).where(OutgoingMail.kind == MailKind.PASSWORD_RESET)
        .order_by(OutgoingMail.id).execution_options(populate_existing=True)))


def link_in(mail: OutgoingMail) -> str:
    """The reset link's path (the mail has it at BASE_URL)."""
    match = re.search(r"https?://[^/\s]+(/wachtwoord-herstellen/[A-Za-z0-9_\-]+)", mail.body)
    assert match, mail.body
    return match.group(1)
