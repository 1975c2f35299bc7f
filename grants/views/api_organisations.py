"""Organisations in API v1 (shared/api.md): the admin lists and enters them, an applicant sees
only its own. Added to the API blueprint, so it shares its tokens and its error shape.

GET  /organisations          admin: all, filtered by ?status=&kind=&region=&q=; applicant: its own
GET  /organisations/{id}     admin: any; applicant: its own, else 404 (never a hint)
POST /organisations          admin: name, kvk, kind, region, and optionally contact_name,
                             address, postcode, city, iban → 201, verified by the admin
"""

from flask import g, jsonify, request

from grants.access import require_role
from grants.clock import now
from grants.errors import Forbidden, ValidationFailed
from grants.extensions import db
from grants.models import Organisation, OrganisationKind, OrganisationStatus, Region, Role
from grants.services import organisations as service
from grants.timefmt import to_api
from grants.views.api import _json_body, _pagination
from grants.views.api import bp as api

TEXT_FIELDS = ("name", "kvk", "kind", "region", "contact_name", "address", "postcode", "city",
               "iban")
REQUIRED = ("name", "kvk", "kind", "region")


def organisation_json(organisation: Organisation) -> dict:
    return {
        "id": organisation.id,
        "name": organisation.name,
        "kvk": organisation.kvk,
        "kind": organisation.kind.value,
        "region": organisation.region.value,
        "contact_name": organisation.contact_name,
        "address": organisation.address,
        "postcode": organisation.postcode,
        "city": organisation.city,
        "iban": organisation.iban or None,
        "status": organisation.status.value,
        "verified": ({"at": to_api(organisation.verified_at),
                      "by": organisation.verified_by_name or None}
                     if organisation.verified_at else None),
        "signatory": organisation.signatory or None,
        "status_reason": organisation.status_reason or None,
        "created_at": to_api(organisation.created_at),
    }


def _may_see_organisations(user) -> None:
    # Staff other than admins have no business with the register itself.
    if not (user.has_role(Role.ADMIN) or user.has_role(Role.APPLICANT)):
        raise Forbidden()


@api.get("/organisations")
def organisations():
    _may_see_organisations(g.api_user)
    page, per_page = _pagination()
    filters = {key: request.args.get(key) or None for key in ("status", "kind", "region")}
    fields: dict[str, list[str]] = {}
    for key, allowed in (("status", OrganisationStatus), ("kind", OrganisationKind),
                         ("region", Region)):
        if filters[key] and filters[key] not in {member.value for member in allowed}:
            fields[key] = [f"Kies uit: {', '.join(member.value for member in allowed)}."]
    if fields:
        raise ValidationFailed("Ongeldig filter.", fields)
    result = db.paginate(
        service.visible_organisations(g.api_user, search=request.args.get("q"), **filters),
        page=page, per_page=per_page, error_out=False)
    return jsonify({"items": [organisation_json(o) for o in result.items],
                    "total": result.total})


@api.get("/organisations/<int:organisation_id>")
def organisation(organisation_id: int):
    _may_see_organisations(g.api_user)
    return jsonify(organisation_json(service.visible_organisation(organisation_id,
                                                                  g.api_user)))


@api.post("/organisations")
def create_organisation():
    require_role(g.api_user, Role.ADMIN)
    body = _json_body()
    fields: dict[str, list[str]] = {}
    values = {}
    for key in TEXT_FIELDS:
        value = body.get(key)
        if value is None:
            if key in REQUIRED:
                fields[key] = [f"Geef {key}."]
            continue
        if not isinstance(value, str):
            fields[key] = ["Een tekst."]
            continue
        values[key] = value
    for key, allowed in (("kind", OrganisationKind), ("region", Region)):
        codes = [member.value for member in allowed]
        if key in values and values[key] not in codes:
            fields[key] = [f"Een van: {', '.join(codes)}."]
    if fields:
        raise ValidationFailed("De organisatie is niet aangemaakt.", fields)
    created = service.create_organisation(actor=g.api_user, now=now(), **values)
    db.session.commit()
    return jsonify(organisation_json(created)), 201
