"""Accounts: creating users and checking logins, with throttling against password guessing;
password rules, changing and resetting a password, and ending a user's sessions."""

import gzip
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from grants.errors import ValidationFailed
from grants.extensions import db
from grants.models import (
    STAFF_ROLES,
    LoginFailure,
    Organisation,
    PasswordResetToken,
    Role,
    User,
    UserRole,
)
from grants.models.users import new_session_token

MIN_PASSWORD_LENGTH = 12
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

# Django's list of the 20,000 most common passwords (grants/data/LICENSE-common-passwords.txt).
COMMON_PASSWORDS = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt.gz"
# What people put around a common word to pass a length rule: "Welkom2024!!!", "password1234".
_DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")

RESET_LINK_VALID = timedelta(hours=1)
# Reset mails one account may be sent within RESET_LINK_VALID: enough for a lost mail, too few
# to flood someone's mailbox through the public form.
MAX_RESET_LINKS = 3


class LoginThrottled(Exception):
    def __init__(self, retry_after: timedelta):
        super().__init__("too many failed logins")
        self.retry_after = retry_after

    @property
    def minutes(self) -> int:
        return max(1, -(-int(self.retry_after.total_seconds()) // 60))


@dataclass(frozen=True)
class ThrottleRule:
    max_failures: int
    window: timedelta


@cache
def _dummy_hash() -> str:
    # Checked against when the e-mail has no account, so that both cases take the same time.
    return generate_password_hash("no account has this password")


def hash_password(password: str) -> str:
    # Werkzeug 3's default, scrypt (n=2^15, r=8, p=1); hashes made with older defaults (pbkdf2)
    # carry their method in the hash and keep working with check_password_hash.
    return generate_password_hash(password, method="scrypt")


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def is_common_password(password: str) -> bool:
    lowered = password.lower()
    common = common_passwords()
    if lowered in common or _DECORATION.sub("", lowered) in common:
        return True
    # One short piece over and over ("qwertyqwerty", "abcabcabcabc") is no longer than the piece.
    return re.fullmatch(r"(.{1,6}?)\1+", lowered) is not None


def _email_parts(email: str) -> list[str]:
    email = (email or "").strip().lower()
    local = email.split("@", 1)[0]
    # A local part of one or two letters ("jo@…") would refuse half of all passwords.
    return [part for part in (email, local) if len(part) >= 3]


def check_password_rules(password: str, email: str = "") -> list[str]:
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(_("Een wachtwoord heeft minstens %(count)s tekens.",
                          count=MIN_PASSWORD_LENGTH))
    if password.strip() != password:
        problems.append(_("Een wachtwoord begint en eindigt niet met een spatie."))
    if password and is_common_password(password):
        problems.append(_("Dit wachtwoord is te bekend: het staat in lijsten die bij het raden "
                          "van wachtwoorden worden gebruikt. Kies een ander."))
    if any(part in password.lower() for part in _email_parts(email)):
        problems.append(_("Een wachtwoord bevat niet uw e-mailadres of het deel daarvan vóór "
                          "de @."))
    return problems


def create_user(*, email: str, name: str, roles: set[Role], password: str,
                organisation: Organisation | None = None,
                must_change_password: bool = False) -> User:
    email = (email or "").strip().lower()
    fields: dict[str, list[str]] = {}
    if not _EMAIL.fullmatch(email):
        fields["email"] = ["Vul een geldig e-mailadres in."]
    elif db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        fields["email"] = ["Er bestaat al een account met dit e-mailadres."]
    if not (name or "").strip():
        fields["name"] = ["Vul een naam in."]
    if not roles:
        fields["roles"] = ["Kies minstens één rol."]
    elif Role.APPLICANT in roles and roles & STAFF_ROLES:
        fields["roles"] = ["Een aanvrager kan geen medewerkersrol van het ministerie hebben."]
    if Role.APPLICANT in roles and organisation is None:
        fields["organisation"] = ["Een aanvrager hoort bij een organisatie."]
    if organisation is not None and Role.APPLICANT not in roles:
        fields["organisation"] = ["Alleen aanvragers horen bij een organisatie."]
    if problems := check_password_rules(password or "", email):
        fields["password"] = problems
    if fields:
        raise ValidationFailed("Het account is niet aangemaakt.", fields)

    user = User(email=email, name=name.strip(), password_hash=hash_password(password),
                organisation=organisation, must_change_password=must_change_password,
                session_token=new_session_token())
    user.role_rows = [UserRole(role=role) for role in sorted(roles)]
    db.session.add(user)
    db.session.flush()
    return user


def _throttle_rules() -> tuple[ThrottleRule, ThrottleRule]:
    window = timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
    return (
        ThrottleRule(current_app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"], window),
        ThrottleRule(current_app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"], window),
    )


def _check_throttle(column, value: str, rule: ThrottleRule, now: datetime) -> None:
    since = now - rule.window
    count, oldest = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(LoginFailure.at)).where(
            column == value, LoginFailure.at > since
        )
    ).one()
    if count >= rule.max_failures:
        raise LoginThrottled(oldest + rule.window - now)


def authenticate(email: str, password: str, address: str, now: datetime) -> User | None:
    """The user whose e-mail and password these are, or None; the caller commits either way.

    Raises LoginThrottled, without checking the password, when the account or the client
    address has failed too often recently, whether or not the account exists.
    """
    email = (email or "").strip().lower()
    address = (address or "unknown")[:64]
    account_rule, address_rule = _throttle_rules()
    _check_throttle(LoginFailure.email, email, account_rule, now)
    _check_throttle(LoginFailure.address, address, address_rule, now)

    user = db.session.scalars(sa.select(User).where(User.email == email)).one_or_none()
    password_ok = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    if user is None or not password_ok or not user.active:
        db.session.add(LoginFailure(email=email[:254], address=address, at=now))
        db.session.flush()
        return None

    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.email == email))
    user.last_login_at = now
    return user


# -- sessions -----------------------------------------------------------------------------------

def session_user(session_id: str) -> User | None:
    """The user a session cookie's user id ("<id>:<session token>") still stands for."""
    user_id, _sep, token = (session_id or "").partition(":")
    if not user_id.isdigit() or not token:
        return None  # a cookie from before sessions had tokens, or made up
    user = db.session.get(User, int(user_id))
    if user is None or not user.active:
        return None
    return user if hmac.compare_digest(user.session_token, token) else None


def end_sessions(user: User) -> None:
    """Every session of ``user``, on every device, ends: its cookie no longer matches."""
    user.session_token = new_session_token()


# -- changing and resetting a password ----------------------------------------------------------

def _set_password(user: User, password: str, now: datetime) -> None:
    user.password_hash = hash_password(password)
    user.must_change_password = False
    end_sessions(user)
    # A link sent earlier would undo this change: each is spent with it.
    db.session.execute(
        sa.update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now))


def change_password(user: User, *, current: str, new: str, now: datetime) -> None:
    """The user's own change: the current password proves it is them. Ends every session."""
    fields: dict[str, list[str]] = {}
    if not check_password_hash(user.password_hash, current or ""):
        fields["current_password"] = [_("Het huidige wachtwoord is onjuist.")]
    if problems := check_password_rules(new or "", user.email):
        fields["new_password"] = problems
    elif check_password_hash(user.password_hash, new):
        fields["new_password"] = [_("Kies een ander wachtwoord dan het huidige.")]
    if fields:
        raise ValidationFailed(_("Het wachtwoord is niet gewijzigd."), fields)
    _set_password(user, new, now)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_reset_token(email: str, now: datetime) -> tuple[User, str] | None:
    """A new reset link's token for the active account with this e-mail address, or None.

    None too when the account already had MAX_RESET_LINKS within the last hour. The caller
    answers the same either way, so the form tells nobody which addresses have an account.
    """
    email = (email or "").strip().lower()
    user = db.session.scalars(sa.select(User).where(User.email == email)).one_or_none()
    if user is None or not user.active:
        return None
    recent = db.session.scalar(sa.select(sa.func.count(PasswordResetToken.id)).where(
        PasswordResetToken.user_id == user.id,
        PasswordResetToken.created_at > now - RESET_LINK_VALID))
    if recent >= MAX_RESET_LINKS:
        return None
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordResetToken(user_id=user.id, token_hash=_token_hash(token),
                                      created_at=now, expires_at=now + RESET_LINK_VALID))
    db.session.flush()
    return user, token


class ResetLinkProblem(StrEnum):
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


def reset_link(token: str, now: datetime) -> tuple[PasswordResetToken | None,
                                                   ResetLinkProblem | None]:
    """The reset link ``token`` stands for, and what keeps it from being used (None: nothing)."""
    row = db.session.scalars(sa.select(PasswordResetToken).where(
        PasswordResetToken.token_hash == _token_hash(token or ""))).one_or_none()
    if row is None or not row.user.active:
        return None, ResetLinkProblem.UNKNOWN
    if row.used_at is not None:
        return row, ResetLinkProblem.USED
    if now >= row.expires_at:
        return row, ResetLinkProblem.EXPIRED
    return row, None


def reset_password(token: str, new: str, now: datetime) -> User:
    """Set a new password through a reset link; spends the link and ends every session."""
    row, problem = reset_link(token, now)
    if problem is not None:
        raise ValidationFailed(RESET_LINK_MESSAGES[problem]())
    user = row.user
    if problems := check_password_rules(new or "", user.email):
        raise ValidationFailed(_("Het wachtwoord is niet gewijzigd."),
                               {"new_password": problems})
    _set_password(user, new, now)
    row.used_at = now
    return user


RESET_LINK_MESSAGES = {
    ResetLinkProblem.UNKNOWN: lambda: _("Deze link om uw wachtwoord te herstellen is ongeldig. "
                                        "Vraag een nieuwe aan."),
    ResetLinkProblem.USED: lambda: _("Deze link is al gebruikt: elke link werkt één keer. "
                                     "Vraag een nieuwe aan als u uw wachtwoord opnieuw wilt "
                                     "instellen."),
    ResetLinkProblem.EXPIRED: lambda: _("Deze link is verlopen: een link is één uur geldig. "
                                        "Vraag een nieuwe aan."),
}
