"""Mail about a person's account: the link to set a new password."""

import hashlib
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app

from grants.extensions import db
from grants.mail.compose import write
from grants.models import MailKind
from grants.services.accounts import RESET_LINK_VALID, create_reset_token
from grants.timefmt import AMSTERDAM


def external_url(endpoint: str, **values) -> str:
    """``endpoint`` at BASE_URL, also outside a request (a mail's link must be the public one)."""
    base = urlsplit(str(current_app.config["BASE_URL"]).rstrip("/"))
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                       url_scheme=base.scheme or "http")
    return adapter.build(endpoint, values, force_external=True)


def send_password_reset(email: str, now: datetime) -> None:
    """Queue a reset link for the active account with this address; nothing when there is none.

    The token is in the mail only: the database keeps its hash.
    """
    made = create_reset_token(email, now)
    if made is None:
        return
    user, token = made
    # The key is kept after sending; the token itself must not be readable from it.
    key = "password_reset:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    write(db.session, MailKind.PASSWORD_RESET, key, [user], None, "password_reset", now,
          link=external_url("auth.reset_password", token=token),
          valid_until=(now + RESET_LINK_VALID).astimezone(AMSTERDAM).strftime("%H:%M"),
          hours=int(RESET_LINK_VALID.total_seconds() // 3600))
