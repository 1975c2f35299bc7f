"""Regionaal investeringsfonds mbo: an mbo institution's project with its regional partners,
who contribute at least twice the subsidy (domain.md §3)."""

import math

from grants.models import OrganisationKind, Region
from grants.money import format_eur
from grants.workflows.fields.common import (
    Errors,
    Field,
    check_budget_period,
    check_period,
    choice,
    document_to_api,
    exact,
    format_number,
    integer,
    iso_date,
    list_of,
    listed,
    money,
    organisation,
    parse_document,
    require,
    text,
    with_defaults,
)

DEFAULT_RULES = {
    "min_subsidy_cents": 20_000_000,
    "max_subsidy_cents": 200_000_000,
    "min_contribution_ratio": 2,
    "max_duration_months": 48,
    "required_documents": ["regional_vision", "action_plan", "budget", "cooperation_agreement"],
    "criteria": ["fit", "coordination", "durability", "innovation"],
    "score_min": 1,
    "score_max": 10,
    "committee_quorum": 2,
    "sufficient_average": 6,
    # Advances (assumed, domain.md §3): yearly instalments from the project's start, one per
    # project year; the share is assumed equal to the sector plans'. The rest after settlement.
    "advance_percent": 80,
    "advance_interval_months": 12,
}

PARTNER_KINDS = ["employer", "regional_government", "om_fund", "other"]
# Only businesses and regional government count towards the co-financing.
CONTRIBUTING_KINDS = {"employer", "regional_government"}
CONTRIBUTION_KINDS = ["cash", "in_kind"]
DOCUMENT_LABELS = {
    "regional_vision": "regionale visie",
    "action_plan": "actieplan",
    "budget": "meerjarenbegroting",
    "cooperation_agreement": "samenwerkingsovereenkomst",
}

# The longest lists an application may hold: beyond any real one (the API documents them).
MOST_PARTNERS = 200
MOST_CONTRIBUTIONS = 200
MOST_DOCUMENTS = 50


SPEC: dict[str, Field] = {
    "institution": integer(minimum=1, what="het nummer (id) van de mbo-instelling"),
    "partners": list_of({
        "name": text(200),
        "kind": choice(PARTNER_KINDS),
    }, most=MOST_PARTNERS, what="partners"),
    "region": choice([region.value for region in Region]),
    "requested_subsidy": money(),
    "total_cost": money(),
    "contributions": list_of({
        "partner": text(200),
        "kind": choice(CONTRIBUTION_KINDS),
        "amount": money(),
    }, most=MOST_CONTRIBUTIONS, what="bijdragen"),
    "starts_on": iso_date(),
    "ends_on": iso_date(),
    "documents": list_of({
        "kind": choice(list(DOCUMENT_LABELS)),
        "name": text(200),
    }, most=MOST_DOCUMENTS, what="documenten"),
}


def parse(payload: dict, *, partial: bool = False) -> tuple[dict, dict[str, list[str]]]:
    return parse_document(payload, SPEC, partial=partial)


def to_api(details: dict) -> dict:
    return document_to_api(details, SPEC)


def requested_cents(details: dict, rules: dict | None = None) -> int:
    return details.get("requested_subsidy") or 0


def check_complete(details: dict, rules: dict, *, window_code: str) -> dict[str, list[str]]:
    rules = with_defaults(rules, DEFAULT_RULES)
    errors = Errors()
    require(details, ["institution", "region", "requested_subsidy", "total_cost"], errors)
    _check_institution(details, errors)
    partner_kinds = _check_partners(details, errors)
    _check_amounts(details, rules, errors)
    _check_contributions(details, rules, partner_kinds, errors)
    check_period(details, errors, max_months=rules["max_duration_months"], what="Het project")
    check_budget_period(details, rules, errors, what="Het project")
    _check_documents(details, rules, errors)
    return errors.as_dict()


def _check_institution(details: dict, errors: Errors) -> None:
    institution_id = details.get("institution")
    if institution_id is None:
        return
    institution = organisation(institution_id)
    if institution is None:
        errors.add("institution", f"Er is geen organisatie met nummer {institution_id}.")
    elif institution.kind != OrganisationKind.MBO_INSTITUTION:
        errors.add("institution", "De aanvrager moet een bekostigde mbo-instelling zijn.")


def _check_partners(details: dict, errors: Errors) -> dict[str, str | None]:
    """Checks the partners; returns each partner's kind by name, for the contributions."""
    partners = listed(details, "partners")
    kinds: dict[str, str | None] = {}
    for index, partner in enumerate(partners):
        prefix = f"partners[{index}]"
        require(partner, ["name", "kind"], errors, prefix)
        name = partner.get("name")
        if not name:
            continue
        if name in kinds:
            errors.add(f"{prefix}.name", "Deze naam staat al bij de partners; bijdragen moeten "
                                         "naar één partner kunnen verwijzen.")
            continue
        kinds[name] = partner.get("kind")
    if "employer" not in kinds.values():
        errors.add("partners", "Het samenwerkingsverband heeft ten minste één werkgever nodig.")
    return kinds


def _check_amounts(details: dict, rules: dict, errors: Errors) -> None:
    subsidy, cost = details.get("requested_subsidy"), details.get("total_cost")
    low, high = rules["min_subsidy_cents"], rules["max_subsidy_cents"]
    if subsidy is not None and not low <= subsidy <= high:
        errors.add("requested_subsidy", f"De gevraagde subsidie moet tussen {format_eur(low)} "
                                        f"en {format_eur(high)} liggen.")
    if subsidy is None or cost is None:
        return
    # Partners bring at least ratio × the subsidy, so the cost is at least (1 + ratio) × it.
    factor = 1 + exact(rules["min_contribution_ratio"])
    if cost < subsidy * factor:
        errors.add("total_cost",
                   f"De totale kosten moeten ten minste {format_number(factor)} keer de gevraagde "
                   f"subsidie zijn: ten minste {format_eur(math.ceil(subsidy * factor))}.")


def _check_contributions(details: dict, rules: dict, partner_kinds: dict[str, str | None],
                         errors: Errors) -> None:
    counted = 0
    for index, contribution in enumerate(listed(details, "contributions")):
        prefix = f"contributions[{index}]"
        require(contribution, ["partner", "kind", "amount"], errors, prefix)
        name, amount = contribution.get("partner"), contribution.get("amount")
        if name and name not in partner_kinds:
            errors.add(f"{prefix}.partner", f"{name!r} staat niet bij de partners; gebruik "
                                            f"precies de naam van een partner.")
        if amount is not None and amount <= 0:
            errors.add(f"{prefix}.amount", "Een bijdrage moet meer dan € 0 zijn.")
        elif amount is not None and partner_kinds.get(name) in CONTRIBUTING_KINDS:
            counted += amount
    subsidy = details.get("requested_subsidy")
    if not subsidy:
        return
    ratio = exact(rules["min_contribution_ratio"])
    if counted < subsidy * ratio:
        errors.add("contributions",
                   f"Werkgevers en regionale overheden dragen samen {format_eur(counted)} bij; "
                   f"dat moet ten minste {format_number(ratio)} keer de gevraagde subsidie "
                   f"zijn: {format_eur(math.ceil(subsidy * ratio))}.")


def _check_documents(details: dict, rules: dict, errors: Errors) -> None:
    documents = listed(details, "documents")
    for index, document in enumerate(documents):
        require(document, ["kind", "name"], errors, f"documents[{index}]")
    present = {document.get("kind") for document in documents if document.get("name")}
    missing = [kind for kind in rules["required_documents"] if kind not in present]
    if missing:
        names = [DOCUMENT_LABELS.get(kind, kind) for kind in missing]
        shown = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]
        errors.add("documents", f"Nog niet bijgevoegd: {shown}.")
