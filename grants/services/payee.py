"""Whom a grant is paid to: only ever the organisation's confirmed IBAN.

The organisation's IBAN changes only once a second person confirms it
(grants.services.iban_changes). A praktijkleren application names an IBAN of its own as well
(domain.md: "Required per application: KvK number, IBAN"), typed by one person; were it paid,
anyone with the account could divert the grant by filing with their own. So an application may
name no other account than the confirmed one: sending it (first, or completed on request) with
another is refused on the field ``iban``, and payment runs pay the organisation's IBAN
(grants.payments.payables).
"""

from collections.abc import Callable

from flask_babel import gettext as _
from stdnum import iban as stdnum_iban

from grants.errors import ValidationFailed
from grants.models import Application
from grants.services.receipts import mask_iban

ORGANISATION_PAGE = "/portaal/organisatie"


def named_iban(application: Application) -> str:
    """The IBAN the application itself names, compact; "" when it names none."""
    return stdnum_iban.compact((application.details or {}).get("iban") or "")


def confirmed_iban(application: Application) -> str:
    return stdnum_iban.compact(application.organisation.iban or "")


def iban_mismatch(application: Application) -> str | None:
    """What is wrong with the account the application names, or None when it is the
    organisation's confirmed IBAN (or names none: completeness tells that it is missing)."""
    named = named_iban(application)
    if not named:
        return None
    confirmed = confirmed_iban(application)
    if named == confirmed:
        return None
    if not confirmed:
        return _("Uw organisatie heeft nog geen bevestigd IBAN, en de subsidie wordt alleen op "
                 "het bevestigde IBAN van de organisatie betaald. Vul het IBAN in onder "
                 "Organisatie (%(page)s); een collega of het ministerie bevestigt het. Vul "
                 "daarna hier hetzelfde IBAN in.", page=ORGANISATION_PAGE)
    return _("De subsidie wordt alleen betaald op het bevestigde IBAN van uw organisatie "
             "(%(iban)s); vul hier dat IBAN in. Moet het op een andere rekening, wijzig dan het "
             "IBAN van de organisatie onder Organisatie (%(page)s); een collega of het "
             "ministerie bevestigt die wijziging.", iban=mask_iban(confirmed),
             page=ORGANISATION_PAGE)


def ensure_paid_to_confirmed_iban(application: Application,
                                  engine_check: Callable[[], None]) -> None:
    """Refuse (422, field ``iban``) to send an application that names another account than
    the organisation's confirmed IBAN. ``engine_check`` runs the workflow's own guards first,
    so that one answer names every field still wrong, this one among them."""
    message = iban_mismatch(application)
    if message is None:
        return
    try:
        engine_check()
    except ValidationFailed as refused:
        refused.fields = {**refused.fields, "iban": [*refused.fields.get("iban", []), message]}
        raise
    raise ValidationFailed(_("De aanvraag noemt een ander IBAN dan het bevestigde IBAN van de "
                             "organisatie."), {"iban": [message]})
