"""What an upheld objection gives the objector beyond the revocation (Awb 7:11, 7:15).

- Costs (Awb 7:15): revoked because of an error of the authority, the costs of professional
  help the objector asked for are reimbursed at the fixed rate of the Besluit proceskosten
  bestuursrecht: points × the value of a point, one point for the objection and one more for a
  hearing attended. The amount is stored on the objection, a payable that a payment run pays.
- A new settlement (Awb 7:11): upheld against a settlement (vaststelling) or a praktijkleren
  direct settlement, the new final amount the approver gives is settled in the same firing.
  The ledger commits what it adds, so the next payment run pays the difference; the application
  is settled again (a paid praktijkleren application included).
"""

from grants.budget import ledger
from grants.errors import ValidationFailed
from grants.extensions import db
from grants.models import Application, AuditEvent, EntryKind, Objection, PlaceCategory
from grants.money import format_eur
from grants.workflows import common
from grants.workflows.engine import Firing
from grants.workflows.fields import praktijkleren as places

# The value of one point for the objection phase (Besluit proceskosten bestuursrecht, bijlage,
# onderdeel A2). Assumed figure (€ 245 per point); the scheme's rules (admin-editable data,
# `objection_costs_point_cents`) override it, read when the costs are awarded.
COSTS_POINT_CENTS = 24500


# -- costs (Awb 7:15) -------------------------------------------------------------------------

def authority_error_given(f: Firing) -> bool:
    given = f.data.get("authority_error", False)
    if not isinstance(given, bool):
        raise ValidationFailed("Ongeldige waarde.", {"authority_error": [
            "Geef true (herroepen wegens onrechtmatigheid door het bestuursorgaan) of false."]})
    if given and f.data.get("outcome") != "upheld":
        raise ValidationFailed("Alleen bij een gegrond bezwaar.", {"authority_error": [
            "Alleen een besluit dat wordt herroepen, kan wegens onrechtmatigheid door het "
            "bestuursorgaan worden herroepen; het bezwaar is dan gegrond."]})
    return given


def costs_points(objection: Objection) -> int:
    return 1 + (1 if objection.hearing_held_on is not None and objection.hearing_attended
                else 0)


def award_costs(f: Firing, objection: Objection) -> None:
    """Record the error of the authority and, when the objector asked for them, the costs."""
    objection.authority_error = authority_error_given(f)
    if not (objection.authority_error and objection.costs_requested):
        return
    point = int((f.application.scheme.rules or {}).get("objection_costs_point_cents",
                                                       COSTS_POINT_CENTS))
    points = costs_points(objection)
    objection.costs_cents = points * point
    f.audit_data.update(costs_cents=objection.costs_cents, costs_points=points,
                        costs_point_cents=point)


# -- a new settlement -------------------------------------------------------------------------

def against_settlement(f: Firing) -> bool:
    objection = common.pending_objection(f.application)
    against = db.session.get(AuditEvent, objection.against_event_id) if objection else None
    return against is not None and against.trigger == "settle"


def upheld_against_settlement(f: Firing) -> bool:
    return f.data.get("outcome") == "upheld" and against_settlement(f)


def higher_settlement(f: Firing) -> None:
    """The new final amount: above the one revoked, never above the grant (Awb 4:46)."""
    amount = common.amount_from(f)
    previous = f.application.settled_cents or 0
    granted = f.application.granted_cents or 0
    if amount is None:
        raise ValidationFailed("Geef het nieuwe bedrag.", {"amount": [
            f"Het bezwaar tegen de vaststelling is gegrond: geef het nieuwe vastgestelde "
            f"bedrag, hoger dan {format_eur(previous)}."]})
    if amount <= previous:
        raise ValidationFailed("Te laag bedrag.", {"amount": [
            f"Het nieuwe vastgestelde bedrag is hoger dan het herroepen bedrag "
            f"({format_eur(previous)})."]})
    if amount > granted:
        raise ValidationFailed("Te hoog bedrag.", {"amount": [
            f"Er kan niet meer worden vastgesteld dan is verleend ({format_eur(granted)})."]})
    f.audit_data.update(amount_cents=amount, previous_cents=previous)


def resettle_grant(f: Firing) -> None:
    """Commit what the new final amount adds to what is still committed; settled again."""
    application, line = f.application, common._main_line(f)
    amount = f.audit_data["amount_cents"]
    held = ledger.application_balance(application.id, line.id)
    if amount > held.committed:
        common._post(f, line, EntryKind.COMMIT, amount - held.committed)
    application.settled_cents = amount
    application.decided_at = f.now
    f.audit_data["new_decision"] = "settlement"


def _committed_per_category(application: Application) -> dict[str, int]:
    return {line.category.value: ledger.application_balance(application.id, line.id).committed
            for line in application.window.lines if line.category is not None}


def _full_rate(f: Firing) -> dict[str, int]:
    return places.rate_amounts(places.fractions_of(f), f.params)


def _given_amounts(f: Firing, limits: dict[str, int]) -> dict[str, int]:
    given = f.data.get("amounts")
    if given is None and f.data.get("amount") not in (None, ""):
        if len(limits) != 1:
            raise ValidationFailed("Geef per categorie een bedrag.", {"amounts": [
                "Deze aanvraag heeft plaatsen in meer categorieën; geef per categorie het "
                "nieuwe bedrag, als {\"mbo\": \"2700.00\"}."]})
        given = {next(iter(limits)): f.data["amount"]}
    if not isinstance(given, dict) or not given:
        raise ValidationFailed("Geef het nieuwe bedrag.", {"amounts": [
            "Geef per categorie het nieuwe vastgestelde bedrag, als {\"mbo\": \"2700.00\"}."]})
    amounts, errors = places.amounts_per_category(given, limits)
    if errors:
        raise ValidationFailed("De bedragen kloppen niet.", errors)
    return amounts


def higher_direct_settlement(f: Firing) -> None:
    """Per category at most the full rate for its places, and never below what was settled."""
    limits = _full_rate(f)
    before = _committed_per_category(f.application)
    amounts = {category: before.get(category, 0) for category in limits}
    amounts.update(_given_amounts(f, limits))
    errors = {f"amounts.{category}": [
        "Niet lager dan het herroepen bedrag voor deze categorie "
        f"({format_eur(before[category])})."]
        for category, cents in amounts.items() if cents < before.get(category, 0)}
    if errors:
        raise ValidationFailed("De bedragen kloppen niet.", errors)
    previous = sum(before.values())
    total = sum(amounts.values())
    if total <= previous:
        raise ValidationFailed("Te laag bedrag.", {"amounts": [
            f"Het nieuwe vastgestelde bedrag is hoger dan het herroepen bedrag "
            f"({format_eur(previous)})."]})
    f.audit_data.update(amounts_cents={k: v for k, v in amounts.items() if v},
                        amount_cents=total, previous_cents=previous)


def resettle_directly(f: Firing) -> None:
    """Commit per category what the new amounts add; the difference is paid by the next run."""
    application = f.application
    before = _committed_per_category(application)
    for category, cents in f.audit_data["amounts_cents"].items():
        extra = cents - before.get(category, 0)
        if extra:
            common._post(f, application.window.line_for(PlaceCategory(category)),
                         EntryKind.COMMIT, extra)
    application.granted_cents = application.settled_cents = f.audit_data["amount_cents"]
    application.decided_at = f.now
    f.audit_data["new_decision"] = "direct_settlement"
