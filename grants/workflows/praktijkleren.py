"""Praktijkleren (Subsidieregeling praktijkleren): domain.md §2 and §5.

No grant step: once the places are checked the application is validated, and the allocation run
after the window settles it directly (directe vaststelling), which is the decision. Nobody
settles by hand: one rate per category for everyone needs every settlement from the one run
(Awb 4:26). An application that fails the eligibility check is refused while it is assessed.
"""

from dataclasses import replace

import sqlalchemy as sa

from grants.budget import ledger
from grants.errors import Conflict, ValidationFailed
from grants.extensions import db
from grants.models import (
    AllocationRun,
    EntryKind,
    PlaceCategory,
    Recommendation,
    Role,
    RunStatus,
)
from grants.workflows import common, objections, students
from grants.workflows.engine import Firing, Transition, Workflow, register, transition
from grants.workflows.fields import praktijkleren as fields
from grants.workflows.postponement import postponement

S = common.S
R = Role

DECIDED = (S.UNPROCESSED, S.REJECTED, S.SETTLED, S.PAID, S.CLOSED)


def students_for_applicant(f: Firing) -> None:
    """At most one full place per student across the window's applications (domain.md §2)."""
    students.check_across_applications(f.application, f.params, staff=False)


def students_for_staff(f: Firing) -> None:
    students.check_across_applications(f.application, f.params, staff=True)


def intake_transitions():
    """The shared intake; the completeness check also looks at the other applications."""
    for step in common.intake_transitions():
        if step.trigger in ("submit", "provide_information"):
            step = replace(step, guards=(*step.guards, students_for_applicant))
        yield step


def places_checked(f: Firing) -> None:
    f.audit_data["recommendation"] = Recommendation.POSITIVE.value


def from_the_final_run(f: Firing) -> None:
    if f.allocation is None:
        raise ValidationFailed("Alleen de verdeling stelt vast.", {"allocation": [
            "Praktijkleren wordt vastgesteld door de ene verdeling van het tijdvak, na "
            "15 september, tegen één tarief per categorie voor iedereen (Awb 4:26)."]})


def only_from_a_run(_application, _user) -> bool:
    """Nobody is offered the settlement by hand; the allocation run fires it."""
    return False


def refused_as_ineligible(f: Firing) -> None:
    # The refusal rests on the regulation's conditions, not on the ceiling (which only the run
    # can reach); the letter cites the article for that ground.
    f.audit_data["refusal_ground"] = "eligibility"


def window_not_yet_divided(f: Firing) -> None:
    """An upheld objection against a refusal puts the application back among the validated
    ones, which the final run settles; once that run has taken effect it can no longer. A run
    still waiting for approval does not stand in the way: it no longer matches the window
    then, so its approval is refused and a new run includes the application."""
    window = f.application.window
    run = db.session.scalar(sa.select(AllocationRun.id).where(
        AllocationRun.window_id == window.id,
        AllocationRun.status == RunStatus.COMMITTED).limit(1))
    if run is not None:
        raise Conflict(f"{window.name} is al verdeeld (verdeling {run}): een gegrond bezwaar "
                       f"tegen de afwijzing kan de aanvraag niet meer in die verdeling brengen.")


def upheld_against_rejection() -> Transition:
    return transition(
        "decide_objection", S.REJECTED, S.VALIDATED, R.APPROVER, condition=objections.upheld,
        guards=[common.has_pending_objection, objections.objection_decision,
                window_not_yet_divided],
        effects=[objections.decide, objections.write_letters],
        available=common.objection_pending)


def objection_transitions():
    """The shared objection steps, but an upheld objection against a refusal is not a grant
    here (there is none): the application is validated again, for the final run."""
    for step in objections.transitions(DECIDED):
        if step.trigger == "decide_objection" and step.dest == S.APPROVED:
            yield upheld_against_rejection()
        else:
            yield step


def settlement_amounts(f: Firing) -> None:
    """Directe vaststelling: an amount per category, at most the full rate for its places.

    The allocation run gives the amounts (``{"amounts": {"mbo": "2700.00", …}}``) at the rate it
    computed; without them each category gets the full rate.
    """
    limits = fields.rate_amounts(fields.fractions_of(f), f.params)
    given = f.data.get("amounts")
    if given is None:
        amounts = limits
    elif not isinstance(given, dict):
        raise ValidationFailed("Ongeldige bedragen.", {"amounts": [
            "Geef per categorie een bedrag, als {\"mbo\": \"2700.00\"}."]})
    else:
        amounts, errors = fields.amounts_per_category(given, limits)
        if errors:
            raise ValidationFailed("De bedragen kloppen niet.", errors)
    f.audit_data.update(amounts_cents={k: v for k, v in amounts.items() if v},
                        amount_cents=sum(amounts.values()))


def commit_per_category(f: Firing) -> None:
    window = f.application.window
    for category, cents in f.audit_data["amounts_cents"].items():
        ledger.post(window.line_for(PlaceCategory(category)), EntryKind.COMMIT, cents,
                    actor=f.actor, now=f.now, cause=f.trigger_name, application=f.application)
    f.application.granted_cents = f.application.settled_cents = f.audit_data["amount_cents"]


WORKFLOW = register(Workflow(
    scheme="praktijkleren",
    states=(S.DRAFT, S.SUBMITTED, S.INCOMPLETE, S.UNPROCESSED, S.IN_ASSESSMENT, S.VALIDATED,
            S.REJECTED, S.WITHDRAWN, S.SETTLED, S.PAID, S.CLOSED),
    transitions=(
        *intake_transitions(),
        transition("record_assessment", S.IN_ASSESSMENT, S.VALIDATED, R.ASSESSOR,
                   guards=[common.fields_complete, students_for_staff, places_checked],
                   effects=[common.store_assessment]),
        transition("reject", S.IN_ASSESSMENT, S.REJECTED, R.ASSESSOR,
                   guards=[common.reason_required],
                   effects=[refused_as_ineligible, common.refused, common.decided]),
        transition("withdraw", (S.DRAFT, S.SUBMITTED, S.INCOMPLETE, S.IN_ASSESSMENT,
                                S.VALIDATED), S.WITHDRAWN, R.APPLICANT),
        transition("settle", S.VALIDATED, S.SETTLED, R.FINANCE,
                   guards=[from_the_final_run, settlement_amounts],
                   effects=[commit_per_category, common.decided], available=only_from_a_run),
        transition("pay", S.SETTLED, S.PAID, R.FINANCE, guards=[common.something_to_pay],
                   effects=[common.pay_balance]),
        transition("close", S.PAID, S.CLOSED, R.FINANCE),
        postponement((S.SUBMITTED, S.INCOMPLETE, S.IN_ASSESSMENT, S.VALIDATED)),
        *objection_transitions(),
    ),
    fields=fields,
    default_rules=fields.DEFAULT_RULES,
))
