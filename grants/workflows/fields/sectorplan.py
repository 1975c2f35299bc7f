"""Sectorplannen: a partnership's plan of measures, co-financed per measure (domain.md §1)."""

import math
from fractions import Fraction

from grants.models import ORGANISATION_KIND_LABELS, OrganisationKind, Region
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
    "min_themes": 2,
    "max_subsidy_share_percent": 50,
    "max_duration_months": 24,
    # What the assessor scores (assumed: the regulation names no scoring criteria).
    "criteria": ["analysis", "measures", "partnership", "budget"],
    "score_min": 1,
    "score_max": 10,
    # Advances (assumed, domain.md §1): this share of the grant, in instalments every so many
    # months from the project's start (a two-year plan: four); the rest after settlement.
    "advance_percent": 80,
    "advance_interval_months": 6,
    # Distribution (assumed, domain.md §1): grants go in the order the applications became
    # complete (grants.workflows.order).
    "grant_in_order_of_completeness": True,
}

ROLES = ["employers", "employees", "other"]

THEMES = ["youth", "older_workers", "distance_to_labour_market", "mobility", "training",
          "work_to_work", "good_employership"]

# Who may lead is set by the regulation itself, not a parameter an admin tunes.
LEAD_KINDS = [
    OrganisationKind.EMPLOYERS_ORGANISATION,
    OrganisationKind.EMPLOYEES_ORGANISATION,
    OrganisationKind.OM_FUND,
    OrganisationKind.KNOWLEDGE_CENTRE,
]

_ORGANISATION_ID = integer(minimum=1, what="het nummer (id) van een organisatie")

# The longest lists an application may hold: beyond any real one (the API documents them).
MOST_PARTNERS = 200
MOST_MEASURES = 100


SPEC: dict[str, Field] = {
    "lead_organisation": _ORGANISATION_ID,
    "partners": list_of({
        "organisation": _ORGANISATION_ID,
        "role": choice(ROLES),
    }, most=MOST_PARTNERS, what="partners"),
    "sector": text(200),
    "region": choice([region.value for region in Region]),
    "measures": list_of({
        "title": text(300),
        "theme": choice(THEMES),
        "eligible_cost": money(),
        "requested_subsidy": money(),
    }, most=MOST_MEASURES, what="maatregelen"),
    "starts_on": iso_date(),
    "ends_on": iso_date(),
}


def parse(payload: dict, *, partial: bool = False) -> tuple[dict, dict[str, list[str]]]:
    return parse_document(payload, SPEC, partial=partial)


def to_api(details: dict) -> dict:
    return document_to_api(details, SPEC)


def requested_cents(details: dict, rules: dict | None = None) -> int:
    return sum(measure.get("requested_subsidy") or 0 for measure in listed(details, "measures"))


def check_complete(details: dict, rules: dict, *, window_code: str) -> dict[str, list[str]]:
    rules = with_defaults(rules, DEFAULT_RULES)
    errors = Errors()
    require(details, ["lead_organisation", "sector", "region"], errors)
    kinds = _check_partners(details, errors)
    _check_lead(details, kinds, errors)
    _check_measures(details, rules, errors)
    check_period(details, errors, max_months=rules["max_duration_months"],
                 what="Een sectorplan")
    check_budget_period(details, rules, errors, what="Een sectorplan")
    return errors.as_dict()


def _kind_label(kind: OrganisationKind) -> str:
    return ORGANISATION_KIND_LABELS[kind].lower()


def _check_partners(details: dict, errors: Errors) -> dict[int, OrganisationKind]:
    """Checks the partners; returns the kind of each listed organisation that exists."""
    partners = listed(details, "partners")
    if not partners:
        errors.add("partners", "Voeg de partners van het samenwerkingsverband toe.")
    kinds: dict[int, OrganisationKind] = {}
    roles: set[tuple[str, OrganisationKind]] = set()
    for index, partner in enumerate(partners):
        prefix = f"partners[{index}]"
        require(partner, ["organisation", "role"], errors, prefix)
        organisation_id = partner.get("organisation")
        if organisation_id is None:
            continue
        if organisation_id in kinds:
            errors.add(f"{prefix}.organisation", "Deze organisatie staat al bij de partners.")
            continue
        found = organisation(organisation_id)
        if found is None:
            errors.add(f"{prefix}.organisation", f"Er is geen organisatie met nummer "
                                                 f"{organisation_id}.")
            continue
        kinds[organisation_id] = found.kind
        if partner.get("role"):
            roles.add((partner["role"], found.kind))
    if partners:
        if ("employers", OrganisationKind.EMPLOYERS_ORGANISATION) not in roles:
            errors.add("partners", "Ten minste één partner moet een werkgeversorganisatie zijn "
                                   "met de rol werkgevers (employers).")
        if ("employees", OrganisationKind.EMPLOYEES_ORGANISATION) not in roles:
            errors.add("partners", "Ten minste één partner moet een werknemersorganisatie zijn "
                                   "met de rol werknemers (employees).")
    return kinds


def _check_lead(details: dict, kinds: dict[int, OrganisationKind], errors: Errors) -> None:
    lead_id = details.get("lead_organisation")
    if lead_id is None:
        return
    lead = organisation(lead_id)
    if lead is None:
        errors.add("lead_organisation", f"Er is geen organisatie met nummer {lead_id}.")
        return
    if lead.kind not in LEAD_KINDS:
        allowed = ", ".join(_kind_label(kind) for kind in LEAD_KINDS[:-1])
        errors.add("lead_organisation",
                   f"De hoofdaanvrager moet een {allowed} of {_kind_label(LEAD_KINDS[-1])} "
                   f"zijn, geen {_kind_label(lead.kind)}.")
    if lead_id not in kinds:
        errors.add("lead_organisation", "De hoofdaanvrager moet ook bij de partners staan.")


def _check_measures(details: dict, rules: dict, errors: Errors) -> None:
    measures = listed(details, "measures")
    if not measures:
        errors.add("measures", "Voeg ten minste één maatregel toe.")
        return
    share = exact(rules["max_subsidy_share_percent"]) / 100
    for index, measure in enumerate(measures):
        prefix = f"measures[{index}]"
        require(measure, ["title", "theme", "eligible_cost", "requested_subsidy"], errors, prefix)
        cost, subsidy = measure.get("eligible_cost"), measure.get("requested_subsidy")
        if cost is not None and cost <= 0:
            errors.add(f"{prefix}.eligible_cost", "De subsidiabele kosten moeten meer dan "
                                                  "€ 0 zijn.")
        if subsidy is not None and subsidy <= 0:
            errors.add(f"{prefix}.requested_subsidy", "Het gevraagde bedrag moet meer dan "
                                                      "€ 0 zijn.")
        if cost is not None and subsidy is not None and cost > 0 and subsidy > cost * share:
            maximum = math.floor(Fraction(cost) * share)
            errors.add(f"{prefix}.requested_subsidy",
                       f"De subsidie is hoogstens {format_number(share * 100)}% van de "
                       f"subsidiabele kosten van deze maatregel: ten hoogste "
                       f"{format_eur(maximum)}.")
    themes = {measure["theme"] for measure in measures if measure.get("theme")}
    minimum = rules["min_themes"]
    if len(themes) < minimum:
        errors.add("measures", f"De maatregelen moeten samen ten minste {minimum} verschillende "
                               f"thema's behandelen; nu {len(themes)}.")
