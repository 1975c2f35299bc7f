"""Praktijkleren: one student counts for at most one full place per study year, across all
applications of the window, not only within one (domain.md §2).

The field module knows who is the same student and how much a place counts for; this module
finds the student's places in the other applications that count, and words the refusal for
whoever fires the trigger: an applicant never learns another organisation's data, staff may
see the other application's reference.
"""

from dataclasses import dataclass
from fractions import Fraction

import sqlalchemy as sa

from grants.errors import ValidationFailed
from grants.extensions import db
from grants.models import Application, ApplicationState, RuleVersion
from grants.workflows.fields import praktijkleren as fields
from grants.workflows.fields.common import format_number, listed

S = ApplicationState
# Applications whose places do not count: never filed, taken back, or not (to be) decided on.
NOT_COUNTED = (S.DRAFT, S.WITHDRAWN, S.REJECTED, S.UNPROCESSED)


@dataclass(frozen=True)
class Source:
    reference: str
    organisation_id: int


def places_elsewhere(application: Application,
                     places: list[dict]) -> list[tuple[dict, Fraction, Source]]:
    """The places in the window's other counting applications that may be a student of
    ``places``, each with its share there (under that application's own rules)."""
    rows = db.session.execute(
        sa.select(Application.reference, Application.organisation_id, Application.details,
                  RuleVersion.rules)
        .outerjoin(RuleVersion, RuleVersion.id == Application.rules_version_id)
        .where(Application.window_id == application.window_id,
               Application.scheme_id == application.scheme_id,
               Application.id != application.id,
               Application.state.not_in(NOT_COUNTED))
        .order_by(Application.id))
    pool = []
    for reference, organisation_id, details, rules in rows:
        theirs = listed(details or {}, "places")
        shares = fields.place_fractions(theirs, (rules or {}).get("rules"))
        source = Source(reference, organisation_id)
        pool += [(place, share, source) for place, share in zip(theirs, shares, strict=True)
                 if share]
    return _related(places, pool)


def _related(places: list[dict], pool: list) -> list:
    """Only the places that share an identity with ours, directly or through one another."""
    wanted = {identity for place in places for identity in fields.identities(place)}
    keyed = [(item, set(fields.identities(item[0]))) for item in pool]
    related, grown = [], True
    while grown:
        grown, rest = False, []
        for item, found in keyed:
            if found & wanted:
                related.append(item)
                wanted |= found
                grown = True
            else:
                rest.append((item, found))
        keyed = rest
    return related


def check_across_applications(application: Application, params: dict, *, staff: bool) -> None:
    """Refuse (422) the places that take a student over one full place together with the other
    applications of the window; ``staff`` may read the other applications' references."""
    places = listed(application.details or {}, "places")
    elsewhere = places_elsewhere(application, places)
    if not elsewhere:
        return
    errors = {}
    for index, counted in fields.places_over_one(places, params, elsewhere).items():
        if counted.sources:
            where = _where(counted.sources, application.organisation_id, staff=staff)
            errors[f"places[{index}].{fields.size_field(places[index])}"] = [
                f"Deze student telt {where} al voor {format_number(counted.share)} volledige "
                f"plaats; met deze plaats erbij is dat meer dan één volledige plaats in het "
                f"studiejaar."]
    if errors:
        raise ValidationFailed("Een student telt in de aanvragen van dit studiejaar samen voor "
                               "meer dan één volledige plaats.", errors)


def _where(sources: list[Source], organisation_id: int, *, staff: bool) -> str:
    """"in aanvraag PL-…", "in uw aanvraag PL-…", "in een andere aanvraag voor dit studiejaar"."""
    if staff:
        named = [source.reference for source in sources]
        if len(named) == 1:
            return f"in aanvraag {named[0]}"
        return f"in de aanvragen {', '.join(named[:-1])} en {named[-1]} samen"
    own = [source.reference for source in sources if source.organisation_id == organisation_id]
    others = len(sources) - len(own)
    parts = [f"in uw aanvraag {reference}" for reference in own]
    if others:
        parts.append("in een andere aanvraag voor dit studiejaar" if others == 1
                     else "in andere aanvragen voor dit studiejaar")
    phrase = " en ".join(parts)
    return f"{phrase} samen" if len(sources) > 1 else phrase
