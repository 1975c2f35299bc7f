"""Mail to every active user of an organisation at each step of a change of its IBAN.

A hijacked account must not be able to divert the grants silently: whoever asks for a new IBAN,
all of the organisation's users hear of it at once, and again when it is confirmed, rejected or
withdrawn. The IBANs are masked but for the last four characters (a mailbox is no safe place).

As the notifications in grants.mail.outbox, the mails are written in the transaction of the
step itself, right after its admin log row is flushed, whichever page or command takes it.
"""

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from grants.mail.accounts import external_url
from grants.mail.compose import write
from grants.models import AdminAction, AdminEvent, IbanChange, MailKind, User
from grants.services.receipts import mask_iban
from grants.timefmt import format_moment

STEPS = {
    AdminAction.IBAN_CHANGE_REQUESTED: MailKind.IBAN_CHANGE_REQUESTED,
    AdminAction.IBAN_CHANGE_CONFIRMED: MailKind.IBAN_CHANGE_CONFIRMED,
    AdminAction.IBAN_CHANGE_REJECTED: MailKind.IBAN_CHANGE_REJECTED,
    AdminAction.IBAN_CHANGE_WITHDRAWN: MailKind.IBAN_CHANGE_WITHDRAWN,
}


def organisation_users(session: Session, organisation_id: int) -> list[User]:
    """Every active account of the organisation, whatever its roles."""
    return list(session.scalars(
        sa.select(User).where(User.organisation_id == organisation_id, User.active)
        .order_by(User.id)))


def notify(session: Session, log: AdminEvent) -> None:
    change = session.get(IbanChange, log.data["iban_change"])
    kind = STEPS[log.action]
    actor = session.get(User, log.actor_id)
    write(session, kind, f"{kind.value}:change-{change.id}",
          organisation_users(session, change.organisation_id), None, kind.value, log.at,
          organisation=change.organisation.name,
          old_iban=mask_iban(change.old_iban) or "(nog geen)", has_old=bool(change.old_iban),
          new_iban=mask_iban(change.new_iban),
          requested_by=change.requested_by.name,
          requested_at=format_moment(change.requested_at),
          actor=actor.name if actor else "",
          at=format_moment(log.at), reason=log.reason,
          link=external_url("portal.organisation"))


@event.listens_for(Session, "after_flush")
def _write_notifications(session: Session, _flush_context) -> None:
    # Queries here do not autoflush (the session is still flushing); the mails go in with the
    # next flush, at the latest the commit's.
    logs = sorted((item for item in session.new if isinstance(item, AdminEvent)
                   and item.action in STEPS), key=lambda item: item.id)
    for log in logs:
        notify(session, log)
