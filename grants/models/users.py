import secrets
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from grants.database import UTCDateTime, utcnow
from grants.extensions import db
from grants.i18n import N_
from grants.models.columns import enum_type
from grants.models.organisations import Organisation


class Role(StrEnum):
    APPLICANT = "applicant"
    ASSESSOR = "assessor"
    APPROVER = "approver"
    COMMITTEE = "committee"
    FINANCE = "finance"
    ADMIN = "admin"
    # Keeps the action book (actieboek Techniekpact); sees no applications.
    PROGRAMME = "programme"


ROLE_LABELS = {
    Role.APPLICANT: N_("Aanvrager"),
    Role.ASSESSOR: N_("Beoordelaar"),
    Role.APPROVER: N_("Beslisser"),
    Role.COMMITTEE: N_("Lid beoordelingscommissie"),
    Role.FINANCE: N_("Financiën"),
    Role.ADMIN: N_("Beheerder"),
    Role.PROGRAMME: N_("Programmamedewerker"),
}

# Roles that work for the ministry and so see every organisation's records.
STAFF_ROLES = frozenset(Role) - {Role.APPLICANT}


def new_session_token() -> str:
    return secrets.token_hex(32)


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"), primary_key=True)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # The function a decision letter signs with ("directeur Subsidies"); staff only.
    job_title: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when someone else chose the password (an administrator): the user replaces it first.
    must_change_password: Mapped[bool] = mapped_column(default=False,
                                                       server_default=sa.false())
    # The applicant who registered the organisation, or a colleague made co-administrator:
    # invites colleagues and deactivates their accounts.
    manages_organisation: Mapped[bool] = mapped_column(default=False,
                                                       server_default=sa.false())
    # Part of every session's user id: a new token (logout, password change) ends them all.
    session_token: Mapped[str] = mapped_column(sa.String(64), default=new_session_token)
    # Two-factor authentication (TOTP, RFC 6238). The secret is kept as the authenticator app
    # has it (base32): checking a code needs it, so it cannot be hashed. Set while enrolling,
    # switched on only once the user confirmed a code (totp_enabled_at).
    totp_secret: Mapped[str | None] = mapped_column(sa.String(32))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The time step of the last code accepted: a code of that step or before is not taken
    # again (a code seen over a shoulder or in a proxy log is spent).
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    organisation: Mapped[Organisation | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=UserRole.role
    )

    @validates("email")
    def _normalise_email(self, _key, value: str) -> str:
        return value.strip().lower()

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def is_staff(self) -> bool:
        return self.has_role(*STAFF_ROLES)

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    def get_id(self) -> str:
        # Flask-Login keeps this in the session cookie; grants.services.accounts.session_user
        # accepts it only while the token is the user's current one.
        return f"{self.id}:{self.session_token}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class LoginFailure(db.Model):
    """One failed login, kept for throttling; the email need not belong to an account."""

    __tablename__ = "login_failures"
    __table_args__ = (
        sa.Index("ix_login_failures_email_at", "email", "at"),
        sa.Index("ix_login_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    address: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginThrottle(db.Model):
    """The current run of failed logins of one account, client address or known device.

    One row per (scope, key), locked while a login is checked: parallel attempts then queue
    behind each other and each sees the failures of those before it.
    """

    __tablename__ = "login_throttles"

    scope: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PasswordResetToken(db.Model):
    """A link to set a new password, sent by e-mail. Only its SHA-256 is stored; used once."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """A single-use code that stands in for a TOTP code when the phone is lost. Only its
    SHA-256 is stored; the user sees the codes once, when they are made."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiToken(db.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    label: Mapped[str] = mapped_column(sa.String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
