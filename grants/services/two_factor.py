"""Two-factor authentication with TOTP (RFC 6238): enrolling, checking a code at login or
before a change, single-use recovery codes, switching it off, and an administrator's reset.

Required for every staff role, optional for applicants. A code is 6 digits for a 30-second
time step; one step of clock drift either way is accepted, and a step once used is not accepted
again for that user (replay). Wrong codes are throttled like wrong passwords (see
grants.services.accounts), on a counter of their own per account (or per known device of it):
the password step resets the account's counter on every right password, which would otherwise
give someone who knows the password fresh tries at the code with every login.
"""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

import pyotp
import segno
import sqlalchemy as sa
from flask_babel import gettext as _

from grants.clock import outside_time
from grants.errors import ValidationFailed
from grants.extensions import db
from grants.models import AdminAction, AdminEvent, User
from grants.models.users import RecoveryCode
from grants.services.accounts import (
    LoginThrottled,
    ThrottleScope,
    _check_throttle,
    _lock_throttle,
    _record_failure,
    _reset,
    _throttle_rules,
    end_sessions,
)

ISSUER = "Subsidies Techniekpact"
TIME_STEP = 30  # seconds, RFC 6238's default and what every authenticator app assumes
DIGITS = 6
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: a recovery code is typed over from paper.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 10
# How long the code step may follow the right password before the password is asked again.
SECOND_STEP_VALID = timedelta(minutes=5)


class CodeScope(StrEnum):
    # Keyed by "<user id>", or on a known device "<user id>:<nonce>" as in accounts.
    CODE = "code"


class CodeResult(StrEnum):
    TOTP = "totp"
    RECOVERY = "recovery"
    WRONG = "wrong"
    USED = "used"  # the right code of a step already used: a replay

    @property
    def ok(self) -> bool:
        return self in (CodeResult.TOTP, CodeResult.RECOVERY)


def code_message(result: CodeResult) -> str:
    if result == CodeResult.USED:
        return _("Deze code is al gebruikt. Wacht tot uw app een nieuwe code toont en vul "
                 "die in.")
    return _("De code is onjuist. Vul de code van 6 cijfers uit uw app in, of een van uw "
             "herstelcodes.")


def _step(moment: datetime) -> int:
    return int(moment.timestamp()) // TIME_STEP


def _code_of_step(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=TIME_STEP).at(step * TIME_STEP)


def code_at(secret: str, moment: datetime) -> str:
    """The code an authenticator app with ``secret`` shows at ``moment``."""
    return _code_of_step(secret, _step(moment))


def grouped(secret: str) -> str:
    """The secret in groups of four, to type over into an app without a camera."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret, digits=DIGITS, interval=TIME_STEP).provisioning_uri(
        name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG: drawn here, no script and no outside service."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=4, dark="#000", light="#fff")


def _normalise(code: str | None) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _match_totp(user: User, code: str, now: datetime) -> tuple[CodeResult, int | None]:
    if not (len(code) == DIGITS and code.isdigit()) or not user.totp_secret:
        return CodeResult.WRONG, None
    current = _step(outside_time(now))
    last = user.totp_last_step
    replayed = False
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(_code_of_step(user.totp_secret, step), code):
            if last is not None and step <= last:
                replayed = True
                continue
            return CodeResult.TOTP, step
    return (CodeResult.USED if replayed else CodeResult.WRONG), None


def _use_recovery_code(user: User, code: str, now: datetime) -> bool:
    if len(code) != _RECOVERY_LENGTH:
        return False
    row = db.session.scalars(sa.select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code),
        RecoveryCode.used_at.is_(None)).with_for_update()).one_or_none()
    if row is None:
        return False
    row.used_at = now
    return True


def check_code(user: User, code: str | None, now: datetime, *, address: str,
               device_key: str | None = None, recovery: bool = True) -> CodeResult:
    """Whether ``code`` is the user's current TOTP code (or, with ``recovery``, one of their
    unused recovery codes, which is then spent); the caller commits whatever the result.

    Raises LoginThrottled, without looking at the code, while earlier wrong codes make the
    user (on this device) or the client address wait.
    """
    account_rule, address_rule = _throttle_rules()
    own = _lock_throttle(CodeScope.CODE, device_key or str(user.id))
    from_address = _lock_throttle(ThrottleScope.ADDRESS, (address or "unknown")[:64])
    wait = max(_check_throttle(own, account_rule, now),
               _check_throttle(from_address, address_rule, now))
    if wait:
        raise LoginThrottled(wait)

    typed = _normalise(code)
    result, step = _match_totp(user, typed, now)
    if result == CodeResult.TOTP:
        user.totp_last_step = step
    elif result == CodeResult.WRONG and recovery and _use_recovery_code(user, typed, now):
        result = CodeResult.RECOVERY
    if result.ok:
        _reset(own)
    else:
        _record_failure(own, account_rule, now)
        _record_failure(from_address, address_rule, now)
    db.session.flush()
    return result


def unused_recovery_codes(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def _new_recovery_codes(user: User, now: datetime) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _i in range(RECOVERY_CODE_COUNT):
        code = "".join(secrets.choice(_RECOVERY_ALPHABET) for _j in range(_RECOVERY_LENGTH))
        codes.append(f"{code[:5]}-{code[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(code), created_at=now))
    db.session.flush()
    return codes


def start_enrolment(user: User) -> None:
    """Give the user a new secret to put in their app, unless they already have one waiting
    (a reload of the page shows the same QR code). Nothing is switched on yet."""
    if user.two_factor_enabled:
        raise ValidationFailed(_("Tweestapsverificatie staat al aan."))
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
        db.session.flush()


def confirm_enrolment(user: User, code: str | None, now: datetime, *,
                      address: str) -> list[str]:
    """Switch two-factor authentication on once the user shows a code from their app; returns
    the recovery codes (shown once). Ends the user's other sessions; the caller logs this one
    in again. Raises ValidationFailed (committing the throttle is the caller's: see
    ``check_code``) when the code is wrong."""
    if user.two_factor_enabled:
        raise ValidationFailed(_("Tweestapsverificatie staat al aan."))
    if not user.totp_secret:
        raise ValidationFailed(_("Begin opnieuw: open de pagina Tweestapsverificatie."))
    result = check_code(user, code, now, address=address, recovery=False)
    if not result.ok:
        raise ValidationFailed(_("Tweestapsverificatie is niet aangezet."),
                               {"code": [code_message(result)]})
    user.totp_enabled_at = now
    end_sessions(user)
    return _new_recovery_codes(user, now)


def _switch_off(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_sessions(user)
    db.session.flush()


def disable(user: User, code: str | None, now: datetime, *, address: str) -> CodeResult:
    """An applicant switches two-factor authentication off with a current code (or a recovery
    code); staff cannot. Ends the user's other sessions. Returns the code's result: when it
    is not ``ok`` nothing changed but the throttle, which the caller commits."""
    if user.is_staff:
        raise ValidationFailed(_("Voor medewerkers van het ministerie is tweestapsverificatie "
                                 "verplicht: u kunt die niet uitzetten."))
    if not user.two_factor_enabled:
        raise ValidationFailed(_("Tweestapsverificatie staat niet aan."))
    result = check_code(user, code, now, address=address)
    if result.ok:
        _switch_off(user)
    return result


def regenerate_recovery_codes(user: User, code: str | None, now: datetime, *,
                              address: str) -> tuple[CodeResult, list[str]]:
    """Ten new recovery codes for the old ones, with a current code (or a recovery code)."""
    if not user.two_factor_enabled:
        raise ValidationFailed(_("Tweestapsverificatie staat niet aan."))
    result = check_code(user, code, now, address=address)
    return result, (_new_recovery_codes(user, now) if result.ok else [])


def reset_two_factor(user: User, *, reason: str, actor: User, now: datetime) -> None:
    """An administrator switches a user's two-factor authentication off (a lost phone), with a
    reason, in the admin log; the user's sessions end and staff enrol again at their next
    login."""
    reason = (reason or "").strip()
    fields: dict[str, list[str]] = {}
    if not reason:
        fields["reason"] = [_("Vul een reden in, bijvoorbeeld dat de telefoon kwijt is.")]
    if user.id == actor.id:
        fields.setdefault("reason", []).append(
            _("Uw eigen tweestapsverificatie stelt een andere beheerder opnieuw in."))
    if not user.two_factor_enabled and not user.totp_secret:
        fields.setdefault("reason", []).append(
            _("%(name)s heeft geen tweestapsverificatie.", name=user.name))
    if fields:
        raise ValidationFailed(_("Tweestapsverificatie is niet opnieuw ingesteld."), fields)
    enabled_at = user.totp_enabled_at
    _switch_off(user)
    db.session.add(AdminEvent(action=AdminAction.TWO_FACTOR_RESET, actor_id=actor.id, at=now,
                              user_id=user.id, reason=reason,
                              data={"enabled_at": enabled_at.isoformat() if enabled_at
                                    else None}))
    db.session.flush()


def enrol_with_secret(user: User, secret: str, now: datetime) -> None:
    """Switch two-factor authentication on with a secret chosen elsewhere: the demo's printed
    one (only in a demo database) and the tests' known one. Recovery codes are not made."""
    user.totp_secret = secret
    user.totp_enabled_at = user.totp_enabled_at or now
    db.session.flush()
