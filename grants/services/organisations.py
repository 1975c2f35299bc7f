"""An organisation's own details: the postal address its letters go to and the account its
grants are paid to. Applicants keep them up to date; every change is in the admin's log.

Like every service this flushes and never commits; a refusal raises ValidationFailed naming
the fields, with nothing changed that the caller's rollback does not undo.
"""

from datetime import datetime

from flask_babel import gettext as _
from stdnum import iban as stdnum_iban

from grants.errors import ValidationFailed
from grants.extensions import db
from grants.models import AdminAction, AdminEvent, Organisation, User
from grants.models.organisations import validate_dutch_iban

DETAIL_FIELDS = ("contact_name", "address", "postcode", "city", "iban")
MAX_LENGTHS = {"contact_name": 200, "address": 200, "city": 100}


def format_iban(compact: str) -> str:
    """An IBAN in groups of four, as printed on a bank card: NL91 ABNA 0417 1643 00."""
    return stdnum_iban.format(compact) if compact else ""


def mask_iban(compact: str) -> str:
    """Only the last four characters: enough to recognise an account in the log, not to use it."""
    if not compact:
        return ""
    return "*" * (len(compact) - 4) + compact[-4:]


def _iban_message(value: str) -> str:
    compact = stdnum_iban.compact(value)
    if compact[:2].isalpha() and not compact.upper().startswith("NL"):
        return _("Vul een Nederlands IBAN in (het begint met NL).")
    return _("Dit IBAN klopt niet: controleer het nummer, bijvoorbeeld NL91 ABNA 0417 1643 00.")


def change_details(organisation: Organisation, *, actor: User, now: datetime, address: str,
                   postcode: str, city: str, iban: str, contact_name: str | None = None) -> bool:
    """Stores the organisation's address and IBAN, and the person letters are addressed to
    (optional; None leaves it as it is); False when nothing changed (nothing logged)."""
    values = {"address": (address or "").strip(), "postcode": (postcode or "").strip(),
              "city": (city or "").strip(), "iban": (iban or "").strip(),
              "contact_name": (organisation.contact_name if contact_name is None
                               else " ".join(contact_name.split()))}
    errors: dict[str, list[str]] = {}
    required = {"address": _("Vul het adres in: straat en huisnummer, of een postbus."),
                "postcode": _("Vul de postcode in, bijvoorbeeld 2500 BJ."),
                "city": _("Vul de plaats in."),
                "iban": _("Vul het IBAN in waarop de subsidie wordt betaald.")}
    for field, message in required.items():
        if not values[field]:
            errors[field] = [message]
    for field, limit in MAX_LENGTHS.items():
        if len(values[field]) > limit:
            errors[field] = [_("Houd dit onder de %(limit)d tekens.", limit=limit)]

    normalised = dict(values)
    if "postcode" not in errors:
        try:
            # The model's own check, so the page and the model never disagree on a postcode.
            normalised["postcode"] = Organisation._validate_postcode(
                organisation, "postcode", values["postcode"])
        except ValueError:
            errors["postcode"] = [_("Vul een Nederlandse postcode in: vier cijfers en twee "
                                    "letters, bijvoorbeeld 2500 BJ.")]
    if "iban" not in errors:
        try:
            normalised["iban"] = validate_dutch_iban(values["iban"])
        except ValueError:
            errors["iban"] = [_iban_message(values["iban"])]
    if errors:
        raise ValidationFailed(_("De organisatiegegevens zijn niet gewijzigd."), errors)

    changes = {field: [getattr(organisation, field) or "", normalised[field]]
               for field in DETAIL_FIELDS
               if (getattr(organisation, field) or "") != normalised[field]}
    if not changes:
        return False
    for field, (_old, new) in changes.items():
        setattr(organisation, field, new)
    if "iban" in changes:
        changes["iban"] = [mask_iban(value) for value in changes["iban"]]
    db.session.add(AdminEvent(action=AdminAction.ORGANISATION_CHANGED, actor_id=actor.id, at=now,
                              organisation_id=organisation.id, data={"organisation": changes}))
    db.session.flush()
    return True
