"""Awb 4:14: when the decision cannot be given within its term, the applicant is told so within
it, with a new date.

``extend_decision_term`` (an addition to the canonical triggers, like ``extend_objection_term``)
is fired by an assessor or approver while the application is undecided, with the reason and the
new date. The date goes on the application (the portal and the API show it) and the notice
("Verdaging van de beslistermijn") goes out through the decisions' outbox, like their letters.
"""

from collections.abc import Iterable
from datetime import date

from grants.errors import ValidationFailed
from grants.models import ApplicationState, Role
from grants.timefmt import format_day
from grants.workflows import common, terms
from grants.workflows.engine import Firing, Transition, transition

S = ApplicationState
UNDECIDED = (S.SUBMITTED, S.INCOMPLETE, S.IN_ASSESSMENT, S.ASSESSED, S.VALIDATED)
FIELD = "decision_due_on"


def _refuse(message: str) -> None:
    raise ValidationFailed("De beslistermijn is niet verdaagd.", {FIELD: [message]})


def new_decision_date(f: Firing) -> None:
    """A day later than the current one and than today, on which a term can end."""
    current = f.application.decision_due_on
    if current is None:
        _refuse("Er loopt geen beslistermijn om te verdagen.")
    given = f.data.get(FIELD)
    try:
        day = date.fromisoformat(given)
    except (TypeError, ValueError):
        _refuse("Geef de nieuwe datum waarop uiterlijk wordt beslist, als JJJJ-MM-DD.")
    if day <= current:
        _refuse(f"De nieuwe datum ligt na de huidige: {format_day(current)}.")
    if day <= f.today:
        _refuse("De nieuwe datum ligt na vandaag.")
    # A date the Algemene termijnenwet would move is not what the letter should promise.
    day_off = terms.day_off_name(day, terms.days_off())
    if day_off:
        _refuse(f"Op {format_day(day)} eindigt geen termijn ({day_off}). Kies een werkdag.")
    f.audit_data.update(previous_due_on=current.isoformat(), decision_due_on=day.isoformat())


def postpone(f: Firing) -> None:
    application = f.application
    application.decision_due_on = date.fromisoformat(f.audit_data[FIELD])
    application.decision_term_ends_on = application.decision_due_on
    from grants.decisions.outbox import record_decision

    record_decision(f)


def postponement(states: Iterable[ApplicationState]) -> Transition:
    """The trigger for a workflow whose states are ``states`` (from its undecided ones)."""
    states = set(states)
    return transition("extend_decision_term", [s for s in UNDECIDED if s in states], None,
                      (Role.ASSESSOR, Role.APPROVER),
                      guards=[common.reason_required, new_decision_date], effects=[postpone])
