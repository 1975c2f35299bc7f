"""A scheme's lifecycle as a list: each transition from each source state, with who may fire it.

Drawn from the very workflow definition the engine fires triggers on (grants.workflows.engine),
so the table on the lifecycle page and the picture (grants.workflows.diagram) cannot drift from
the code. Pure functions, no Flask.
"""

from collections.abc import Mapping
from typing import NamedTuple

from grants.i18n import N_
from grants.models import ROLE_LABELS, TRIGGER_LABELS, ApplicationState, Role
from grants.workflows.engine import Transition, Workflow

# When a transition is taken only if its condition holds (keyed by the condition's name).
CONDITION_LABELS = {
    "quorum_reached": N_("als het quorum is bereikt"),
    "asked_during_assessment": N_("als de informatie tijdens de beoordeling is gevraagd"),
}
OTHERWISE = N_("anders")
UNDER_CONDITION = N_("onder voorwaarde")
STAYS = N_("blijft")


class Edge(NamedTuple):
    """One transition from one source state."""

    source: ApplicationState
    trigger: str
    # The source itself when the application stays in its state.
    dest: ApplicationState
    roles: frozenset[Role]

    @property
    def stays(self) -> bool:
        return self.source == self.dest


def trigger_label(trigger: str) -> str:
    return TRIGGER_LABELS.get(trigger, trigger)


def _condition_note(item: Transition, earlier: list[Transition], source) -> str | None:
    if item.condition is not None:
        name = getattr(item.condition, "__name__", "")
        return CONDITION_LABELS.get(name, UNDER_CONDITION)
    # Taken when an earlier transition of the same trigger and source did not hold.
    if any(t.trigger == item.trigger and source in t.sources and t.condition is not None
           for t in earlier):
        return OTHERWISE
    return None


def edges_with_notes(workflow: Workflow) -> list[tuple[Edge, str | None]]:
    """Every transition, one edge per source state, with its condition note (Dutch)."""
    result = []
    for index, item in enumerate(workflow.transitions):
        for source in item.sources:
            edge = Edge(source, item.trigger, item.dest or source, item.roles)
            result.append((edge, _condition_note(item, list(workflow.transitions[:index]),
                                                 source)))
    return result


def edges(workflow: Workflow) -> list[Edge]:
    """Every transition, one edge per source state, in the order of the definition."""
    return [edge for edge, _note in edges_with_notes(workflow)]


def roles_label(roles) -> str:
    ordered = sorted(roles, key=list(Role).index)
    return ", ".join(ROLE_LABELS.get(role, str(role)) for role in ordered)


class Row(NamedTuple):
    """One line of the table of transitions that goes with the picture."""

    source: str
    trigger: str
    trigger_label: str
    dest: str
    note: str | None
    roles: str


def table_rows(workflow: Workflow, labels: Mapping) -> list[Row]:
    rows = []
    for edge, note in edges_with_notes(workflow):
        rows.append(Row(
            source=labels.get(edge.source, str(edge.source)),
            trigger=edge.trigger,
            trigger_label=trigger_label(edge.trigger),
            dest=STAYS if edge.stays else labels.get(edge.dest, str(edge.dest)),
            note=note,
            roles=roles_label(edge.roles),
        ))
    return rows
