"""Getting in without an administrator who knows your password.

Self-registration: someone registers their organisation and themselves; a mailed link (24
hours, once) lets them choose a password, and only then are the organisation (pending until
staff verify it) and the account made, the registrant as the organisation's administrator.
The form answers the same whether or not the address has an account; a KvK number that is
already registered is named (the KvK register is public), with whom to ask for an invitation.

Invitations: the organisation's administrator, or staff, invite a colleague by name and address,
optionally as a co-administrator; the link works once, for 7 days. The administrator also sees
the colleagues and deactivates their accounts.

Links are stored as their SHA-256 only. Every step that changes who belongs to an organisation
writes an admin log row, which staff see on the organisation's page. Like every service these
flush and never commit; a refusal raises ValidationFailed naming the fields.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import gettext as _

from grants.errors import Conflict, Forbidden, NotFound, ValidationFailed
from grants.extensions import db
from grants.models import (
    AdminAction,
    AdminEvent,
    Invitation,
    InvitationState,
    Organisation,
    OrganisationStatus,
    Registration,
    Role,
    User,
)
from grants.services.accounts import _EMAIL, Throttled, create_user, end_sessions

# The organisations service's own checks of the register's fields and of an address, so that a
# registration and an organisation staff enter are judged alike.
from grants.services.organisations import _clean_details, _clean_register

REGISTRATION_LINK_VALID = timedelta(hours=24)
INVITATION_LINK_VALID = timedelta(days=7)
# The form sends mail to any address typed in: a few registrations an hour from one client
# address are enough for a typo or two, too few to use it for spam.
MAX_REGISTRATIONS_PER_ADDRESS = 5
REGISTRATION_THROTTLE_WINDOW = timedelta(hours=1)
# And from many addresses, one mailbox gets no more than this a day.
MAX_REGISTRATION_MAILS_PER_EMAIL = 3
REGISTRATION_MAIL_WINDOW = timedelta(hours=24)

Errors = dict[str, list[str]]


def _token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def _log(action: AdminAction, *, actor: User | None, organisation: Organisation, now: datetime,
         user: User | None = None, reason: str = "", data: dict | None = None) -> AdminEvent:
    event = AdminEvent(action=action, actor_id=actor.id if actor else None, at=now,
                       organisation_id=organisation.id, user_id=user.id if user else None,
                       reason=reason, data=data or {})
    db.session.add(event)
    db.session.flush()
    return event


def _person(raw_name: str, raw_email: str, errors: Errors) -> tuple[str, str]:
    name = " ".join((raw_name or "").split())
    if not name:
        errors["name"] = [_("Vul de naam in.")]
    elif len(name) > 200:
        errors["name"] = [_("Houd dit onder de %(limit)d tekens.", limit=200)]
    email = (raw_email or "").strip().lower()
    if not email:
        errors["email"] = [_("Vul het e-mailadres in.")]
    elif len(email) > 254 or not _EMAIL.fullmatch(email):
        errors["email"] = [_("Vul een geldig e-mailadres in, bijvoorbeeld naam@organisatie.nl.")]
    return name, email


def _user_by_email(email: str) -> User | None:
    return db.session.scalars(sa.select(User).where(User.email == email)).one_or_none()


class LinkProblem(StrEnum):
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"


# -- self-registration --------------------------------------------------------------------------

class RegistrationThrottled(Throttled):
    reason = "too many registrations from this address"


@dataclass(frozen=True)
class RegistrationRequest:
    registration: Registration
    # The link's token: in the mail only, never stored.
    token: str
    # The account the address already has: its mail says so and carries no link.
    known_user: User | None
    # False when the address has had its share of mails today: the page says the same.
    send_mail: bool


def _throttle(client_address: str, now: datetime) -> None:
    since = now - REGISTRATION_THROTTLE_WINDOW
    recent = list(db.session.scalars(
        sa.select(Registration.created_at)
        .where(Registration.client_address == client_address, Registration.created_at > since)
        .order_by(Registration.created_at)))
    if len(recent) >= MAX_REGISTRATIONS_PER_ADDRESS:
        # Free again once the oldest counted one leaves the window.
        oldest = recent[len(recent) - MAX_REGISTRATIONS_PER_ADDRESS]
        raise RegistrationThrottled(oldest + REGISTRATION_THROTTLE_WINDOW - now)


def _kvk_taken_message(holder: Organisation) -> str:
    return _("%(name)s (KvK-nummer %(kvk)s) is al aangemeld. Vraag de beheerder van %(name)s "
             "in uw organisatie om een uitnodiging; u hoeft de organisatie niet opnieuw aan te "
             "melden.", name=holder.name, kvk=holder.kvk)


def _clean_organisation(raw: dict, errors: Errors) -> dict:
    """The organisation's register fields and postal address as stored, errors under the
    registration form's field names."""
    register_errors: Errors = {}
    register = _clean_register(
        {"name": raw.get("organisation_name"), "kvk": raw.get("kvk"), "kind": raw.get("kind"),
         "region": raw.get("region")}, register_errors)
    if "kvk" in register_errors and register.get("kvk"):
        holder = db.session.scalars(
            sa.select(Organisation).where(Organisation.kvk == register["kvk"])).one_or_none()
        if holder is not None:
            register_errors["kvk"] = [_kvk_taken_message(holder)]
    if "name" in register_errors:
        register_errors["organisation_name"] = register_errors.pop("name")
    errors.update(register_errors)

    details = _clean_details({"address": raw.get("address"), "postcode": raw.get("postcode"),
                              "city": raw.get("city")}, errors, required=False)
    for field, message in (
            ("address", _("Vul het adres in: straat en huisnummer, of een postbus.")),
            ("postcode", _("Vul de postcode in, bijvoorbeeld 2500 BJ.")),
            ("city", _("Vul de plaats in."))):
        if not details[field] and field not in errors:
            errors[field] = [message]
    return {"organisation_name": register.get("name", ""), "kvk": register.get("kvk", ""),
            "kind": register.get("kind"), "region": register.get("region"),
            "address": details["address"], "postcode": details["postcode"],
            "city": details["city"]}


def request_registration(*, organisation_name: str, kvk: str, kind: str, region: str,
                         address: str, postcode: str, city: str, name: str, email: str,
                         client_address: str, now: datetime) -> RegistrationRequest:
    """Keep a registration and make its link. Raises RegistrationThrottled (nothing kept) when
    the client address has registered too often this hour, ValidationFailed for bad fields."""
    client_address = (client_address or "unknown")[:64]
    _throttle(client_address, now)
    errors: Errors = {}
    organisation = _clean_organisation(
        {"organisation_name": organisation_name, "kvk": kvk, "kind": kind, "region": region,
         "address": address, "postcode": postcode, "city": city}, errors)
    person_name, email = _person(name, email, errors)
    if errors:
        raise ValidationFailed(_("De aanmelding is niet verstuurd."), errors)

    mails_today = db.session.scalar(sa.select(sa.func.count(Registration.id)).where(
        Registration.email == email,
        Registration.created_at > now - REGISTRATION_MAIL_WINDOW))
    token = secrets.token_urlsafe(32)
    registration = Registration(
        token_hash=_token_hash(token), email=email, name=person_name,
        organisation_name=organisation["organisation_name"], kvk=organisation["kvk"],
        kind=organisation["kind"], region=organisation["region"],
        address=organisation["address"], postcode=organisation["postcode"],
        city=organisation["city"], client_address=client_address, created_at=now,
        expires_at=now + REGISTRATION_LINK_VALID)
    db.session.add(registration)
    db.session.flush()
    return RegistrationRequest(registration, token, _user_by_email(email),
                               mails_today < MAX_REGISTRATION_MAILS_PER_EMAIL)


def registration_link(token: str, now: datetime) -> tuple[Registration | None,
                                                          LinkProblem | None]:
    """The registration ``token`` confirms, and what keeps it from being used (None: nothing)."""
    row = db.session.scalars(sa.select(Registration).where(
        Registration.token_hash == _token_hash(token))).one_or_none()
    if row is None:
        return None, LinkProblem.UNKNOWN
    if row.confirmed_at is not None:
        return row, LinkProblem.USED
    if now >= row.expires_at:
        return row, LinkProblem.EXPIRED
    return row, None


REGISTRATION_LINK_MESSAGES = {
    LinkProblem.UNKNOWN: lambda: _("Deze link om uw aanmelding te bevestigen is ongeldig. "
                                   "Controleer of u de hele link uit de e-mail hebt gebruikt, "
                                   "of meld uw organisatie opnieuw aan."),
    LinkProblem.USED: lambda: _("Deze aanmelding is al bevestigd: de link werkt één keer. Log in "
                                "met het wachtwoord dat u toen koos."),
    LinkProblem.EXPIRED: lambda: _("Deze link is verlopen: een link is 24 uur geldig. Meld uw "
                                   "organisatie opnieuw aan."),
}


def _register_json(organisation: Organisation) -> dict:
    return {"name": organisation.name, "kvk": organisation.kvk,
            "kind": organisation.kind.value, "region": organisation.region.value}


def _account_exists_message() -> str:
    return _("Er bestaat al een account met dit e-mailadres. Log in met dat account, of vraag "
             "een nieuw wachtwoord aan als u het niet meer weet.")


def _new_applicant(*, email: str, name: str, password: str, organisation: Organisation,
                   manages: bool) -> User:
    try:
        user = create_user(email=email, name=name, roles={Role.APPLICANT}, password=password,
                           organisation=organisation)
    except ValidationFailed as refused:
        fields = dict(refused.fields)
        if "password" in fields:
            fields["new_password"] = fields.pop("password")
        raise ValidationFailed(_("Het account is niet aangemaakt."), fields) from refused
    user.manages_organisation = manages
    return user


def confirm_registration(token: str, password: str, now: datetime) -> User:
    """The link opened and a password chosen: the organisation (pending) and its first account,
    the organisation's administrator, are made, and the link is spent."""
    registration, problem = registration_link(token, now)
    if problem is not None:
        raise ValidationFailed(REGISTRATION_LINK_MESSAGES[problem]())
    # Someone may have registered the KvK number or made the account since the link was sent.
    holder = db.session.scalars(sa.select(Organisation).where(
        Organisation.kvk == registration.kvk)).one_or_none()
    if holder is not None:
        raise ValidationFailed(_kvk_taken_message(holder))
    if _user_by_email(registration.email) is not None:
        raise ValidationFailed(_account_exists_message())

    organisation = Organisation(
        name=registration.organisation_name, kvk=registration.kvk, kind=registration.kind,
        region=registration.region, address=registration.address,
        postcode=registration.postcode, city=registration.city, created_at=now,
        status=OrganisationStatus.PENDING)
    db.session.add(organisation)
    db.session.flush()
    user = _new_applicant(email=registration.email, name=registration.name, password=password,
                          organisation=organisation, manages=True)
    registration.confirmed_at = now
    registration.organisation_id = organisation.id
    registration.user_id = user.id
    _log(AdminAction.ORGANISATION_REGISTERED, actor=user, organisation=organisation, user=user,
         now=now, data={"registration": _register_json(organisation), "email": user.email})
    return user


# -- who manages an organisation ----------------------------------------------------------------

def may_manage(user: User, organisation: Organisation) -> bool:
    """Staff admins manage every organisation's accounts; an applicant only their own, when they
    are its administrator."""
    if user.has_role(Role.ADMIN):
        return True
    return (user.has_role(Role.APPLICANT) and user.manages_organisation
            and user.organisation_id == organisation.id)


def managed_organisation(user: User) -> Organisation:
    """The organisation ``user`` administers in the portal; 403 for an applicant who is not its
    administrator (the page exists, the right is missing)."""
    organisation = user.organisation
    if organisation is None or not user.manages_organisation:
        raise Forbidden(_("Alleen de beheerder van uw organisatie kan collega's uitnodigen en "
                          "hun accounts beheren."))
    return organisation


def colleagues(organisation: Organisation) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).where(User.organisation_id == organisation.id)
        .order_by(User.active.desc(), sa.func.lower(User.name), User.email)))


def open_invitations(organisation: Organisation, now: datetime) -> list[Invitation]:
    return list(db.session.scalars(
        sa.select(Invitation).where(
            Invitation.organisation_id == organisation.id, Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None), Invitation.expires_at > now)
        .order_by(Invitation.created_at, Invitation.id)))


def _active_administrators(organisation: Organisation) -> int:
    return db.session.scalar(sa.select(sa.func.count(User.id)).where(
        User.organisation_id == organisation.id, User.active, User.manages_organisation))


# -- invitations --------------------------------------------------------------------------------

def invite_colleague(organisation: Organisation, *, actor: User, name: str, email: str,
                     as_administrator: bool, now: datetime) -> tuple[Invitation, str]:
    """An invitation and its link's token (for the mail only).

    Whether the address already has an account is not said here, so that an organisation's
    administrator cannot probe addresses; opening the link tells the invitee instead.
    """
    if not may_manage(actor, organisation):
        raise NotFound()
    errors: Errors = {}
    person_name, email = _person(name, email, errors)
    if "email" not in errors and any(invitation.email == email for invitation
                                     in open_invitations(organisation, now)):
        errors["email"] = [_("Er staat al een uitnodiging open voor %(email)s. Trek die eerst in "
                             "als u opnieuw wilt uitnodigen.", email=email)]
    if errors:
        raise ValidationFailed(_("De uitnodiging is niet verstuurd."), errors)
    if organisation.status == OrganisationStatus.DEACTIVATED:
        raise ValidationFailed(_("%(name)s is gedeactiveerd: er kunnen geen collega's meer "
                                 "worden uitgenodigd.", name=organisation.name))
    token = secrets.token_urlsafe(32)
    invitation = Invitation(organisation_id=organisation.id, email=email, name=person_name,
                            as_administrator=bool(as_administrator),
                            token_hash=_token_hash(token), invited_by_id=actor.id,
                            created_at=now, expires_at=now + INVITATION_LINK_VALID)
    db.session.add(invitation)
    db.session.flush()
    _log(AdminAction.INVITATION_SENT, actor=actor, organisation=organisation, now=now,
         data={"invitation": {"id": invitation.id, "name": person_name, "email": email,
                              "as_administrator": invitation.as_administrator}})
    return invitation, token


def revoke_invitation(organisation: Organisation, invitation_id: int, *, actor: User,
                      now: datetime) -> Invitation:
    """404 for an invitation of another organisation, 409 for one no longer open."""
    if not may_manage(actor, organisation):
        raise NotFound()
    invitation = db.session.scalars(sa.select(Invitation).where(
        Invitation.id == invitation_id,
        Invitation.organisation_id == organisation.id)).one_or_none()
    if invitation is None:
        raise NotFound(_("Deze uitnodiging bestaat niet."))
    state = invitation.state(now)
    if state != InvitationState.OPEN:
        raise Conflict({
            InvitationState.ACCEPTED: _("De uitnodiging van %(email)s is al aangenomen.",
                                        email=invitation.email),
            InvitationState.REVOKED: _("De uitnodiging van %(email)s was al ingetrokken.",
                                       email=invitation.email),
            InvitationState.EXPIRED: _("De uitnodiging van %(email)s is al verlopen.",
                                       email=invitation.email),
        }[state])
    invitation.revoked_at = now
    invitation.revoked_by_id = actor.id
    _log(AdminAction.INVITATION_REVOKED, actor=actor, organisation=organisation, now=now,
         data={"invitation": {"id": invitation.id, "name": invitation.name,
                              "email": invitation.email}})
    return invitation


def invitation_link(token: str, now: datetime) -> tuple[Invitation | None, LinkProblem | None]:
    row = db.session.scalars(sa.select(Invitation).where(
        Invitation.token_hash == _token_hash(token))).one_or_none()
    if row is None:
        return None, LinkProblem.UNKNOWN
    problem = {InvitationState.ACCEPTED: LinkProblem.USED,
               InvitationState.REVOKED: LinkProblem.REVOKED,
               InvitationState.EXPIRED: LinkProblem.EXPIRED}.get(row.state(now))
    return row, problem


INVITATION_LINK_MESSAGES = {
    LinkProblem.UNKNOWN: lambda: _("Deze uitnodiging is ongeldig. Controleer of u de hele link "
                                   "uit de e-mail hebt gebruikt."),
    LinkProblem.USED: lambda: _("Deze uitnodiging is al gebruikt: de link werkt één keer. Log in "
                                "met het wachtwoord dat u toen koos."),
    LinkProblem.EXPIRED: lambda: _("Deze uitnodiging is verlopen: een uitnodiging is 7 dagen "
                                   "geldig. Vraag wie u uitnodigde om een nieuwe."),
    LinkProblem.REVOKED: lambda: _("Deze uitnodiging is ingetrokken. Vraag wie u uitnodigde om "
                                   "een nieuwe als u toch een account nodig hebt."),
}


def account_exists_for(invitation: Invitation) -> bool:
    return _user_by_email(invitation.email) is not None


def accept_invitation(token: str, password: str, now: datetime) -> User:
    """The invitee chose a password: the account is made in the organisation, the link spent."""
    invitation, problem = invitation_link(token, now)
    if problem is not None:
        raise ValidationFailed(INVITATION_LINK_MESSAGES[problem]())
    if account_exists_for(invitation):
        raise ValidationFailed(_account_exists_message())
    organisation = invitation.organisation
    if organisation.status == OrganisationStatus.DEACTIVATED:
        raise ValidationFailed(_("%(name)s is gedeactiveerd: er worden geen accounts meer "
                                 "aangemaakt. Neem contact op met het ministerie.",
                                 name=organisation.name))
    user = _new_applicant(email=invitation.email, name=invitation.name, password=password,
                          organisation=organisation, manages=invitation.as_administrator)
    invitation.accepted_at = now
    invitation.user_id = user.id
    _log(AdminAction.INVITATION_ACCEPTED, actor=user, organisation=organisation, user=user,
         now=now, data={"invitation": {"id": invitation.id, "name": invitation.name,
                                       "email": invitation.email,
                                       "as_administrator": invitation.as_administrator}})
    return user


def deactivate_colleague(organisation: Organisation, user_id: int, *, actor: User,
                         now: datetime) -> bool:
    """Deactivate a colleague's account (every session of it ends); False when it already was.
    404 for someone of another organisation; never one's own account, nor the organisation's
    last administrator."""
    if not may_manage(actor, organisation):
        raise NotFound()
    colleague = db.session.scalars(sa.select(User).where(
        User.id == user_id, User.organisation_id == organisation.id)).one_or_none()
    if colleague is None:
        raise NotFound(_("Deze collega bestaat niet."))
    if not colleague.active:
        return False
    if colleague.id == actor.id:
        raise ValidationFailed(_("U kunt uw eigen account hier niet deactiveren. Vraag een "
                                 "andere beheerder van uw organisatie of het ministerie."))
    if colleague.manages_organisation and _active_administrators(organisation) <= 1:
        raise ValidationFailed(_("%(name)s is de laatste beheerder van %(organisation)s en "
                                 "blijft actief.", name=colleague.name,
                                 organisation=organisation.name))
    colleague.active = False
    end_sessions(colleague)
    _log(AdminAction.USER_DEACTIVATED, actor=actor, organisation=organisation, user=colleague,
         now=now, data={"email": colleague.email})
    return True
