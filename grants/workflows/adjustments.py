"""RIF: the committee may advise, on a progress report, to lower a grant or to end it; the
approver turns the advice into a decision (Awb 4:48: before settlement a grant can be changed
or withdrawn when the activities are not carried out as granted), with its letter.

Lowering releases the difference from the commitment; ending releases all that is not yet
paid. What was paid is then settled as usual, on the applicant's request.
"""

import sqlalchemy as sa

from grants.budget import ledger
from grants.errors import ValidationFailed
from grants.extensions import db
from grants.models import AuditEvent, Bucket, EntryKind, Role
from grants.money import cents_to_api, format_eur
from grants.workflows.common import (
    S,
    _main_line,
    _post,
    amount_from,
    decided,
    reason_required,
)
from grants.workflows.engine import Firing, Transition, transition

ADVICES = ("lower", "end")
FOLLOWED = (S.APPROVED, S.MONITORED)


def _paid(f: Firing) -> int:
    return ledger.application_balance(f.application.id, _main_line(f).id).paid


def pending_advice(application) -> AuditEvent | None:
    """The committee's latest advice, when no decision on an adjustment followed it."""
    latest = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.application_id == application.id,
               AuditEvent.trigger.in_(("advise_adjustment", "adjust_grant")))
        .order_by(AuditEvent.id.desc()).limit(1)).first()
    return latest if latest is not None and latest.trigger == "advise_adjustment" else None


def _new_amount(f: Firing, advice: str) -> int:
    """Lower: an amount below the grant, not below what was paid. End: what was paid."""
    granted, paid = f.application.granted_cents or 0, _paid(f)
    if advice == "end":
        return paid
    amount = amount_from(f)
    if amount is None or not paid <= amount < granted:
        raise ValidationFailed("Ongeldig bedrag.", {"amount": [
            f"Geef het nieuwe subsidiebedrag: lager dan {format_eur(granted)} en niet lager "
            f"dan wat al betaald is ({format_eur(paid)})."]})
    return amount


def valid_advice(f: Firing) -> None:
    advice = f.data.get("advice")
    if advice not in ADVICES:
        raise ValidationFailed("Kies het advies.", {"advice": [
            "Het advies is lower (verlagen) of end (beëindigen)."]})
    f.audit_data.update(advice=advice, amount_cents=_new_amount(f, advice))


def advice_to_decide(f: Firing) -> None:
    advice = pending_advice(f.application)
    if advice is None:
        raise ValidationFailed("Er is geen advies om over te beslissen.", {"advice": [
            "De commissie heeft geen advies gegeven om de subsidie te verlagen of te "
            "beëindigen."]})
    kind = advice.data["advice"]
    if kind == "lower" and f.data.get("amount") in (None, ""):
        # Unless the approver decides otherwise, the amount the committee advised.
        f.data = {**f.data, "amount": cents_to_api(advice.data["amount_cents"])}
    f.audit_data.update(advice=kind, advice_event=advice.id,
                        previous_cents=f.application.granted_cents,
                        amount_cents=_new_amount(f, kind))


def release_difference(f: Firing) -> None:
    """The ledger releases what the grant no longer commits; the grant is the new amount."""
    line = _main_line(f)
    new = f.audit_data["amount_cents"]
    held = ledger.application_balance(f.application.id, line.id)
    if held.committed > new:
        _post(f, line, EntryKind.RELEASE, held.committed - new, Bucket.COMMITTED)
        f.audit_data["released_cents"] = int(held.committed - new)
    f.application.granted_cents = new


def adjustment_transitions() -> list[Transition]:
    return [
        transition("advise_adjustment", FOLLOWED, None, Role.COMMITTEE,
                   guards=[reason_required, valid_advice]),
        transition("adjust_grant", FOLLOWED, None, Role.APPROVER,
                   guards=[reason_required, advice_to_decide],
                   effects=[release_difference, decided],
                   available=lambda application, user: pending_advice(application) is not None),
    ]
