"""API bearer tokens: shown once at creation, stored only as a SHA-256 hash."""

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from grants.errors import NotFound
from grants.extensions import db
from grants.models import ApiToken, User

TOKEN_PREFIX = "grt_"  # noqa: S105  (a marker that tells tokens apart, not a secret)
# Recording every use would make each read request a write; this precision is enough to audit.
LAST_USED_PRECISION = timedelta(minutes=5)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, now: datetime, label: str = "") -> tuple[ApiToken, str]:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(user=user, token_hash=_digest(token), label=label[:100], created_at=now)
    db.session.add(record)
    db.session.flush()
    return record, token


def live_token(token: str) -> ApiToken | None:
    """The token's record if it is live and its user active; None for anything else. Reads only."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    record = db.session.scalars(
        sa.select(ApiToken).where(ApiToken.token_hash == _digest(token))
    ).one_or_none()
    if record is None or record.is_revoked or not record.user.active:
        return None
    return record


def use_is_unrecorded(record: ApiToken, now: datetime) -> bool:
    return record.last_used_at is None or now - record.last_used_at > LAST_USED_PRECISION


def record_use(token_id: int, now: datetime) -> None:
    """Note the token's use; a no-op when a concurrent request already noted it."""
    db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.id == token_id,
               sa.or_(ApiToken.last_used_at.is_(None),
                      ApiToken.last_used_at < now - LAST_USED_PRECISION))
        .values(last_used_at=now))


def revoke_token(now: datetime, *, token: str | None = None,
                 token_id: int | None = None) -> ApiToken:
    where = ApiToken.token_hash == _digest(token) if token is not None else ApiToken.id == token_id
    record = db.session.scalars(sa.select(ApiToken).where(where)).one_or_none()
    if record is None:
        raise NotFound("Dit token bestaat niet.")
    if record.revoked_at is None:
        record.revoked_at = now
    return record


def tokens_of(user: User | None = None) -> list[ApiToken]:
    stmt = sa.select(ApiToken).order_by(ApiToken.id)
    if user is not None:
        stmt = stmt.where(ApiToken.user_id == user.id)
    return list(db.session.scalars(stmt))
