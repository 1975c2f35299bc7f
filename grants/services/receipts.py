"""What the applicant sent, frozen, and the receipt (ontvangstbevestiging) that proves it.

Every ``submit`` and ``provide_information`` firing gets a frozen copy of the application as it
was sent (title, amount, the scheme's fields, the attachments' names, sizes and hashes), written
in the same transaction as its audit row: after an answer the fields can be edited again, and
"what you submitted" must not change with them. The copy is made by listening to the audit
rows, as the mail outbox does, so the engine and the submitting views know nothing of it.
"""

import copy
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from grants.access import scope_to_user
from grants.decisions.render import TEMPLATE_VERSION, assets_dir, url_fetcher
from grants.errors import NotFound
from grants.extensions import db
from grants.models import Application, Attachment, AuditEvent, Submission, User

FROZEN_TRIGGERS = ("submit", "provide_information")


def _attachment_facts(session: Session, application_id: int) -> list[dict]:
    rows = session.execute(
        sa.select(Attachment.id, Attachment.filename, Attachment.size_bytes, Attachment.sha256,
                  Attachment.document_kind)
        .where(Attachment.application_id == application_id)
        .order_by(Attachment.uploaded_at, Attachment.id)).all()
    return [{"id": row.id, "filename": row.filename, "size_bytes": row.size_bytes,
             "sha256": row.sha256, "document_kind": row.document_kind} for row in rows]


@event.listens_for(Session, "after_flush")
def _freeze_what_was_sent(session: Session, _flush_context) -> None:
    # The audit rows have their ids here; the copies go in with the next flush (at the latest
    # the commit's), inside the same transaction, so a rolled-back firing leaves none.
    audits = sorted((item for item in session.new if isinstance(item, AuditEvent)
                     and item.trigger in FROZEN_TRIGGERS), key=lambda item: item.id)
    for audit in audits:
        application = session.get(Application, audit.application_id)
        if application is None:
            continue
        session.add(Submission(
            application_id=application.id, audit_event_id=audit.id, trigger=audit.trigger,
            at=audit.at, title=application.title,
            requested_cents=application.requested_cents or 0,
            details=copy.deepcopy(application.details or {}),
            attachments=_attachment_facts(session, application.id)))


def submissions_of(application: Application) -> list[Submission]:
    """The frozen copies of an application the caller already may see, oldest first."""
    return list(db.session.scalars(
        sa.select(Submission).where(Submission.application_id == application.id)
        .order_by(Submission.at, Submission.id)))


def visible_submission(application_id: int, user: User,
                       submission_id: int | None = None) -> Submission:
    """A frozen copy (the newest, unless one is named) of an application ``user`` may see;
    404 for anyone else's and when nothing was sent yet: the scope is in the query."""
    stmt = (sa.select(Submission)
            .join(Application, Application.id == Submission.application_id)
            .where(Submission.application_id == application_id))
    if submission_id is not None:
        stmt = stmt.where(Submission.id == submission_id)
    stmt = scope_to_user(stmt, Application, user).order_by(Submission.at.desc(),
                                                           Submission.id.desc())
    submission = db.session.scalars(stmt.limit(1)).first()
    if submission is None:
        raise NotFound()
    return submission


@dataclass(frozen=True)
class Pdf:
    content: bytes
    pages: int


def html_to_pdf(html: str) -> Pdf:
    """A page of ours as PDF, with WeasyPrint as the letters are made: it may fetch nothing but
    the letters' own assets (their style sheet), never a network address."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=assets_dir(TEMPLATE_VERSION).as_uri() + "/",
                    url_fetcher=url_fetcher(TEMPLATE_VERSION)).render()
    return Pdf(document.write_pdf(), len(document.pages))


def mask_iban(iban: str | None) -> str:
    """NL91ABNA0417164300 → NL** **** **** **43 00: the country and the last four only."""
    account = "".join((iban or "").split()).upper()
    if len(account) < 8:
        return "****" if account else ""
    masked = account[:2] + "*" * (len(account) - 6) + account[-4:]
    return " ".join(masked[i:i + 4] for i in range(0, len(masked), 4))
