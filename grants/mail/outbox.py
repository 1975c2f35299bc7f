"""The notifications transitions cause, written in the transaction that makes the transition.

Every transition writes an audit row, and every decision a ``decisions`` row (grants.workflows
.engine, grants.decisions.outbox), whichever page, API call, allocation run or command fires
it. Right after those rows are flushed this hook adds the mails they call for: a receipt for a
submission, a request for information with its repair term, and a notice of each decision. They
are flushed with the rest of the transaction and disappear with it on a rollback; after the
commit ``mail_waiting`` has the sending job put on the queue (grants.jobs.mail), so no mail
leaves before its cause is committed.
"""

from datetime import date

from blinker import Namespace
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from grants.mail.compose import (
    WRITTEN,
    applicants_of_each,
    application_facts,
    format_receipt_moment,
    write,
)
from grants.models import Application, AuditEvent, Decision, MailKind, User
from grants.money import format_eur
from grants.timefmt import format_day

# Sent after the commit that wrote mail; the sending job (grants.jobs.mail, above) listens.
mail_waiting = Namespace().signal("mail-waiting")


def receipt(session: Session, audit: AuditEvent, application: Application,
            recipients: list[User]) -> None:
    write(session, MailKind.RECEIPT, f"receipt:event-{audit.id}", recipients, application,
          "receipt", audit.at, **application_facts(application),
          received_at=format_receipt_moment(audit.at),
          requested=format_eur(application.requested_cents),
          window=application.window.name,
          decision_due=format_day(application.decision_due_on))


def information_requested(session: Session, audit: AuditEvent, application: Application,
                          recipients: list[User]) -> None:
    due = audit.data.get("repair_due_on")
    write(session, MailKind.INFORMATION_REQUESTED, f"information_requested:event-{audit.id}",
          recipients, application, "information_requested", audit.at,
          **application_facts(application),
          asked=audit.reason, repair_due=format_day(date.fromisoformat(due)) if due else "",
          requested_on=format_day(audit.at))


def decision_taken(session: Session, decision: Decision, application: Application,
                   recipients: list[User]) -> None:
    context = decision.context
    write(session, MailKind.DECISION, f"decision:decision-{decision.id}", recipients,
          application, "decision",
          decision.created_at, **application_facts(application),
          decision_kind=decision.kind_label, headline=context.get("title", decision.kind_label),
          decision_reference=decision.reference, decided_on=format_day(decision.decided_on),
          amount=context.get("amount"),
          objection_due=(context.get("objection") or {}).get("due", ""),
          # A notice (the decision postponed, Awb 4:14) is a letter, not a decision.
          notice=bool(context.get("notice")))


NOTICES = {
    "submit": receipt,
    "request_information": information_requested,
}


@event.listens_for(Session, "after_flush")
def _write_notifications(session: Session, _flush_context) -> None:
    # The new rows have their ids here; the mails added now go in with the next flush (at the
    # latest the commit's). Queries here do not autoflush: the session is still flushing.
    audits = sorted((item for item in session.new if isinstance(item, AuditEvent)
                     and item.trigger in NOTICES), key=lambda item: item.id)
    decisions = sorted((item for item in session.new if isinstance(item, Decision)),
                       key=lambda item: item.id)
    if not audits and not decisions:
        return
    applications = {item.application_id: session.get(Application, item.application_id)
                    for item in (*audits, *decisions)}
    recipients = applicants_of_each(
        session, (application.organisation_id for application in applications.values()))
    for audit in audits:
        application = applications[audit.application_id]
        NOTICES[audit.trigger](session, audit, application,
                               recipients[application.organisation_id])
    for decision in decisions:
        application = applications[decision.application_id]
        decision_taken(session, decision, application, recipients[application.organisation_id])


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(WRITTEN, None)


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # only a savepoint was released: the mail is not committed yet
    if session.info.pop(WRITTEN, False):
        mail_waiting.send(current_app._get_current_object())
