"""Four eyes in API v1 (shared/api.md): approving or cancelling a prepared allocation run, and
the approvals queue of prepared settlements, recoveries and ceiling amendments. Added to the API
blueprint, so it shares its tokens and its error shape."""

from flask import g, jsonify, request

from grants.allocation.approval import approve_run, cancel_run
from grants.clock import now
from grants.errors import ValidationFailed
from grants.extensions import db
from grants.services import approvals
from grants.views.api import _json_body, allocation_json, prepared_json, run_status_json
from grants.views.api import bp as api


def _reason() -> str:
    body = request.get_json(silent=True) if request.data else {}
    if not isinstance(body, dict):
        body = _json_body()
    reason = body.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise ValidationFailed("Ongeldige reden.", {"reason": ["Een tekst."]})
    return reason or ""


@api.post("/allocations/<int:run_id>/approve")
def approve_allocation(run_id: int):
    outcome = approve_run(run_id, g.api_user, now())
    db.session.commit()
    return jsonify(allocation_json(outcome))


@api.post("/allocations/<int:run_id>/cancel")
def cancel_allocation(run_id: int):
    run = cancel_run(run_id, g.api_user, now(), _reason())
    db.session.commit()
    return jsonify({"id": run.id, "scheme": run.scheme.code, "window": run.window.code,
                    **run_status_json(run)})


@api.get("/approvals")
def approvals_list():
    items = [prepared_json(decision) for decision in approvals.pending(g.api_user)]
    return jsonify({"items": items, "total": len(items)})


@api.get("/approvals/<int:decision_id>")
def approval(decision_id: int):
    return jsonify(prepared_json(approvals.get_decision(decision_id, g.api_user)))


@api.post("/approvals/<int:decision_id>/approve")
def approve(decision_id: int):
    decision = approvals.approve(decision_id, g.api_user, now())
    db.session.commit()
    return jsonify(prepared_json(decision))


@api.post("/approvals/<int:decision_id>/cancel")
def cancel(decision_id: int):
    decision = approvals.cancel(decision_id, g.api_user, now(), _reason())
    db.session.commit()
    return jsonify(prepared_json(decision))

