"""Mail for getting in: the link that confirms an organisation's registration, the note to an
address that already has an account, and a colleague's invitation.

The first and the last go to an address that has no account yet: their outbox rows name no
user. The token is in the mail only; the database keeps its hash.
"""

import hashlib
from datetime import datetime

from grants.extensions import db
from grants.mail.accounts import external_url
from grants.mail.compose import WRITTEN, render, write
from grants.models import Invitation, MailKind, OutgoingMail
from grants.services.registration import (
    INVITATION_LINK_VALID,
    REGISTRATION_LINK_VALID,
    RegistrationRequest,
)
from grants.timefmt import AMSTERDAM, format_day


def _key(kind: str, token: str) -> str:
    # The key is kept after sending; the token itself must not be readable from it.
    return f"{kind}:" + hashlib.sha256(token.encode()).hexdigest()[:32]


def _to_address(kind: MailKind, key: str, email: str, name: str, template: str,
                now: datetime, **context) -> OutgoingMail:
    subject, body = render(template, name=name, **context)
    mail = OutgoingMail(key=key, kind=kind, application_id=None, user_id=None, recipient=email,
                        subject=subject[:300], body=body, created_at=now, attempts=0,
                        last_error="", sending_by="")
    db.session.add(mail)
    db.session.info[WRITTEN] = True
    return mail


def _until(moment: datetime) -> str:
    local = moment.astimezone(AMSTERDAM)
    return f"{format_day(local.date())} {local:%H:%M}"


def send_registration(request: RegistrationRequest, now: datetime) -> None:
    """The confirmation link, or, when the address has an account, a note saying so instead."""
    if not request.send_mail:
        return
    registration = request.registration
    key = _key("registration", request.token)
    if request.known_user is not None:
        write(db.session, MailKind.REGISTRATION, key, [request.known_user], None,
              "registration_known", now, organisation=registration.organisation_name,
              login=external_url("auth.login"),
              forgot=external_url("auth.forgot_password"))
        return
    _to_address(MailKind.REGISTRATION, key, registration.email, registration.name,
                "registration", now, organisation=registration.organisation_name,
                kvk=registration.kvk,
                link=external_url("registration.confirm", token=request.token),
                hours=int(REGISTRATION_LINK_VALID.total_seconds() // 3600),
                valid_until=_until(registration.expires_at))


def send_invitation(invitation: Invitation, token: str, now: datetime) -> None:
    _to_address(MailKind.INVITATION, _key("invitation", token), invitation.email,
                invitation.name, "invitation", now,
                organisation=invitation.organisation.name,
                inviter=invitation.invited_by.name,
                as_administrator=invitation.as_administrator,
                link=external_url("registration.invitation", token=token),
                days=INVITATION_LINK_VALID.days, valid_until=_until(invitation.expires_at))
