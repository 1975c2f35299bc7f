"""Outgoing e-mail: the mail outbox.

A notification is written as an ``outgoing_mail`` row in the transaction of the event that
causes it (a submission, a request for information, a decision, a reminder), complete with its
text, so a rollback takes the mail with it. After the commit a job sends the rows that are
still unsent and marks each one sent. ``key`` names the notification (what it is about and for
whom), so the same notification is never written twice.
"""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grants.database import UTCDateTime
from grants.extensions import db
from grants.models.columns import enum_type


class MailKind(StrEnum):
    RECEIPT = "receipt"  # ontvangstbevestiging (Awb 4:3a)
    INFORMATION_REQUESTED = "information_requested"  # aanvullen binnen de hersteltermijn (4:5)
    DECISION = "decision"  # een besluit is genomen; de brief staat bij de aanvraag
    REPAIR_DUE = "repair_due"  # herinnering aan de aanvrager: de hersteltermijn loopt af
    DECISION_DUE = "decision_due"  # herinnering aan de beoordelaars: de beslistermijn loopt af
    REPORT_DUE = "report_due"  # herinnering aan de aanvrager: een rapportage moet binnenkort
    REPORT_OVERDUE = "report_overdue"  # aanmaning: de rapportage is te laat
    PASSWORD_RESET = "password_reset"  # noqa: S105  (een link voor een nieuw wachtwoord)
    # Aan alle gebruikers van de organisatie: een gekaapt account kan niet ongemerkt het
    # IBAN wijzigen waarop de subsidie wordt betaald.
    IBAN_CHANGE_REQUESTED = "iban_change_requested"
    IBAN_CHANGE_CONFIRMED = "iban_change_confirmed"
    IBAN_CHANGE_REJECTED = "iban_change_rejected"
    IBAN_CHANGE_WITHDRAWN = "iban_change_withdrawn"
    REGISTRATION = "registration"  # de link die een aanmelding van een organisatie bevestigt
    INVITATION = "invitation"  # een uitnodiging van een collega, met een link


MAIL_KIND_LABELS = {
    MailKind.RECEIPT: "Ontvangstbevestiging",
    MailKind.INFORMATION_REQUESTED: "Aanvulling gevraagd",
    MailKind.DECISION: "Besluit genomen",
    MailKind.REPAIR_DUE: "Herinnering hersteltermijn",
    MailKind.DECISION_DUE: "Herinnering beslistermijn",
    MailKind.REPORT_DUE: "Herinnering rapportage",
    MailKind.REPORT_OVERDUE: "Rapportage te laat",
    MailKind.PASSWORD_RESET: "Wachtwoord herstellen",
    MailKind.IBAN_CHANGE_REQUESTED: "IBAN-wijziging aangevraagd",
    MailKind.IBAN_CHANGE_CONFIRMED: "IBAN-wijziging bevestigd",
    MailKind.IBAN_CHANGE_REJECTED: "IBAN-wijziging afgewezen",
    MailKind.IBAN_CHANGE_WITHDRAWN: "IBAN-wijziging ingetrokken",
    MailKind.REGISTRATION: "Aanmelding bevestigen",
    MailKind.INVITATION: "Uitnodiging",
}


class MailStatus(StrEnum):
    WAITING = "waiting"
    SENT = "sent"
    FAILED = "failed"  # not sent yet: the last attempt failed (tried again by the next run)


MAIL_STATUS_LABELS = {
    MailStatus.WAITING: "wachtend",
    MailStatus.SENT: "verstuurd",
    MailStatus.FAILED: "mislukt",
}


class OutgoingMail(db.Model):
    __tablename__ = "outgoing_mail"
    __table_args__ = (
        sa.CheckConstraint("attempts >= 0", name="attempts"),
        sa.Index("ix_outgoing_mail_sent_at_id", "sent_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the notification is about and for whom ("receipt:event-12:user-5"): one mail each.
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[MailKind] = mapped_column(enum_type(MailKind, "kind"))
    application_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    # The address as it was when the mail was written: that is where it goes.
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Failed attempts to send it, and why the last one failed.
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    # The sender that has taken it up, until when (as a job's lease: grants.jobs.queue).
    sending_by: Mapped[str] = mapped_column(sa.String(200), default="")
    sending_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def status(self) -> MailStatus:
        if self.sent_at is not None:
            return MailStatus.SENT
        return MailStatus.FAILED if self.last_error else MailStatus.WAITING

    @property
    def status_label(self) -> str:
        return MAIL_STATUS_LABELS[self.status]

    @property
    def kind_label(self) -> str:
        return MAIL_KIND_LABELS[self.kind]
