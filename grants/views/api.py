"""HTTP API v1 (shared/api.md): bearer tokens only, JSON in and out, errors in one shape."""

from flask import Blueprint, g, jsonify, request

from grants.clock import now
from grants.errors import GrantsError, ValidationFailed
from grants.extensions import db
from grants.models import Application, ApplicationState, Region, Scheme, Window
from grants.money import cents_to_api
from grants.services.applications import get_application, visible_applications
from grants.services.schemes import list_schemes
from grants.services.tokens import user_for_token
from grants.timefmt import to_api

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_PER_PAGE = 200


class Unauthorized(GrantsError):
    status = 401
    code = "unauthorized"


@bp.before_request
def authenticate():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    user = user_for_token(token.strip(), now()) if scheme.lower() == "bearer" else None
    if user is None:
        raise Unauthorized("Geef een geldig API-token mee: Authorization: Bearer <token>.")
    # Recording when the token was last used is the only write a read request makes.
    db.session.commit()
    g.api_user = user


def _pagination() -> tuple[int, int]:
    fields = {}
    try:
        page = int(request.args.get("page", 1))
        if page < 1:
            raise ValueError
    except ValueError:
        fields["page"] = ["page is een geheel getal vanaf 1."]
    try:
        per_page = int(request.args.get("per_page", 50))
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError
    except ValueError:
        fields["per_page"] = [f"per_page is een geheel getal van 1 tot en met {MAX_PER_PAGE}."]
    if fields:
        raise ValidationFailed("Ongeldige paginering.", fields)
    return page, per_page


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
        body["categories"] = [{"code": c.code.value, "ceiling": cents_to_api(c.ceiling_cents)}
                              for c in window.categories]
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


def application_json(application: Application) -> dict:
    return {
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
        "created_at": to_api(application.created_at),
    }


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
    result = db.paginate(visible_applications(g.api_user, **filters), page=page,
                         per_page=per_page, error_out=False)
    return jsonify({"items": [application_json(a) for a in result.items],
                    "total": result.total})


@bp.get("/applications/<int:application_id>")
def application(application_id: int):
    return jsonify(application_json(get_application(application_id, g.api_user)))
