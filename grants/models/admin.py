"""The admin's log: who opened or moved a window, made or changed an account, issued or revoked
a token, changed an organisation's address or bank account, added or removed a day off for
counting terms, when, and why. Ceiling amendments keep their own history (CeilingAmendment)."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.database import UTCDateTime
from grants.extensions import db
from grants.i18n import N_
from grants.models.columns import enum_type
from grants.models.organisations import Organisation
from grants.models.schemes import Window
from grants.models.users import ApiToken, User


class AdminAction(StrEnum):
    WINDOW_OPENED = "window_opened"
    WINDOW_DATES_CHANGED = "window_dates_changed"
    USER_CREATED = "user_created"
    ROLES_CHANGED = "roles_changed"
    USER_DEACTIVATED = "user_deactivated"
    USER_REACTIVATED = "user_reactivated"
    TOKEN_CREATED = "token_created"  # noqa: S105  (an action's name, not a secret)
    TOKEN_REVOKED = "token_revoked"  # noqa: S105
    # Applicants change their own organisation's details too: the IBAN decides where grants are
    # paid, so who changed it when must be as traceable as an admin's change.
    ORGANISATION_CHANGED = "organisation_changed"
    # Days made equal to a holiday for counting terms (Algemene termijnenwet art. 3).
    DAY_OFF_ADDED = "day_off_added"
    DAY_OFF_REMOVED = "day_off_removed"
    # Staff keep the register of organisations: who made, checked or stopped one, and why.
    ORGANISATION_CREATED = "organisation_created"
    ORGANISATION_VERIFIED = "organisation_verified"
    ORGANISATION_DEACTIVATED = "organisation_deactivated"
    ORGANISATION_REACTIVATED = "organisation_reactivated"
    # A new IBAN waits for a second person (grants.models.iban_changes): each step logged.
    IBAN_CHANGE_REQUESTED = "iban_change_requested"
    IBAN_CHANGE_CONFIRMED = "iban_change_confirmed"
    IBAN_CHANGE_REJECTED = "iban_change_rejected"
    IBAN_CHANGE_WITHDRAWN = "iban_change_withdrawn"
    # A lost phone: an admin switched a user's two-factor authentication off; they enrol again.
    TWO_FACTOR_RESET = "two_factor_reset"
    # Self-registration and invitations (the registrations and invitations tables hold the
    # requests; the log holds what came of them).
    ORGANISATION_REGISTERED = "organisation_registered"
    INVITATION_SENT = "invitation_sent"
    INVITATION_REVOKED = "invitation_revoked"
    INVITATION_ACCEPTED = "invitation_accepted"


ADMIN_ACTION_LABELS = {
    AdminAction.WINDOW_OPENED: N_("Tijdvak geopend"),
    AdminAction.WINDOW_DATES_CHANGED: N_("Data van een tijdvak gewijzigd"),
    AdminAction.USER_CREATED: N_("Gebruiker aangemaakt"),
    AdminAction.ROLES_CHANGED: N_("Rollen gewijzigd"),
    AdminAction.USER_DEACTIVATED: N_("Gebruiker gedeactiveerd"),
    AdminAction.USER_REACTIVATED: N_("Gebruiker weer actief gemaakt"),
    AdminAction.TOKEN_CREATED: N_("API-token gemaakt"),
    AdminAction.TOKEN_REVOKED: N_("API-token ingetrokken"),
    AdminAction.ORGANISATION_CHANGED: N_("Organisatiegegevens gewijzigd"),
    AdminAction.DAY_OFF_ADDED: N_("Gelijkgestelde feestdag toegevoegd"),
    AdminAction.DAY_OFF_REMOVED: N_("Gelijkgestelde feestdag verwijderd"),
    AdminAction.ORGANISATION_CREATED: N_("Organisatie aangemaakt"),
    AdminAction.ORGANISATION_VERIFIED: N_("Organisatie gecontroleerd"),
    AdminAction.ORGANISATION_DEACTIVATED: N_("Organisatie gedeactiveerd"),
    AdminAction.ORGANISATION_REACTIVATED: N_("Organisatie weer actief gemaakt"),
    AdminAction.IBAN_CHANGE_REQUESTED: N_("IBAN-wijziging aangevraagd"),
    AdminAction.IBAN_CHANGE_CONFIRMED: N_("IBAN-wijziging bevestigd"),
    AdminAction.IBAN_CHANGE_REJECTED: N_("IBAN-wijziging afgewezen"),
    AdminAction.IBAN_CHANGE_WITHDRAWN: N_("IBAN-wijziging ingetrokken"),
    AdminAction.TWO_FACTOR_RESET: N_("Tweestapsverificatie opnieuw ingesteld"),
    AdminAction.ORGANISATION_REGISTERED: N_("Organisatie aangemeld"),
    AdminAction.INVITATION_SENT: N_("Collega uitgenodigd"),
    AdminAction.INVITATION_REVOKED: N_("Uitnodiging ingetrokken"),
    AdminAction.INVITATION_ACCEPTED: N_("Uitnodiging aangenomen"),
}


class AdminEvent(db.Model):
    """One admin action, append-only: the database refuses UPDATE and DELETE on this table.

    ``data`` holds the values before and after, in plain JSON (times as ISO 8601, roles as
    their codes), so the log reads the same whatever the rows it names look like later.
    """

    __tablename__ = "admin_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    action: Mapped[AdminAction] = mapped_column(enum_type(AdminAction, "action"))
    window_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("windows.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    token_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("api_tokens.id", ondelete="RESTRICT"))
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    window: Mapped[Window | None] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    token: Mapped[ApiToken | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    @property
    def action_label(self) -> str:
        return ADMIN_ACTION_LABELS[self.action]
