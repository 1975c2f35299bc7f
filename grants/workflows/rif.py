"""Regionaal investeringsfonds mbo: domain.md §3 and §5.

The independent committee scores each application per criterion; it is assessed once as many
members as the quorum (data) have scored it.
"""

from fractions import Fraction

from grants.errors import ValidationFailed
from grants.models import Application, Recommendation, Role, User
from grants.workflows import common, order
from grants.workflows.adjustments import adjustment_transitions
from grants.workflows.engine import Firing, Workflow, register, transition
from grants.workflows.fields import rif as fields
from grants.workflows.grant import grant_lifecycle

S = common.S


def not_scored_yet(application: Application, user: User) -> bool:
    return user.id not in common.assessors_of(application)


def valid_scores(f: Firing) -> None:
    if not not_scored_yet(f.application, f.actor):
        raise ValidationFailed("U heeft deze aanvraag al gescoord.", {"scores": [
            "Elk commissielid scoort een aanvraag één keer."]})
    params = f.params
    scores = common.criterion_scores(f)
    average = Fraction(sum(scores.values()), len(scores))
    sufficient = average >= params["sufficient_average"]
    f.audit_data.update(
        scores=scores,
        recommendation=(Recommendation.POSITIVE if sufficient else Recommendation.NEGATIVE).value)


def quorum_reached(f: Firing) -> bool:
    return len(common.assessors_of(f.application)) + 1 >= f.params["committee_quorum"]


def _record(dest):
    return transition("record_assessment", S.IN_ASSESSMENT, dest, Role.COMMITTEE,
                      guards=[valid_scores],
                      effects=[common.store_assessment, common.reserve_when_assessed_positively],
                      condition=quorum_reached if dest else None, available=not_scored_yet)


WORKFLOW = register(Workflow(
    scheme="rif",
    states=common.GRANT_STATES,
    # The last member needed for the quorum moves it on; earlier members leave it in assessment.
    transitions=(*grant_lifecycle([_record(S.ASSESSED), _record(None)],
                                  order=order.from_ranking_run,
                                  granted_by_hand=order.granted_by_hand),
                 # On progress reports the committee may advise to lower or end the grant.
                 *adjustment_transitions()),
    fields=fields,
    default_rules=fields.DEFAULT_RULES,
))
