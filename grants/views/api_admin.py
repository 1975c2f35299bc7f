"""The admin's part of API v1 (shared/api.md): opening a window of a scheme, and amending its
ceilings or dates. Added to the API blueprint, so it shares its tokens and its error shape.

A ceiling amendment is prepared (202, with the prepared decisions under ``prepared``) and takes
effect when a second admin approves it: POST /approvals/{id}/approve (four eyes on every money
decision)."""

from datetime import UTC, date, datetime

from flask import g, jsonify

from grants.access import require_role
from grants.clock import now
from grants.errors import ValidationFailed
from grants.extensions import db
from grants.models import PlaceCategory, Role, Scheme, Window
from grants.money import InvalidAmount, cents_to_api, euros
from grants.services import admin as service
from grants.services.schemes import get_window
from grants.timefmt import AMSTERDAM, to_api
from grants.views.api import _json_body, prepared_json, window_json
from grants.views.api import bp as api

Errors = dict[str, list[str]]
MOMENT_EXAMPLE = "2015-10-01T00:00:00+02:00"


def _text(body: dict, key: str, errors: Errors) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.setdefault(key, []).append("Een tekst.")
        return ""
    return value


def _moment(body: dict, key: str, errors: Errors) -> datetime | None:
    value = body.get(key)
    if value is None:
        return None
    problem = f"Een tijdstip in ISO 8601 met de tijdzone, bijvoorbeeld {MOMENT_EXAMPLE}."
    if not isinstance(value, str):
        errors.setdefault(key, []).append(problem)
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        errors.setdefault(key, []).append(problem)
        return None
    if moment.tzinfo is None:
        errors.setdefault(key, []).append(problem)
        return None
    try:
        # Stored in UTC and shown in Amsterdam time: both must exist in the calendar (year 1
        # to 9999), which an offset at either end of it can push a moment out of.
        moment.astimezone(UTC)
        moment.astimezone(AMSTERDAM)
    except OverflowError:
        errors.setdefault(key, []).append(
            f"Een tijdstip tussen de jaren 1 en 9999, bijvoorbeeld {MOMENT_EXAMPLE}.")
        return None
    return moment


def _day(body: dict, key: str, errors: Errors) -> date | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    errors.setdefault(key, []).append("Een datum als 2014-05-01.")
    return None


def _cents(value, path: str, errors: Errors) -> int | None:
    # Amounts are decimal strings; a JSON number could be a float, which money never is.
    if isinstance(value, str):
        try:
            cents = euros(value)
        except InvalidAmount:
            pass
        else:
            if cents >= 0:
                return cents
            errors.setdefault(path, []).append("Niet negatief.")
            return None
    errors.setdefault(path, []).append('Een bedrag in euro\'s als tekst, zoals "10000000.00".')
    return None


def _ceilings(scheme: Scheme, body: dict, errors: Errors, *, required: bool
              ) -> tuple[dict[PlaceCategory | None, int], dict[str, str]]:
    """The ceilings in the body, and where each was given (to file the service's errors)."""
    ceilings: dict[PlaceCategory | None, int] = {}
    paths: dict[str, str] = {}
    if not service.has_categories(scheme):
        if "categories" in body:
            errors["categories"] = [f"{scheme.code} heeft één plafond per tijdvak: geef "
                                    "ceiling."]
        if "ceiling" in body:
            cents = _cents(body["ceiling"], "ceiling", errors)
            if cents is not None:
                ceilings[None] = cents
        elif required:
            errors["ceiling"] = ["Geef het subsidieplafond."]
        return ceilings, {"ceiling": "ceiling"}

    if "ceiling" in body:
        errors["ceiling"] = [f"{scheme.code} heeft een plafond per categorie: geef "
                             "categories."]
    items = body.get("categories")
    if items is None:
        if required:
            errors["categories"] = ["Geef een plafond voor elke categorie: vmbo, mbo, hbo en "
                                    "promovendus."]
        return ceilings, paths
    if not isinstance(items, list):
        errors["categories"] = ['Een lijst van {"code", "ceiling"}.']
        return ceilings, paths
    for index, item in enumerate(items):
        code = item.get("code") if isinstance(item, dict) else None
        if code not in {category.value for category in PlaceCategory}:
            errors[f"categories[{index}].code"] = ["vmbo, mbo, hbo of promovendus."]
            continue
        category = PlaceCategory(code)
        if category in ceilings:
            errors[f"categories[{index}].code"] = [f"{code} staat er twee keer in."]
            continue
        cents = _cents(item.get("ceiling"), f"categories[{index}].ceiling", errors)
        if cents is not None:
            ceilings[category] = cents
            paths[service.ceiling_field(category)] = f"categories[{index}].ceiling"
    missing = [c.value for c in PlaceCategory if c not in ceilings]
    if required and missing and not any(key.startswith("categories[") for key in errors):
        errors["categories"] = [f"Geef ook een plafond voor {', '.join(missing)}."]
    return ceilings, paths


def _refile(refused: ValidationFailed, paths: dict[str, str]) -> ValidationFailed:
    """The service's field names as the body named them (categories[2].ceiling, …)."""
    fields: Errors = {}
    for field, messages in refused.fields.items():
        fields.setdefault(paths.get(field, field), []).extend(messages)
    return ValidationFailed(refused.message, fields)


def _amendment_json(amendment) -> dict:
    line = amendment.line
    return {
        "id": amendment.id,
        "category": line.category.value if line.category else None,
        "old_ceiling": cents_to_api(amendment.old_ceiling_cents),
        "new_ceiling": cents_to_api(amendment.new_ceiling_cents),
        "effective_on": amendment.effective_on.isoformat(),
        "reason": amendment.reason,
        "recorded_at": to_api(amendment.recorded_at),
        "recorded_by": amendment.recorded_by.email if amendment.recorded_by else None,
    }


def _window_json(window: Window) -> dict:
    return {**window_json(window),
            "amendments": [_amendment_json(a) for a in window.amendments]}


@api.post("/schemes/<scheme_code>/windows")
def open_window(scheme_code: str):
    require_role(g.api_user, Role.ADMIN)
    scheme = service.get_scheme(scheme_code)
    body = _json_body()
    errors: Errors = {}
    code = _text(body, "code", errors)
    name = _text(body, "name", errors) or (f"Tijdvak {code.strip()}" if code.strip() else "")
    source = _text(body, "source", errors)
    opens_at = _moment(body, "opens_at", errors)
    closes_at = _moment(body, "closes_at", errors)
    ceilings, paths = _ceilings(scheme, body, errors, required=True)
    for key, message in (("code", "Geef de code van het tijdvak."),
                         ("opens_at", "Geef opens_at."), ("closes_at", "Geef closes_at.")):
        if key not in body:
            errors.setdefault(key, []).append(message)
    if errors:
        raise ValidationFailed("Het tijdvak is niet geopend.", errors)
    try:
        window = service.open_window(scheme, code=code, name=name, opens_at=opens_at,
                                     closes_at=closes_at, ceilings=ceilings, source=source,
                                     actor=g.api_user, now=now())
    except ValidationFailed as refused:
        raise _refile(refused, paths) from None
    db.session.commit()
    return jsonify(_window_json(window)), 201


@api.patch("/schemes/<scheme_code>/windows/<window_code>")
def amend_window(scheme_code: str, window_code: str):
    require_role(g.api_user, Role.ADMIN)
    window = get_window(scheme_code, window_code)
    body = _json_body()
    errors: Errors = {}
    reason = _text(body, "reason", errors)
    opens_at = _moment(body, "opens_at", errors)
    closes_at = _moment(body, "closes_at", errors)
    effective_on = _day(body, "effective_on", errors)
    ceilings, paths = _ceilings(window.scheme, body, errors, required=False)
    if not errors and opens_at is None and closes_at is None and not ceilings:
        raise ValidationFailed("Er is niets om te wijzigen: geef opens_at, closes_at, ceiling "
                               "of categories, met reason.")
    if errors:
        raise ValidationFailed("Het tijdvak is niet gewijzigd.", errors)
    try:
        change = service.amend_window(
            window, reason=reason, opens_at=opens_at, closes_at=closes_at,
            ceilings=ceilings or None, effective_on=effective_on, actor=g.api_user, now=now())
    except ValidationFailed as refused:
        raise _refile(refused, paths) from None
    db.session.commit()
    body = {**_window_json(get_window(scheme_code, window_code)),
            "prepared": [prepared_json(decision) for decision in change.prepared]}
    return jsonify(body), 202 if change.prepared else 200
