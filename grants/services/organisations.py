"""Organisations: the register staff keep (name, KvK number, kind, region; made, edited,
verified, deactivated with a reason) and the details applicants keep themselves (the postal
address letters go to and the account grants are paid to). Every change is in the admin's log.
A new IBAN does not take effect at once: it waits for a second person (grants.services
.iban_changes).

Like every service this flushes and never commits; a refusal raises ValidationFailed naming
the fields, with nothing changed that the caller's rollback does not undo.
"""

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import gettext as _
from stdnum import iban as stdnum_iban

from grants.errors import Conflict, NotFound, ValidationFailed
from grants.extensions import db
from grants.identifiers import InvalidIdentifier, normalise_kvk
from grants.models import (
    AdminAction,
    AdminEvent,
    IbanChange,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Region,
    Role,
    User,
)
from grants.models.organisations import validate_dutch_iban
from grants.services.iban_changes import (  # format_iban: the pages find it here too
    format_iban,  # noqa: F401
    mask_iban,
    request_iban_change,
)

Errors = dict[str, list[str]]

DETAIL_FIELDS = ("contact_name", "address", "postcode", "city", "iban")
MAX_LENGTHS = {"contact_name": 200, "address": 200, "city": 100}


class Saved(NamedTuple):
    """What saving an organisation's details did."""

    changed: bool  # details stored at once (and logged)
    iban_change: IbanChange | None  # a new IBAN, now waiting for a second person


def _iban_message(value: str) -> str:
    compact = stdnum_iban.compact(value)
    if compact[:2].isalpha() and not compact.upper().startswith("NL"):
        return _("Vul een Nederlands IBAN in (het begint met NL).")
    return _("Dit IBAN klopt niet: controleer het nummer, bijvoorbeeld NL91 ABNA 0417 1643 00.")


def _clean_details(raw: dict, errors: Errors, *, required: bool) -> dict[str, str]:
    """The address, contact person and IBAN as stored (postcode "2500 BJ", IBAN compact);
    each problem filed under its field. ``required``: address and IBAN must be given."""
    values = {"address": (raw.get("address") or "").strip(),
              "postcode": (raw.get("postcode") or "").strip(),
              "city": (raw.get("city") or "").strip(), "iban": (raw.get("iban") or "").strip(),
              "contact_name": " ".join((raw.get("contact_name") or "").split())}
    if required:
        messages = {"address": _("Vul het adres in: straat en huisnummer, of een postbus."),
                    "postcode": _("Vul de postcode in, bijvoorbeeld 2500 BJ."),
                    "city": _("Vul de plaats in."),
                    "iban": _("Vul het IBAN in waarop de subsidie wordt betaald.")}
        for field, message in messages.items():
            if not values[field]:
                errors[field] = [message]
    for field, limit in MAX_LENGTHS.items():
        if len(values[field]) > limit:
            errors[field] = [_("Houd dit onder de %(limit)d tekens.", limit=limit)]

    normalised = dict(values)
    if "postcode" not in errors and values["postcode"]:
        try:
            # The model's own check, so the page and the model never disagree on a postcode.
            normalised["postcode"] = Organisation._validate_postcode(
                None, "postcode", values["postcode"])
        except ValueError:
            errors["postcode"] = [_("Vul een Nederlandse postcode in: vier cijfers en twee "
                                    "letters, bijvoorbeeld 2500 BJ.")]
    if "iban" not in errors and values["iban"]:
        try:
            normalised["iban"] = validate_dutch_iban(values["iban"])
        except ValueError:
            errors["iban"] = [_iban_message(values["iban"])]
    return normalised


def _detail_changes(organisation: Organisation, values: dict[str, str]) -> dict[str, list]:
    """[old, new] of each detail that differs, the IBAN masked (the log is read by many)."""
    changes = {field: [getattr(organisation, field) or "", values[field]]
               for field in DETAIL_FIELDS
               if (getattr(organisation, field) or "") != values[field]}
    if "iban" in changes:
        changes["iban"] = [mask_iban(value) for value in changes["iban"]]
    return changes


def _hold_iban(organisation: Organisation, values: dict[str, str], *, actor: User,
               now: datetime) -> IbanChange | None:
    """A new IBAN in ``values`` becomes a change waiting for a second person, and ``values``
    keeps the organisation's own, so that it is stored as it was."""
    if values["iban"] == (organisation.iban or ""):
        return None
    try:
        change = request_iban_change(organisation, values["iban"], actor=actor, now=now)
    except ValidationFailed as refused:
        raise ValidationFailed(_("De organisatiegegevens zijn niet gewijzigd."),
                               refused.fields) from None
    values["iban"] = organisation.iban or ""
    return change


def change_details(organisation: Organisation, *, actor: User, now: datetime, address: str,
                   postcode: str, city: str, iban: str, contact_name: str | None = None) -> Saved:
    """Stores the organisation's address and the person letters are addressed to (optional;
    None leaves it as it is) at once; a new IBAN waits for a second person. Nothing logged
    for what did not change."""
    errors: Errors = {}
    normalised = _clean_details(
        {"address": address, "postcode": postcode, "city": city, "iban": iban,
         "contact_name": organisation.contact_name if contact_name is None else contact_name},
        errors, required=True)
    if errors:
        raise ValidationFailed(_("De organisatiegegevens zijn niet gewijzigd."), errors)

    iban_change = _hold_iban(organisation, normalised, actor=actor, now=now)
    changes = _detail_changes(organisation, normalised)
    if not changes:
        return Saved(False, iban_change)
    for field in changes:
        setattr(organisation, field, normalised[field])
    db.session.add(AdminEvent(action=AdminAction.ORGANISATION_CHANGED, actor_id=actor.id, at=now,
                              organisation_id=organisation.id, data={"organisation": changes}))
    db.session.flush()
    return Saved(True, iban_change)


# -- the register staff keep --------------------------------------------------------------------

REGISTER_FIELDS = ("name", "kvk", "kind", "region")
REASON_MAX = 1000


def get_organisation(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(_("Deze organisatie bestaat niet."))
    return organisation


def visible_organisations(user: User, *, status: str | None = None, kind: str | None = None,
                          region: str | None = None, search: str | None = None) -> sa.Select:
    """Staff see the register; an applicant sees only their own organisation."""
    stmt = sa.select(Organisation).order_by(sa.func.lower(Organisation.name), Organisation.id)
    if not user.has_role(Role.ADMIN):
        stmt = stmt.where(Organisation.id == user.organisation_id
                          if user.organisation_id is not None else sa.false())
    if status:
        stmt = stmt.where(Organisation.status == OrganisationStatus(status))
    if kind:
        stmt = stmt.where(Organisation.kind == OrganisationKind(kind))
    if region:
        stmt = stmt.where(Organisation.region == Region(region))
    if search and search.strip():
        text = search.strip()
        stmt = stmt.where(sa.or_(Organisation.name.ilike(f"%{text}%"),
                                 Organisation.kvk == text.replace(" ", "")))
    return stmt


def visible_organisation(organisation_id: int, user: User) -> Organisation:
    """404 for an organisation that is not the caller's: never a hint that it exists."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not (user.has_role(Role.ADMIN)
                                    or organisation.id == user.organisation_id):
        raise NotFound()
    return organisation


def _clean_register(raw: dict, errors: Errors, *, organisation: Organisation | None = None
                    ) -> dict:
    """Name, KvK number (8 digits, unique), kind and region, as stored."""
    values: dict = {}
    name = " ".join((raw.get("name") or "").split())
    if not name:
        errors["name"] = [_("Vul de naam van de organisatie in, zoals in het Handelsregister.")]
    elif len(name) > 200:
        errors["name"] = [_("Houd dit onder de %(limit)d tekens.", limit=200)]
    values["name"] = name

    kvk = (raw.get("kvk") or "").strip()
    if not kvk:
        errors["kvk"] = [_("Vul het KvK-nummer in: 8 cijfers.")]
    else:
        try:
            kvk = normalise_kvk(kvk)
        except InvalidIdentifier:
            errors["kvk"] = [_("Een KvK-nummer bestaat uit 8 cijfers, bijvoorbeeld 12345678; "
                               "00000000 bestaat niet.")]
        else:
            holder = db.session.scalars(
                sa.select(Organisation).where(Organisation.kvk == kvk)).one_or_none()
            if holder is not None and holder is not organisation:
                errors["kvk"] = [_("Er is al een organisatie met KvK-nummer %(kvk)s: "
                                   "%(name)s.", kvk=kvk, name=holder.name)]
    values["kvk"] = kvk

    kind = raw.get("kind") or ""
    if kind not in {member.value for member in OrganisationKind}:
        errors["kind"] = [_("Kies de soort organisatie.")]
    else:
        values["kind"] = OrganisationKind(kind)
    region = raw.get("region") or ""
    if region not in {member.value for member in Region}:
        errors["region"] = [_("Kies het landsdeel.")]
    else:
        values["region"] = Region(region)
    return values


def _reason(reason: str | None, errors: Errors, message: str) -> str:
    text = (reason or "").strip()
    if not text:
        errors["reason"] = [message]
    elif len(text) > REASON_MAX:
        errors["reason"] = [_("Houd de reden onder de %(limit)d tekens.", limit=REASON_MAX)]
    return text


def _log(action: AdminAction, organisation: Organisation, actor: User, now: datetime, *,
         reason: str = "", data: dict | None = None) -> None:
    db.session.add(AdminEvent(action=action, actor_id=actor.id, at=now,
                              organisation_id=organisation.id, reason=reason, data=data or {}))
    db.session.flush()


def _register_json(organisation: Organisation) -> dict:
    return {"name": organisation.name, "kvk": organisation.kvk,
            "kind": organisation.kind.value, "region": organisation.region.value}


def create_organisation(*, actor: User, now: datetime, name: str, kvk: str, kind: str,
                        region: str, address: str = "", postcode: str = "", city: str = "",
                        iban: str = "", contact_name: str = "") -> Organisation:
    """An organisation entered by staff: verified by the one who enters it (staff check the
    register before they enter it). Address and IBAN may follow later."""
    errors: Errors = {}
    register = _clean_register({"name": name, "kvk": kvk, "kind": kind, "region": region},
                               errors)
    details = _clean_details({"address": address, "postcode": postcode, "city": city,
                              "iban": iban, "contact_name": contact_name}, errors,
                             required=False)
    if errors:
        raise ValidationFailed(_("De organisatie is niet aangemaakt."), errors)
    organisation = Organisation(**register, **details, created_at=now,
                                status=OrganisationStatus.VERIFIED, verified_at=now,
                                verified_by_name=actor.name)
    db.session.add(organisation)
    db.session.flush()
    _log(AdminAction.ORGANISATION_CREATED, organisation, actor, now,
         data={"registration": _register_json(organisation)})
    return organisation


def update_organisation(organisation: Organisation, *, actor: User, now: datetime, name: str,
                        kvk: str, kind: str, region: str, address: str, postcode: str,
                        city: str, iban: str, contact_name: str) -> Saved:
    """Staff correct the register and the details; a new IBAN waits for a second person, as
    an applicant's does. Emptying the IBAN takes effect at once: it can only stop payments,
    never divert them (e.g. when the account is known to be misused)."""
    errors: Errors = {}
    register = _clean_register({"name": name, "kvk": kvk, "kind": kind, "region": region},
                               errors, organisation=organisation)
    details = _clean_details({"address": address, "postcode": postcode, "city": city,
                              "iban": iban, "contact_name": contact_name}, errors,
                             required=False)
    if errors:
        raise ValidationFailed(_("De organisatie is niet gewijzigd."), errors)
    iban_change = None
    if details["iban"]:
        try:
            iban_change = _hold_iban(organisation, details, actor=actor, now=now)
        except ValidationFailed as refused:
            raise ValidationFailed(_("De organisatie is niet gewijzigd."),
                                   refused.fields) from None
    before = _register_json(organisation)
    after = {key: getattr(value, "value", value) for key, value in register.items()}
    registration = {field: [before[field], after[field]] for field in REGISTER_FIELDS
                    if before[field] != after[field]}
    changes = _detail_changes(organisation, details)
    if not registration and not changes:
        return Saved(False, iban_change)
    for field, value in register.items():
        setattr(organisation, field, value)
    for field in DETAIL_FIELDS:
        setattr(organisation, field, details[field])
    data = {}
    # Under "organisation" only the details the log page already names; the register's own
    # fields under a key of their own.
    if changes:
        data["organisation"] = changes
    if registration:
        data["registration"] = registration
    _log(AdminAction.ORGANISATION_CHANGED, organisation, actor, now, data=data)
    return Saved(True, iban_change)


def verify_organisation(organisation: Organisation, *, actor: User, now: datetime,
                        signatory: str, kvk_checked: bool, signatory_checked: bool,
                        reason: str) -> bool:
    """Staff verified a pending organisation: its KvK registration and who signs for it are
    checked, with the reason recorded. From then on its users may submit."""
    if organisation.status != OrganisationStatus.PENDING:
        raise Conflict(_("%(name)s wacht niet op controle: de status is %(status)s.",
                         name=organisation.name, status=_(organisation.status_label)))
    errors: Errors = {}
    signatory = " ".join((signatory or "").split())
    if not signatory:
        errors["signatory"] = [_("Vul in wie volgens het Handelsregister voor de organisatie "
                                 "mag tekenen.")]
    elif len(signatory) > 200:
        errors["signatory"] = [_("Houd dit onder de %(limit)d tekens.", limit=200)]
    if not kvk_checked:
        errors["kvk_checked"] = [_("Bevestig dat u het KvK-nummer in het Handelsregister hebt "
                                   "gecontroleerd.")]
    if not signatory_checked:
        errors["signatory_checked"] = [_("Bevestig dat u hebt gecontroleerd dat deze persoon "
                                         "voor de organisatie mag tekenen.")]
    text = _reason(reason, errors, _("Vul in waarop de controle berust, bijvoorbeeld het "
                                     "uittreksel uit het Handelsregister met datum."))
    if errors:
        raise ValidationFailed(_("De organisatie is niet als gecontroleerd vastgelegd."), errors)
    organisation.status = OrganisationStatus.VERIFIED
    organisation.verified_at = now
    organisation.verified_by_name = actor.name
    organisation.signatory = signatory
    organisation.status_reason = text
    _log(AdminAction.ORGANISATION_VERIFIED, organisation, actor, now, reason=text,
         data={"status": ["pending", "verified"], "kvk": organisation.kvk,
               "signatory": signatory, "checked": ["kvk", "signatory"]})
    return True


def _status_before_deactivation(organisation: Organisation) -> OrganisationStatus:
    """What the last deactivation ended (its log entry keeps it); verified when unknown."""
    event = db.session.scalars(
        sa.select(AdminEvent).where(
            AdminEvent.organisation_id == organisation.id,
            AdminEvent.action == AdminAction.ORGANISATION_DEACTIVATED)
        .order_by(AdminEvent.at.desc(), AdminEvent.id.desc()).limit(1)).one_or_none()
    before = ((event.data or {}).get("status") or [None])[0] if event else None
    if before == OrganisationStatus.PENDING.value:
        return OrganisationStatus.PENDING
    return OrganisationStatus.VERIFIED


def set_organisation_active(organisation: Organisation, active: bool, *, actor: User,
                            now: datetime, reason: str) -> bool:
    """Deactivate an organisation (its users can no longer submit), or make it active again
    as it was before (pending stays pending). Always with a reason; False when it already
    was so (nothing logged)."""
    errors: Errors = {}
    text = _reason(reason, errors, _("Vul de reden in.") if active else
                   _("Vul de reden in waarom de organisatie wordt gedeactiveerd."))
    is_active = organisation.status != OrganisationStatus.DEACTIVATED
    if is_active == active:
        return False
    if errors:
        raise ValidationFailed(_("De status van de organisatie is niet gewijzigd."), errors)
    old = organisation.status
    if active:
        organisation.status = _status_before_deactivation(organisation)
    else:
        organisation.status = OrganisationStatus.DEACTIVATED
    organisation.status_reason = text
    _log(AdminAction.ORGANISATION_REACTIVATED if active
         else AdminAction.ORGANISATION_DEACTIVATED, organisation, actor, now, reason=text,
         data={"status": [old.value, organisation.status.value]})
    return True


def ensure_may_submit(organisation: Organisation) -> None:
    """Only a verified organisation files: one still pending or deactivated is refused (422,
    field ``organisation``), before any of the workflow's own checks."""
    if organisation.status == OrganisationStatus.VERIFIED:
        return
    if organisation.status == OrganisationStatus.PENDING:
        message = _("%(name)s wacht nog op controle door het ministerie. U kunt indienen zodra "
                    "de organisatie is gecontroleerd.", name=organisation.name)
    else:
        message = _("%(name)s is gedeactiveerd: u kunt geen aanvragen meer indienen. Neem "
                    "contact op met het ministerie.", name=organisation.name)
    raise ValidationFailed(message, {"organisation": [message]})


def organisation_events(organisation: Organisation) -> list[AdminEvent]:
    """The organisation's history in the admin log, the newest first."""
    return list(db.session.scalars(
        sa.select(AdminEvent).where(AdminEvent.organisation_id == organisation.id)
        .order_by(AdminEvent.at.desc(), AdminEvent.id.desc())))


def organisation_users(organisation: Organisation) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).where(User.organisation_id == organisation.id)
        .order_by(User.name, User.email)))
