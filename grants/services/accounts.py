"""Accounts: creating users and checking logins, with throttling against password guessing;
password rules, changing and resetting a password, and ending a user's sessions."""

import gzip
import hashlib
import hmac
import math
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
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
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
from grants.models.users import LoginThrottle, new_session_token

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


class Throttled(Exception):
    """Too many tries: the next is welcome after ``retry_after``."""

    reason = "too many tries"

    def __init__(self, retry_after: timedelta):
        super().__init__(self.reason)
        self.retry_after = retry_after

    @property
    def seconds(self) -> int:
        return max(1, math.ceil(self.retry_after.total_seconds()))

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after.total_seconds() / 60))


class LoginThrottled(Throttled):
    reason = "too many failed logins"


class ThrottleScope(StrEnum):
    ACCOUNT = "account"  # keyed by the e-mail address tried, whether or not it has an account
    ADDRESS = "address"  # keyed by the client's IP address
    DEVICE = "device"  # keyed by "<user id>:<nonce>" of a known-device cookie


@dataclass(frozen=True)
class ThrottleRule:
    """Free tries, then a delay that doubles with every further failure up to the longest."""

    max_failures: int
    window: timedelta
    first_delay: timedelta
    longest_delay: timedelta

    def delay(self, failures: int) -> timedelta:
        """How long after the last of ``failures`` failures in a row the next try may come."""
        if failures < self.max_failures:
            return timedelta(0)
        doublings = failures - self.max_failures
        if doublings >= 32:  # long past the longest delay; no need for a huge power of two
            return self.longest_delay
        return min(self.longest_delay, self.first_delay * 2 ** doublings)

    def current_failures(self, throttle: "LoginThrottle", now: datetime) -> int:
        """The failures in the counter's run, or 0 once the run is forgotten: the window has
        passed since its delay ran out with no failure since. Never a lock for good."""
        if throttle.last_failure_at is None or not throttle.failures:
            return 0
        if now > throttle.last_failure_at + self.delay(throttle.failures) + self.window:
            return 0
        return throttle.failures


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
    """The rule for an account (also for a known device of it) and for a client address."""
    config = current_app.config
    delays = {"window": timedelta(seconds=config["LOGIN_FAILURE_WINDOW_SECONDS"]),
              "first_delay": timedelta(seconds=config["LOGIN_FIRST_DELAY_SECONDS"]),
              "longest_delay": timedelta(seconds=config["LOGIN_LONGEST_DELAY_SECONDS"])}
    return (ThrottleRule(config["LOGIN_MAX_FAILURES_PER_ACCOUNT"], **delays),
            ThrottleRule(config["LOGIN_MAX_FAILURES_PER_ADDRESS"], **delays))


def _lock_throttle(scope: ThrottleScope, key: str) -> LoginThrottle:
    """The counter row of ``scope``/``key``, created when missing and locked until commit.

    Holding the lock through the password check is what makes a burst of parallel attempts
    queue up, each seeing the failures committed before it: counting rows and then inserting
    one, as before, let every attempt of a burst see the same count. SQLite needs no row lock:
    a login is a POST, whose transaction begins by taking the database's write lock.
    """
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}[dialect]
    db.session.execute(insert(LoginThrottle)
                       .values(scope=scope.value, key=key, failures=0)
                       .on_conflict_do_nothing(index_elements=["scope", "key"]))
    return db.session.scalars(
        sa.select(LoginThrottle)
        .where(LoginThrottle.scope == scope.value, LoginThrottle.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)).one()


def _check_throttle(throttle: LoginThrottle, rule: ThrottleRule, now: datetime) -> timedelta:
    """How long an attempt must still wait under this counter (zero: it may go ahead)."""
    failures = rule.current_failures(throttle, now)
    if not failures:
        return timedelta(0)
    return max(timedelta(0), throttle.last_failure_at + rule.delay(failures) - now)


def _record_failure(throttle: LoginThrottle, rule: ThrottleRule, now: datetime) -> None:
    throttle.failures = rule.current_failures(throttle, now) + 1
    throttle.last_failure_at = now


def _reset(throttle: LoginThrottle) -> None:
    throttle.failures = 0
    throttle.last_failure_at = None


# -- known devices: a signed cookie naming the accounts that logged in on this browser ---------

KNOWN_DEVICE_COOKIE = "grants_known_device"
# A shared computer at an organisation may be used by a few colleagues; more are not kept.
MAX_KNOWN_ACCOUNTS = 5


def _device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="grants.known-device")


def _device_entries(cookie: str | None, now: datetime) -> list[dict]:
    """The cookie's accounts that are still known: [{"u": user id, "n": nonce, "t": issued}]."""
    if not cookie:
        return []
    try:
        entries = _device_serializer().loads(cookie)
    except BadSignature:
        return []  # made up or from another installation: an unknown device
    if not isinstance(entries, list):
        return []
    oldest = now.timestamp() - current_app.config["LOGIN_KNOWN_DEVICE_DAYS"] * 86400
    return [entry for entry in entries
            if isinstance(entry, dict) and isinstance(entry.get("u"), int)
            and isinstance(entry.get("n"), str) and isinstance(entry.get("t"), int)
            and entry["t"] >= oldest]


def known_device_key(cookie: str | None, user: User | None, now: datetime) -> str | None:
    """The key of this browser's own counter when it is a known device of ``user``."""
    if user is None:
        return None
    for entry in _device_entries(cookie, now):
        if entry["u"] == user.id:
            return f"{user.id}:{entry['n']}"
    return None


def known_device_cookie(cookie: str | None, user: User, now: datetime) -> str:
    """The cookie to set after ``user`` logged in on this browser: it is known there from now.

    A device already known to the user keeps its nonce, so it keeps one counter.
    """
    entries = _device_entries(cookie, now)
    nonce = next((entry["n"] for entry in entries if entry["u"] == user.id),
                 secrets.token_urlsafe(16))
    others = [entry for entry in entries if entry["u"] != user.id]
    mine = {"u": user.id, "n": nonce, "t": int(now.timestamp())}
    return _device_serializer().dumps([mine, *others][:MAX_KNOWN_ACCOUNTS])


def authenticate(email: str, password: str, address: str, now: datetime,
                 known_device: str | None = None) -> User | None:
    """The user whose e-mail and password these are, or None; the caller commits either way.

    Raises LoginThrottled, without checking the password, while the account or the client
    address must still wait after its failures, whether or not the account exists. On a known
    device of the account (``known_device``: the cookie of ``known_device_cookie``) the
    device's own counter stands in for the account's, so that guessing from elsewhere does not
    keep the account's owner out.
    """
    email = (email or "").strip().lower()
    address = (address or "unknown")[:64]
    account_rule, address_rule = _throttle_rules()
    user = db.session.scalars(sa.select(User).where(User.email == email)).one_or_none()
    device = known_device_key(known_device, user, now)

    # Always the account's (or device's) row before the address's: one order, no deadlock.
    own = (_lock_throttle(ThrottleScope.DEVICE, device) if device
           else _lock_throttle(ThrottleScope.ACCOUNT, email[:254]))
    from_address = _lock_throttle(ThrottleScope.ADDRESS, address)
    wait = max(_check_throttle(own, account_rule, now),
               _check_throttle(from_address, address_rule, now))
    if wait:
        raise LoginThrottled(wait)

    password_ok = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    if user is None or not password_ok or not user.active:
        _record_failure(own, account_rule, now)
        _record_failure(from_address, address_rule, now)
        db.session.add(LoginFailure(email=email[:254], address=address, at=now))
        db.session.flush()
        return None

    # The address's run stays: others behind the same address may be guessing. A login on a
    # known device leaves the account's run alone, so whoever guesses elsewhere gets no fresh
    # tries from the owner logging in.
    _reset(own)
    if not device:
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
