"""A change of an organisation's IBAN, held until a second person confirms it.

The IBAN decides where grants are paid: one hijacked account must not be able to divert them.
A new IBAN therefore waits here; the organisation keeps paying to (and payment runs keep using)
the old one until another user of the organisation or a staff member confirms the change.
"""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.database import UTCDateTime
from grants.extensions import db
from grants.i18n import N_
from grants.models.columns import enum_type
from grants.models.organisations import Organisation
from grants.models.users import User


class IbanChangeStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # by the one who asked for it, while it was pending


IBAN_CHANGE_STATUS_LABELS = {
    IbanChangeStatus.PENDING: N_("Wacht op bevestiging"),
    IbanChangeStatus.CONFIRMED: N_("Bevestigd"),
    IbanChangeStatus.REJECTED: N_("Afgewezen"),
    IbanChangeStatus.WITHDRAWN: N_("Ingetrokken"),
}


class IbanChange(db.Model):
    __tablename__ = "iban_changes"
    __table_args__ = (
        # One pending change per organisation: a second request is refused, not queued, so
        # that the confirmer always knows which account they confirm.
        sa.Index("ix_iban_changes_one_pending", "organisation_id", unique=True,
                 sqlite_where=sa.text("status = 'pending'"),
                 postgresql_where=sa.text("status = 'pending'")),
        sa.CheckConstraint("new_iban <> ''", name="new_iban"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    # Both compact (NL91ABNA0417164300); the old one empty when none was known.
    old_iban: Mapped[str] = mapped_column(sa.String(34), default="")
    new_iban: Mapped[str] = mapped_column(sa.String(34))
    status: Mapped[IbanChangeStatus] = mapped_column(
        enum_type(IbanChangeStatus, "status"), default=IbanChangeStatus.PENDING)
    requested_by_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Who confirmed, rejected or withdrew it, and when.
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why it was rejected (required then); empty otherwise.
    reason: Mapped[str] = mapped_column(sa.Text, default="")

    organisation: Mapped[Organisation] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def status_label(self) -> str:
        return IBAN_CHANGE_STATUS_LABELS[self.status]

    @property
    def pending(self) -> bool:
        return self.status == IbanChangeStatus.PENDING

    def __repr__(self) -> str:
        return f"<IbanChange {self.id} {self.organisation_id} {self.status}>"
