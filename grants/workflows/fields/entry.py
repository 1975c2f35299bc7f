"""What is checked before the form is filled in: who may apply for a scheme, and that a request
stays within the window's ceiling (domain.md §1–§3).

An organisation learns on the first page that it cannot apply, not after the whole form; and a
request larger than everything the window holds is refused on entry with both figures.
"""

from dataclasses import dataclass

from grants.i18n import N_
from grants.models.organisations import OrganisationKind
from grants.money import format_eur
from grants.workflows.fields.sectorplan import LEAD_KINDS


@dataclass(frozen=True)
class Eligibility:
    kinds: frozenset[OrganisationKind]
    # Shown on the scheme's card, for every visitor.
    who_may_apply: str
    # Shown to an organisation of another kind, on the card and as the refusal on the first page.
    why_not: str


ELIGIBILITY = {
    # The lead applicant files: an employers' or employees' organisation of the partnership, an
    # O&O fund or a knowledge centre (§1). Other partners consent from their own account.
    "sectorplan": Eligibility(
        kinds=frozenset(LEAD_KINDS),
        who_may_apply=N_("Een samenwerkingsverband van ten minste één werkgevers- en één "
                         "werknemersorganisatie. De hoofdaanvrager dient in: een van hen, een "
                         "O&O-fonds of een kenniscentrum beroepsonderwijs."),
        why_not=N_("Een sectorplan wordt ingediend door de hoofdaanvrager: een werkgevers- of "
                   "werknemersorganisatie, een O&O-fonds of een kenniscentrum beroepsonderwijs. "
                   "Uw organisatie kan wel partner zijn; de hoofdaanvrager nodigt u dan uit."),
    ),
    # Any employer that supervises a student's work placement (§2); its kind does not matter.
    "praktijkleren": Eligibility(
        kinds=frozenset(OrganisationKind),
        who_may_apply=N_("Werkgevers die praktijkleerplaatsen bieden. Voor mbo-plaatsen moet "
                         "uw bedrijf een erkend leerbedrijf zijn."),
        why_not="",
    ),
    # A publicly funded mbo institution on behalf of the partnership (§3).
    "rif": Eligibility(
        kinds=frozenset({OrganisationKind.MBO_INSTITUTION}),
        who_may_apply=N_("Een bekostigde mbo-instelling, namens een samenwerkingsverband met ten "
                         "minste één werkgever."),
        why_not=N_("Alleen een bekostigde mbo-instelling kan het Regionaal investeringsfonds "
                   "mbo aanvragen, namens het samenwerkingsverband. Uw organisatie kan wel "
                   "partner zijn in het plan van de mbo-instelling."),
    ),
}

# The field that carries the amount asked for, where the applicant states one; praktijkleren's
# amount follows from the places and the run's rate, so it has none.
REQUESTED_AMOUNT_FIELD = {"sectorplan": "measures", "rif": "requested_subsidy"}


def may_apply(scheme_code: str, kind: OrganisationKind) -> bool:
    eligibility = ELIGIBILITY.get(scheme_code)
    return eligibility is None or kind in eligibility.kinds


def ceiling_errors(scheme_code: str, requested_cents: int,
                   ceiling_cents: int) -> dict[str, list[str]]:
    """A refusal naming both figures when the request exceeds the whole window's ceiling."""
    field = REQUESTED_AMOUNT_FIELD.get(scheme_code)
    if field is None or requested_cents <= ceiling_cents:
        return {}
    return {field: [f"Het gevraagde bedrag van {format_eur(requested_cents)} is hoger dan het "
                    f"subsidieplafond van dit tijdvak, {format_eur(ceiling_cents)}."]}
