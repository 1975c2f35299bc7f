"""Payment runs in API v1, for finance tooling: preview or prepare (finance), approve (an
approver other than the preparer), read the run and, once approved, its SEPA file. Added to the
API blueprint, so it shares its tokens and its error shape."""

from datetime import date

from flask import Response, g, jsonify

from grants.access import require_role
from grants.clock import now
from grants.errors import ValidationFailed
from grants.extensions import db
from grants.models import Ministry, PaymentRun, PaymentRunStatus, Role
from grants.money import cents_to_api
from grants.payments.export import export_after_approval
from grants.payments.payables import candidates, payables_of
from grants.payments.runs import (
    DuePayments,
    approve_run,
    cancel_run,
    due_payments,
    get_run,
    prepare_run,
    sepa_file,
)
from grants.timefmt import AMSTERDAM, to_api
from grants.views.api import _json_body
from grants.views.api import bp as api

LINE_STATUS = {PaymentRunStatus.PREPARED: "planned", PaymentRunStatus.APPROVED: "paid",
               PaymentRunStatus.CANCELLED: "released"}


def _preview_json(preview: DuePayments) -> dict:
    return {
        "id": None,
        "status": "preview",
        "ministry": preview.ministry.value,
        "due_on": preview.due_on.isoformat(),
        "execution_date": preview.execution_on.isoformat(),
        "total": cents_to_api(preview.total_cents),
        "lines": [{
            "application": line.application.id,
            "reference": line.application.reference,
            "kind": line.kind.value,
            "instalment": line.instalment.number if line.instalment else None,
            "objection": line.objection.id if line.objection else None,
            "amount": cents_to_api(line.amount_cents),
            "iban": line.creditor_iban,
            "remittance": line.remittance,
            "due_on": line.due_on.isoformat(),
            "status": "due",
        } for line in preview.lines],
        "skipped": [{"application": s.application.id, "reference": s.application.reference,
                     "reason": s.reason} for s in preview.skipped],
    }


def _person(user, moment) -> dict | None:
    if moment is None:
        return None
    return {"at": to_api(moment), "by": user.name if user else None}


def run_json(run: PaymentRun) -> dict:
    released = [line for line in run.lines if not line.held and line.release_reason]
    return {
        "id": run.id,
        "status": run.status.value,
        "ministry": run.ministry.value,
        "due_on": run.due_on.isoformat(),
        "execution_date": run.execution_on.isoformat(),
        "message_id": run.message_id,
        "total": cents_to_api(run.total_cents),
        "prepared": _person(run.prepared_by, run.prepared_at),
        "approved": _person(run.approved_by, run.approved_at),
        "cancelled": ({**_person(run.cancelled_by, run.cancelled_at),
                       "reason": run.cancel_reason} if run.cancelled_at else None),
        "lines": [{
            "application": line.application_id,
            "reference": line.application.reference,
            "kind": line.kind.value,
            "instalment": line.instalment,
            "objection": line.objection_id,
            "amount": cents_to_api(line.amount_cents),
            "iban": line.creditor_iban,
            "remittance": line.remittance,
            "end_to_end_id": line.end_to_end_id,
            "due_on": line.due_on.isoformat(),
            "status": LINE_STATUS[run.status] if line.held or not line.release_reason
            else "released",
            "reason": line.release_reason or None,
        } for line in run.lines],
        "skipped": [*run.skipped, *({"application": line.application_id,
                                     "reference": line.application.reference,
                                     "reason": line.release_reason} for line in released)],
        "sepa_sha256": run.sepa_sha256,
        "sepa_url": (f"/api/v1/payment-runs/{run.id}/sepa.xml"
                     if run.status == PaymentRunStatus.APPROVED else None),
    }


def _ministry(body: dict, due_on: date | None) -> Ministry:
    """The paying ministry: as asked, else the one that owes anything on ``due_on``."""
    value = body.get("ministry")
    if value is not None:
        try:
            return Ministry(value)
        except ValueError:
            raise ValidationFailed("Onbekend ministerie.", {"ministry": [
                f"Een van: {', '.join(m.value for m in Ministry)}."]}) from None
    owing = [ministry for ministry in Ministry
             if due_on and any(payables_of(application, due_on)
                               for application in candidates(ministry))]
    if len(owing) > 1:
        raise ValidationFailed("Kies het betalende ministerie.", {"ministry": [
            f"Er is te betalen door {' en '.join(m.value for m in owing)}; geef er één."]})
    return owing[0] if owing else Ministry.SZW


@api.post("/payment-runs")
def create_payment_run():
    require_role(g.api_user, Role.FINANCE)
    body = _json_body()
    errors: dict[str, list[str]] = {}
    dry_run = body.get("dry_run", True)
    if not isinstance(dry_run, bool):
        errors["dry_run"] = ["true of false."]
    due_on = None
    try:
        due_on = date.fromisoformat(body.get("due_on"))
    except (TypeError, ValueError):
        errors["due_on"] = ["Een datum in ISO 8601, bijvoorbeeld 2015-01-01."]
    if errors:
        raise ValidationFailed("Ongeldige betaalrun.", errors)
    ministry = _ministry(body, due_on)
    moment = now()
    if dry_run:
        preview = due_payments(ministry, due_on, g.api_user,
                               moment.astimezone(AMSTERDAM).date())
        return jsonify(_preview_json(preview))
    run = prepare_run(ministry, due_on, g.api_user, moment)
    db.session.commit()
    return jsonify(run_json(run)), 201


@api.get("/payment-runs/<int:run_id>")
def payment_run(run_id: int):
    return jsonify(run_json(get_run(run_id, g.api_user)))


@api.post("/payment-runs/<int:run_id>/approve")
def approve_payment_run(run_id: int):
    run = approve_run(run_id, g.api_user, now())
    db.session.commit()
    exported = export_after_approval(run)
    return jsonify(run_json(run)), 200, {"X-SEPA-Export": "written" if exported else "failed"}


@api.post("/payment-runs/<int:run_id>/cancel")
def cancel_payment_run(run_id: int):
    body = _json_body()
    reason = body.get("reason")
    run = cancel_run(run_id, g.api_user, now(), reason if isinstance(reason, str) else "")
    db.session.commit()
    return jsonify(run_json(run))


@api.get("/payment-runs/<int:run_id>/sepa.xml")
def payment_run_sepa(run_id: int):
    run = get_run(run_id, g.api_user)
    return Response(sepa_file(run), mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{run.message_id}.xml"',
        "X-Content-SHA256": run.sepa_sha256})
