"""Writing a notification: its recipients, its text from a template, and its outbox row.

The text is rendered when the row is written, from plain Dutch templates (``mail/<name>.txt``:
a top-level ``{% set subject %}`` and the body), so the outbox holds exactly what will be sent
and later changes to the application do not alter a mail already written.
"""

from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from babel.dates import format_datetime
from flask import current_app
from sqlalchemy.orm import Session

from grants.models import Application, MailKind, OutgoingMail, Role, User, UserRole
from grants.timefmt import AMSTERDAM

# Set in a session whose transaction wrote mail: its commit puts the sending job on the queue.
WRITTEN = "grants.mail.written"


def format_receipt_moment(moment: datetime) -> str:
    """The exact moment of receipt, to the second, in Dutch: "1 april 2014 om 09:00:00"."""
    return format_datetime(moment.astimezone(AMSTERDAM), "d MMMM yyyy 'om' HH:mm:ss",
                           locale="nl_NL")


# Where a notification points: the applicant's status page (requests to answer, letters to
# download) or the file the staff work on.
APPLICANT_PAGE = "portal.application"
STAFF_PAGE = "applications.show"


def application_link(application_id: int, endpoint: str = APPLICANT_PAGE) -> str:
    """The application's page at BASE_URL (outside any request: mails are written anywhere)."""
    base = urlsplit(str(current_app.config["BASE_URL"]).rstrip("/"))
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                       url_scheme=base.scheme or "http")
    return adapter.build(endpoint, {"application_id": application_id}, force_external=True)


def render(template: str, **context) -> tuple[str, str]:
    """The subject and body of ``mail/<template>.txt`` rendered with ``context``."""
    module = current_app.jinja_env.get_template(f"mail/{template}.txt").make_module(context)
    subject = " ".join(str(module.subject).split())
    body = "\n".join(line.rstrip() for line in str(module).strip().splitlines()) + "\n"
    return subject, body


def applicants_of(session: Session, organisation_id: int) -> list[User]:
    """The organisation's active users who apply on its behalf."""
    return applicants_of_each(session, [organisation_id])[organisation_id]


# Organisations asked about per query (SQLite allows 32,766 parameters a statement).
ORGANISATIONS_PER_QUERY = 500


def applicants_of_each(session: Session, organisation_ids: Iterable[int]) -> dict[int,
                                                                                  list[User]]:
    """``applicants_of`` for many organisations at once (the mails of an allocation run's
    thousands of decisions): a query per 500, not one per mail."""
    wanted = list(dict.fromkeys(organisation_ids))
    found: dict[int, list[User]] = {organisation_id: [] for organisation_id in wanted}
    for start in range(0, len(wanted), ORGANISATIONS_PER_QUERY):
        for user in session.scalars(
                sa.select(User).join(UserRole, UserRole.user_id == User.id)
                .where(User.organisation_id.in_(wanted[start:start + ORGANISATIONS_PER_QUERY]),
                       User.active, UserRole.role == Role.APPLICANT)
                .order_by(User.id)):
            found[user.organisation_id].append(user)
    return found


def assessors(session: Session) -> list[User]:
    return list(session.scalars(
        sa.select(User).join(UserRole, UserRole.user_id == User.id)
        .where(User.active, UserRole.role == Role.ASSESSOR).order_by(User.id)))


def application_facts(application: Application, endpoint: str = APPLICANT_PAGE) -> dict:
    """What every notification about an application says of it."""
    scheme = application.scheme
    return {
        "reference": application.reference,
        "title": application.title,
        "organisation": application.organisation.name,
        "scheme_name": scheme.name,
        "ministry": scheme.ministry_name,
        "link": application_link(application.id, endpoint),
    }


def write(session: Session, kind: MailKind, key: str, recipients: Iterable[User],
          application: Application | None, template: str, now: datetime,
          **context) -> list[OutgoingMail]:
    """One outbox row per recipient, keyed ``<key>:user-<id>``; added to ``session``."""
    written = []
    for user in recipients:
        subject, body = render(template, name=user.name, **context)
        mail = OutgoingMail(
            key=f"{key}:user-{user.id}", kind=kind,
            application_id=application.id if application is not None else None,
            user_id=user.id, recipient=user.email, subject=subject[:300], body=body,
            created_at=now, attempts=0, last_error="", sending_by="")
        session.add(mail)
        written.append(mail)
    if written:
        session.info[WRITTEN] = True
    return written
