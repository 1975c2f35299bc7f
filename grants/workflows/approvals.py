"""The guard of decisions about money that need a second person (domain.md §4: four eyes on
settlements and recoveries): one person prepares them (grants.services.approvals), an approver
approves, and only the approval fires the trigger."""

from grants.errors import ValidationFailed
from grants.workflows.engine import Firing


def approved_by_a_second_person(f: Firing) -> None:
    if f.approval is None:
        raise ValidationFailed("Dit besluit neemt een tweede persoon.", {"approval": [
            "Leg het besluit voor; het geldt pas als een ander met de rol van beslisser het "
            "goedkeurt."]})


def needs_approval(transitions, trigger: str) -> bool:
    return any(approved_by_a_second_person in item.guards for item in transitions
               if item.trigger == trigger)
