"""HTTP API v1 (shared/api.md): bearer tokens only, JSON in and out, errors in one shape."""

import re
from datetime import UTC, datetime, timedelta

from flask import Blueprint, g, jsonify, request
from sqlalchemy.orm import joinedload

from grants.access import require_role
from grants.allocation.runs import run_allocation
from grants.budget.report import budget_report
from grants.clock import now
from grants.database import writing
from grants.errors import GrantsError, ValidationFailed
from grants.extensions import db
from grants.models import Application, ApplicationState, Region, Role, Scheme, Window
from grants.money import cents_to_api
from grants.services.applications import (
    allowed_triggers,
    count_visible,
    create_application,
    fire_trigger,
    get_application,
    history,
    update_application,
    visible_after,
    visible_applications,
)
from grants.services.approvals import is_prepared_trigger, prepare_trigger
from grants.services.consents import (
    ConsentStatus,
    consent_statuses,
    consent_statuses_of,
    give_consent,
)
from grants.services.privacy import details_for, hides_committee_scores
from grants.services.schemes import list_schemes
from grants.services.tokens import live_token, record_use, use_is_unrecorded
from grants.timefmt import to_api
from grants.workflows import workflow_for
from grants.workflows.common import prefetched

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_PER_PAGE = 200


class Unauthorized(GrantsError):
    status = 401
    code = "unauthorized"


# The API's own description is public (grants/views/api_docs.py).
PUBLIC_ENDPOINTS = frozenset({"api.openapi_json", "api.api_docs"})


@bp.before_request
def authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    record = live_token(token.strip()) if scheme.lower() == "bearer" else None
    if record is None:
        raise Unauthorized("Geef een geldig API-token mee: Authorization: Bearer <token>.")
    moment = now()
    if use_is_unrecorded(record, moment):
        # Noting the use is a write, even in a read request: it gets a short write transaction
        # of its own. (Upgrading a read transaction to a write fails at once on SQLite when
        # another connection has committed since it began.)
        token_id = record.id
        db.session.commit()
        with writing():
            record_use(token_id, moment)
            db.session.commit()
    g.api_user = record.user


# Pages beyond this hold nothing at any size the API allows; larger numbers overflowed the
# database's OFFSET into a 500.
MAX_PAGE = 2**31 - 1


def _whole_number(text: str, minimum: int, maximum: int) -> int | None:
    # ASCII digits only: Python's int() also takes "1_000", " 7 " and other scripts' digits.
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


def _pagination() -> tuple[int, int]:
    fields = {}
    page = _whole_number(request.args.get("page", "1"), 1, MAX_PAGE)
    if page is None:
        fields["page"] = [f"page is een geheel getal van 1 tot en met {MAX_PAGE}."]
    per_page = _whole_number(request.args.get("per_page", "50"), 1, MAX_PER_PAGE)
    if per_page is None:
        fields["per_page"] = [f"per_page is een geheel getal van 1 tot en met {MAX_PER_PAGE}."]
    if fields:
        raise ValidationFailed("Ongeldige paginering.", fields)
    return page, per_page


# Keyset pagination (?after=): the cursor is the last item's created_at in microseconds since
# 1970 (UTC) and its id, "1396335600000000-42"; opaque to clients, who pass on next_after.
_CURSOR = re.compile(r"(-?[0-9]{1,18})-([0-9]{1,10})")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL
_MICROSECONDS = range((datetime(1, 1, 2, tzinfo=UTC) - _EPOCH) // timedelta(microseconds=1),
                      (datetime(9999, 12, 31, tzinfo=UTC) - _EPOCH) // timedelta(microseconds=1))


def _cursor_of(application: Application) -> str:
    return f"{(application.created_at - _EPOCH) // timedelta(microseconds=1)}-{application.id}"


def _cursor(text: str | None, page: int) -> tuple[datetime, int] | None:
    if text is None:
        return None
    found = _CURSOR.fullmatch(text)
    if not found or int(found[1]) not in _MICROSECONDS or int(found[2]) > _MAX_ID:
        raise ValidationFailed("Ongeldige paginering.", {"after": [
            "after is de waarde van next_after uit het vorige antwoord."]})
    if page != 1:
        raise ValidationFailed("Ongeldige paginering.", {"page": [
            "page en after gaan niet samen: after begint waar de vorige pagina eindigde."]})
    return _EPOCH + timedelta(microseconds=int(found[1])), int(found[2])


def window_json(window: Window) -> dict:
    body = {
        "code": window.code,
        "name": window.name,
        "opens_at": to_api(window.opens_at),
        "closes_at": to_api(window.closes_at),
        "ceiling": cents_to_api(window.total_ceiling_cents),
        "source": window.source,
    }
    if window.categories:
        body["categories"] = [{"code": line.category.value,
                               "ceiling": cents_to_api(line.ceiling_cents)}
                              for line in window.categories]
    return body


def scheme_json(scheme: Scheme) -> dict:
    return {
        "code": scheme.code,
        "name": scheme.name,
        "ministry": scheme.ministry.value,
        "legal_basis": scheme.legal_basis,
        "decision_term_weeks": scheme.decision_term_weeks,
        "windows": [window_json(window) for window in scheme.windows],
    }


def _date(value) -> str | None:
    return value.isoformat() if value else None


def application_json(application: Application,
                     consents: list[ConsentStatus] | None = None) -> dict:
    """An application as the API shows it; a list passes each one's ``consents``, read for the
    whole page at once (grants.services.consents.consent_statuses_of)."""
    fields = workflow_for(application.scheme.code).fields
    return {
        # Praktijkleren students' names only for who checks the places (privacy).
        **fields.to_api(details_for(application, g.api_user)),
        "id": application.id,
        "reference": application.reference,
        "scheme": application.scheme.code,
        "window": application.window.code,
        "state": application.state.value,
        "title": application.title,
        "organisation": {"id": application.organisation.id,
                         "name": application.organisation.name,
                         "kvk": application.organisation.kvk},
        "region": application.region.value,
        "requested_amount": cents_to_api(application.requested_cents),
        "granted_amount": cents_to_api(application.granted_cents),
        "created_at": to_api(application.created_at),
        "submitted_at": to_api(application.submitted_at),
        "complete_at": to_api(application.complete_at),
        "decision_due": _date(application.decision_due_on),
        "repair_due": _date(application.repair_due_on),
        "decided_at": to_api(application.decided_at),
        "objection_due": _date(application.objection_due_on),
        "version": application.version,
        "allowed_triggers": allowed_triggers(application, g.api_user),
        **_consents_json(application, consents),
    }


def consent_json(status: ConsentStatus) -> dict:
    return {"organisation": status.organisation_id, "name": status.name,
            "consented": status.consented, "at": to_api(status.at), "filer": status.filer}


def _consents_json(application: Application, consents: list[ConsentStatus] | None) -> dict:
    """A sector plan lists the consent of every organisation it names (issue 14)."""
    if application.scheme.code != "sectorplan":
        return {}
    if consents is None:
        consents = consent_statuses(application)
    return {"consents": [consent_json(status) for status in consents]}


def _api_amounts(data: dict) -> dict:
    """Amounts kept in cents inside the audit trail leave the API as decimal strings."""
    return {(key.removesuffix("_cents") if key.endswith("_cents") else key):
            (cents_to_api(value) if key.endswith("_cents") else value)
            for key, value in data.items()}


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise GrantsError("Stuur een JSON-object met Content-Type: application/json.")
    return body


def _expected_version(body: dict) -> int | None:
    version = body.pop("version", None)
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise ValidationFailed("Ongeldige versie.", {"version": ["Een geheel getal."]})
    return version


@bp.get("/schemes")
def schemes():
    items = [scheme_json(scheme) for scheme in list_schemes()]
    return jsonify({"items": items, "total": len(items)})


@bp.get("/applications")
def applications():
    page, per_page = _pagination()
    filters = {key: request.args.get(key) or None
               for key in ("scheme", "window", "state", "region")}
    fields = {}
    if filters["state"] and filters["state"] not in set(ApplicationState):
        fields["state"] = [f"Onbekende status: {filters['state']}."]
    if filters["region"] and filters["region"] not in set(Region):
        fields["region"] = [f"Onbekend landsdeel: {filters['region']}."]
    if fields:
        raise ValidationFailed("Ongeldig filter.", fields)
    after = _cursor(request.args.get("after"), page)
    if after is None:
        stmt = visible_applications(g.api_user, **filters).offset((page - 1) * per_page)
    else:
        stmt = visible_after(g.api_user, after, **filters)
    # One more than the page holds: whether a next page exists, without a second query.
    # Each row's organisation, window and scheme joined in: one key lookup each per row of the
    # page, where loading them after took a round trip each.
    found = list(db.session.scalars(stmt.limit(per_page + 1).options(
        joinedload(Application.organisation), joinedload(Application.window),
        joinedload(Application.scheme))))
    items = found[:per_page]
    consents = consent_statuses_of(items)
    with prefetched([a.id for a in items]):
        listed = [application_json(a, consents[a.id]) for a in items]
    return jsonify({"items": listed,
                    "total": count_visible(g.api_user, **filters),
                    "next_after": _cursor_of(items[-1]) if len(found) > per_page else None})


@bp.get("/applications/<int:application_id>")
def application(application_id: int):
    return jsonify(application_json(get_application(application_id, g.api_user)))


@bp.post("/applications")
def create():
    application = create_application(g.api_user, _json_body(), now())
    db.session.commit()
    return jsonify(application_json(application)), 201


@bp.patch("/applications/<int:application_id>")
def update(application_id: int):
    body = _json_body()
    application = update_application(application_id, g.api_user, body,
                                     expected_version=_expected_version(body))
    db.session.commit()
    return jsonify(application_json(application))


@bp.post("/applications/<int:application_id>/triggers/<trigger>")
def fire(application_id: int, trigger: str):
    body = request.get_json(silent=True) if request.data else {}
    if not isinstance(body, dict):
        raise GrantsError("Stuur een JSON-object met Content-Type: application/json.")
    expected_version = _expected_version(body)
    application = get_application(application_id, g.api_user)
    if is_prepared_trigger(application, trigger):
        # Four eyes: a settlement or recovery waits for an approver (POST /approvals/{id}/approve).
        decision = prepare_trigger(application_id, trigger, g.api_user, body, now(),
                                   expected_version=expected_version)
        db.session.commit()
        return jsonify(prepared_json(decision)), 202
    application = fire_trigger(application_id, trigger, g.api_user, body, now(),
                               expected_version=expected_version)
    db.session.commit()
    return jsonify(application_json(application))


@bp.post("/applications/<int:application_id>/consent")
def consent(application_id: int):
    """A user of an organisation the sector plan names consents to it as it now reads. Only
    this answer is shown to the partner, not the application itself: that stays its filer's."""
    if request.data and not isinstance(request.get_json(silent=True), dict):
        raise GrantsError("Stuur een JSON-object met Content-Type: application/json, of niets.")
    status, recorded = give_consent(application_id, g.api_user, now())
    db.session.commit()
    application = db.session.get(Application, application_id)
    return jsonify({"application": application.id, "reference": application.reference,
                    **consent_json(status)}), 201 if recorded else 200


def _without_scores(data: dict) -> dict:
    return {key: value for key, value in data.items()
            if key not in ("scores", "recommendation")}


@bp.get("/applications/<int:application_id>/history")
def application_history(application_id: int):
    application = get_application(application_id, g.api_user)
    # Until they have scored themselves, a committee member reads no other member's scores.
    hidden = hides_committee_scores(application, g.api_user)
    items = [{
        "trigger": event.trigger,
        "from_state": event.from_state.value,
        "to_state": event.to_state.value,
        "actor": event.actor.name if event.actor else None,
        "at": to_api(event.at),
        "reason": event.reason,
        "rules_version": event.rules_version_id,
        "data": _api_amounts(_without_scores(event.data) if hidden else event.data),
    } for event in history(application)]
    return jsonify({"items": items, "total": len(items)})


def _figures_json(figures) -> dict:
    return {
        "code": figures.code,
        "name": figures.name,
        "ceiling": cents_to_api(figures.ceiling),
        "reserved": cents_to_api(figures.reserved),
        "committed": cents_to_api(figures.committed),
        "disbursed": cents_to_api(figures.disbursed),
        "recovered": cents_to_api(figures.recovered),
        "remaining": cents_to_api(figures.remaining),
    }


@bp.get("/budgets")
def budgets():
    require_role(g.api_user, Role.FINANCE, Role.ADMIN)
    items = [{
        **_figures_json(budget),
        "ministry": budget.ministry,
        "scheme": budget.scheme,
        "unallocated": cents_to_api(budget.unallocated),
        "lines": [{**_figures_json(line), "window": line.window, "category": line.category}
                  for line in budget.lines],
    } for budget in budget_report()]
    return jsonify({"items": items, "total": len(items)})


def _person(user) -> dict | None:
    return {"id": user.id, "name": user.name} if user else None


def prepared_json(decision) -> dict:
    """A decision prepared by one person, waiting for (or taken by) a second one's approval."""
    return {
        "id": decision.id, "kind": str(decision.kind), "status": str(decision.status),
        "application": decision.application_id,
        "reference": decision.application.reference if decision.application else None,
        "trigger": decision.trigger, "data": decision.data,
        "window": decision.line.window.code if decision.line and decision.line.window else None,
        "line": decision.line.code if decision.line else None,
        "ceiling": (cents_to_api(decision.new_ceiling_cents)
                    if decision.new_ceiling_cents is not None else None),
        "effective_on": decision.effective_on.isoformat() if decision.effective_on else None,
        "reason": decision.reason,
        "prepared_by": _person(decision.prepared_by), "prepared_at": to_api(decision.prepared_at),
        "approved_by": _person(decision.approved_by),
        "approved_at": to_api(decision.approved_at) if decision.approved_at else None,
        "cancelled_by": _person(decision.cancelled_by),
        "cancelled_at": to_api(decision.cancelled_at) if decision.cancelled_at else None,
        "cancel_reason": decision.cancel_reason or None,
    }


def run_status_json(run) -> dict:
    return {"status": str(run.status), "prepared_by": _person(run.created_by),
            "prepared_at": to_api(run.created_at), "approved_by": _person(run.approved_by),
            "approved_at": to_api(run.approved_at) if run.approved_at else None,
            "cancelled_by": _person(run.cancelled_by),
            "cancelled_at": to_api(run.cancelled_at) if run.cancelled_at else None,
            "cancel_reason": run.cancel_reason or None}


def allocation_json(outcome) -> dict:
    allocation = outcome.allocation
    return {
        "id": outcome.run.id if outcome.run else None,
        "scheme": outcome.window.scheme.code,
        "window": outcome.window.code,
        "method": outcome.method,
        "dry_run": outcome.dry_run,
        # prepared: waits for an approver (POST /allocations/{id}/approve); committed: decided.
        **(run_status_json(outcome.run) if outcome.run else {"status": None}),
        "lottery_seed": outcome.seed,
        "lottery": allocation.lottery,
        "available": {code: cents_to_api(cents) for code, cents in outcome.available.items()},
        # The rate is exact inside the run; shown here rounded down to the cent.
        "rates": [{"category": category, "rate": cents_to_api(int(rate)),
                   "exact": f"{rate.numerator}/{rate.denominator}",
                   "total": cents_to_api(allocation.category_totals.get(category, 0))}
                  for category, rate in allocation.rates.items()],
        "results": [{
            "application": result.application_id,
            "reference": result.reference,
            "outcome": result.outcome,
            "amount": cents_to_api(result.amount),
            "amounts": {k: cents_to_api(v) for k, v in result.amounts.items()},
            "rank": result.rank,
            "reason": result.reason,
            "lottery_position": result.lottery_position,
            "running_total": cents_to_api(result.running_total),
        } for result in allocation.results],
    }


@bp.post("/allocations")
def allocations():
    body = _json_body()
    dry_run = body.get("dry_run", True)
    if not isinstance(dry_run, bool):
        raise ValidationFailed("Ongeldige waarde.", {"dry_run": ["true of false."]})
    seed = body.get("lottery_seed")
    if seed is not None and (not isinstance(seed, str) or not 0 < len(seed) <= 64):
        raise ValidationFailed("Ongeldig lotingszaad.", {"lottery_seed": [
            "Een tekst van hoogstens 64 tekens."]})
    categories = body.get("categories")
    if categories is not None and not isinstance(categories, list):
        raise ValidationFailed("Ongeldige categorieën.", {"categories": [
            "Een lijst van {\"code\", \"ceiling\"}."]})
    outcome = run_allocation(
        str(body.get("scheme")), str(body.get("window")), g.api_user, now(), dry_run=dry_run,
        ceiling=body.get("ceiling"), categories=categories, seed=seed)
    if not dry_run:
        db.session.commit()
    return jsonify(allocation_json(outcome)), (200 if dry_run else 201)
