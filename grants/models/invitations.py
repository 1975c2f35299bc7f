"""Getting in without an administrator who knows your password: an organisation registering
itself (confirmed through a link mailed to the registrant) and a colleague invited by the
organisation's own administrator or by staff. Both links are single-use and expire; only their
SHA-256 is stored, like a password reset link's."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from grants.database import UTCDateTime
from grants.extensions import db
from grants.i18n import N_
from grants.models.columns import enum_type
from grants.models.organisations import Organisation, OrganisationKind, Region
from grants.models.users import User


def _email(value: str) -> str:
    return (value or "").strip().lower()


class Registration(db.Model):
    """A self-registration as it was asked for; the organisation and account exist only once the
    link in the mail is opened, so a mistyped or foreign address never holds a KvK number.

    Every request is kept, also one for an address that already has an account (its mail says
    so and carries no usable link): the rows per client address are the throttle's count.
    """

    __tablename__ = "registrations"
    __table_args__ = (
        sa.Index("ix_registrations_client_address_created_at", "client_address", "created_at"),
        sa.Index("ix_registrations_email_created_at", "email", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str] = mapped_column(sa.String(200))
    organisation_name: Mapped[str] = mapped_column(sa.String(200))
    kvk: Mapped[str] = mapped_column(sa.String(8))
    kind: Mapped[OrganisationKind] = mapped_column(enum_type(OrganisationKind, "kind"))
    region: Mapped[Region] = mapped_column(enum_type(Region, "region"))
    address: Mapped[str] = mapped_column(sa.String(200))
    postcode: Mapped[str] = mapped_column(sa.String(7))
    city: Mapped[str] = mapped_column(sa.String(100))
    client_address: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))

    organisation: Mapped[Organisation | None] = relationship()
    user: Mapped[User | None] = relationship()

    @validates("email")
    def _normalise_email(self, _key, value: str) -> str:
        return _email(value)


class InvitationState(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REVOKED = "revoked"
    EXPIRED = "expired"


INVITATION_STATE_LABELS = {
    InvitationState.OPEN: N_("Open"),
    InvitationState.ACCEPTED: N_("Aangenomen"),
    InvitationState.REVOKED: N_("Ingetrokken"),
    InvitationState.EXPIRED: N_("Verlopen"),
}


class Invitation(db.Model):
    """A colleague invited to an organisation by name and e-mail address, optionally as a
    co-administrator; opening the link lets them choose a password and makes the account."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str] = mapped_column(sa.String(200))
    as_administrator: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The account the invitation made.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User] = relationship(foreign_keys=[invited_by_id])
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @validates("email")
    def _normalise_email(self, _key, value: str) -> str:
        return _email(value)

    def state(self, now: datetime) -> InvitationState:
        if self.accepted_at is not None:
            return InvitationState.ACCEPTED
        if self.revoked_at is not None:
            return InvitationState.REVOKED
        if now >= self.expires_at:
            return InvitationState.EXPIRED
        return InvitationState.OPEN

    def __repr__(self) -> str:
        return f"<Invitation {self.id} {self.email} organisation={self.organisation_id}>"
