"""Partner consent for sector plans: every organisation a plan names (lead applicant and
partners) other than the filer's own agrees, from its own account, before the plan is submitted.

A consent holds the hash of what the partner saw (lead, partners and measures); when that
content changes the consent no longer counts and is withdrawn. The events keep the story of
each consent given and withdrawn, since the consent rows themselves are deleted.
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


class PartnerConsent(db.Model):
    """One organisation's consent to one application, as its content stood then."""

    __tablename__ = "partner_consents"
    __table_args__ = (sa.UniqueConstraint("application_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # A draft may be deleted outright (services.applications.delete_draft); its consents go
    # with it.
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # sha256 (hex) of the lead, partners and measures the user consented to.
    content_sha256: Mapped[str] = mapped_column(sa.String(64))

    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User] = relationship()


class ConsentAction(StrEnum):
    GIVEN = "given"
    WITHDRAWN = "withdrawn"


CONSENT_ACTION_LABELS = {
    ConsentAction.GIVEN: N_("Toestemming gegeven"),
    ConsentAction.WITHDRAWN: N_("Toestemming vervallen"),
}


class PartnerConsentEvent(db.Model):
    """The log of consents given and withdrawn. Kept beside the application rather than in the
    audit trail: a draft has no audit rows, so that it can still be deleted."""

    __tablename__ = "partner_consent_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"))
    action: Mapped[ConsentAction] = mapped_column(enum_type(ConsentAction, "action"))
    # Who gave the consent, or whose change of the plan withdrew it.
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    content_sha256: Mapped[str] = mapped_column(sa.String(64))
    reason: Mapped[str] = mapped_column(sa.Text, default="")

    organisation: Mapped[Organisation] = relationship()
    actor: Mapped[User | None] = relationship()

    @property
    def action_label(self) -> str:
        return CONSENT_ACTION_LABELS[self.action]
