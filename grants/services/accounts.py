"""Accounts: creating users and checking logins, with throttling against password guessing."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from grants.errors import ValidationFailed
from grants.extensions import db
from grants.models import STAFF_ROLES, LoginFailure, Organisation, Role, User, UserRole

MIN_PASSWORD_LENGTH = 12
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


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
    return generate_password_hash(password)


def check_password_rules(password: str) -> list[str]:
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Een wachtwoord heeft minstens {MIN_PASSWORD_LENGTH} tekens.")
    if password.strip() != password:
        problems.append("Een wachtwoord begint en eindigt niet met een spatie.")
    return problems


def create_user(*, email: str, name: str, roles: set[Role], password: str,
                organisation: Organisation | None = None) -> User:
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
    if problems := check_password_rules(password or ""):
        fields["password"] = problems
    if fields:
        raise ValidationFailed("Het account is niet aangemaakt.", fields)

    user = User(email=email, name=name.strip(), password_hash=hash_password(password),
                organisation=organisation)
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
