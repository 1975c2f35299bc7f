"""The mail job: send the outbox's waiting mails, each at most once, and mark them sent.

A run takes a few mails at a time: it claims them (a lease, committed), hands each to the
transport with no transaction open, and commits ``sent_at`` for each mail right after the server
accepted it. A mail marked sent is never sent again, so a run can be killed and started again
at any moment. A worker killed while it held mails leaves a lease that runs out (at once for a
worker on the same machine: grants.jobs.queue); those mails go with the next run.

The one gap: a worker killed after the server accepted a mail and before ``sent_at`` was
committed leaves that mail unmarked, and the next run sends it a second time. Marking it sent
before handing it over would instead lose it whenever the hand-over fails; a repeated
notification is the lesser harm. The repeat carries the same Message-ID, so mail systems can
recognise it. (The mail folder cannot repeat at all: the same mail replaces its own file.)

Refused mails (and all mails of a batch when the server is down) keep their reason and count
their attempts; every later run tries them again.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app

from grants.clock import now
from grants.database import writing
from grants.extensions import db
from grants.jobs.queue import dead, job, put_on_queue, setting, worker_name
from grants.mail.outbox import mail_waiting
from grants.mail.transport import MailNotSent, TransportDown, build_message, transport_for
from grants.models import MailStatus, OutgoingMail

BATCH_SIZE = 20
ERROR_LENGTH = 2000

log = logging.getLogger(__name__)


SEND_MAIL = "grants.send_mail"


@mail_waiting.connect
def enqueue_sending(app: Flask) -> None:
    """Put a sending run on the queue (after the commit that wrote mail)."""
    put_on_queue(app, SEND_MAIL)


@job(SEND_MAIL)
def _send_mail(queue) -> None:
    send_waiting_mail()


@dataclass(frozen=True)
class Waiting:
    """A claimed mail, as plain values: it is sent with no transaction open."""

    id: int
    kind: str
    recipient: str
    subject: str
    body: str
    created_at: datetime


@dataclass
class Outcome:
    sent: int = 0
    failed: dict[int, str] = field(default_factory=dict)


def _free(me: str, moment: datetime):
    """Unsent mails nobody holds: no lease, a lease run out, ours, or a dead worker's."""
    holders = db.session.scalars(sa.select(OutgoingMail.sending_by).distinct().where(
        OutgoingMail.sent_at.is_(None), OutgoingMail.sending_until > moment))
    gone = [holder for holder in holders if holder == me or dead(holder)]
    return sa.and_(OutgoingMail.sent_at.is_(None), sa.or_(
        OutgoingMail.sending_until.is_(None), OutgoingMail.sending_until <= moment,
        OutgoingMail.sending_by.in_(gone)))


def _claim(me: str, lease: timedelta, size: int, tried: set[int]) -> list[Waiting]:
    with writing():
        moment = now()
        free = _free(me, moment)
        candidates = list(db.session.scalars(
            sa.select(OutgoingMail.id).where(free, OutgoingMail.id.not_in(tried))
            .order_by(OutgoingMail.id).limit(size)))
        taken = [mail_id for mail_id in candidates if db.session.execute(
            sa.update(OutgoingMail).where(OutgoingMail.id == mail_id, free)
            .values(sending_by=me, sending_until=moment + lease)
            .execution_options(synchronize_session=False)).rowcount == 1]
        rows = db.session.execute(
            sa.select(OutgoingMail.id, OutgoingMail.kind, OutgoingMail.recipient,
                      OutgoingMail.subject, OutgoingMail.body, OutgoingMail.created_at)
            .where(OutgoingMail.id.in_(taken)).order_by(OutgoingMail.id)).all()
        db.session.commit()
    return [Waiting(row[0], row[1].value, *row[2:]) for row in rows]


def _renew(me: str, lease: timedelta, moment: datetime) -> None:
    # Each mail done renews the lease on the rest of ours: a slow server must not let another
    # sender take over (and send again) mails this one is still working through.
    db.session.execute(
        sa.update(OutgoingMail)
        .where(OutgoingMail.sending_by == me, OutgoingMail.sent_at.is_(None),
               OutgoingMail.sending_until.is_not(None))
        .values(sending_until=moment + lease)
        .execution_options(synchronize_session=False))


def _mark_sent(mail_id: int, me: str, lease: timedelta) -> None:
    with writing():
        moment = now()
        db.session.execute(
            sa.update(OutgoingMail)
            .where(OutgoingMail.id == mail_id, OutgoingMail.sent_at.is_(None))
            .values(sent_at=moment, sending_until=None, last_error="")
            .execution_options(synchronize_session=False))
        _renew(me, lease, moment)
        db.session.commit()


def _mark_failed(mail_ids: list[int], reason: str, me: str, lease: timedelta) -> None:
    with writing():
        db.session.execute(
            sa.update(OutgoingMail)
            .where(OutgoingMail.id.in_(mail_ids), OutgoingMail.sent_at.is_(None))
            .values(attempts=OutgoingMail.attempts + 1, last_error=reason[:ERROR_LENGTH],
                    sending_by="", sending_until=None)
            .execution_options(synchronize_session=False))
        _renew(me, lease, now())
        db.session.commit()


def send_waiting_mail(batch_size: int = BATCH_SIZE) -> Outcome:
    """Send every mail not sent yet (those that failed before too), once each. Safe any time."""
    app = current_app._get_current_object()
    lease = timedelta(seconds=setting(app, "JOBS_LEASE_SECONDS"))
    sender = str(app.config["MAIL_FROM"])
    transport = transport_for(app)
    me = worker_name()
    outcome = Outcome()
    tried: set[int] = set()
    try:
        while batch := _claim(me, lease, batch_size, tried):
            tried.update(mail.id for mail in batch)
            handled = 0
            try:
                with transport.connection() as connection:
                    for mail in batch:
                        try:
                            connection.send(mail, build_message(mail, sender))
                        except MailNotSent as refused:
                            _mark_failed([mail.id], str(refused), me, lease)
                            outcome.failed[mail.id] = str(refused)
                        else:
                            _mark_sent(mail.id, me, lease)
                            outcome.sent += 1
                        handled += 1
            except TransportDown as down:
                # Nothing more can go now; the next run tries these and the rest again.
                left = [mail.id for mail in batch[handled:]]
                _mark_failed(left, str(down), me, lease)
                outcome.failed.update((mail_id, str(down)) for mail_id in left)
                break
        return outcome
    finally:
        db.session.remove()


# -- the outbox as people read it ---------------------------------------------------------------

STATUS_FILTERS = {
    MailStatus.SENT: OutgoingMail.sent_at.is_not(None),
    MailStatus.WAITING: sa.and_(OutgoingMail.sent_at.is_(None), OutgoingMail.last_error == ""),
    MailStatus.FAILED: sa.and_(OutgoingMail.sent_at.is_(None), OutgoingMail.last_error != ""),
}


def outbox(status: MailStatus | None = None, limit: int = 50) -> list[OutgoingMail]:
    """The newest mails, optionally of one status."""
    stmt = sa.select(OutgoingMail).order_by(OutgoingMail.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(STATUS_FILTERS[status])
    return list(db.session.scalars(stmt))


def outbox_counts() -> dict[MailStatus, int]:
    return {status: db.session.scalar(
        sa.select(sa.func.count(OutgoingMail.id)).where(condition)) or 0
        for status, condition in STATUS_FILTERS.items()}
