"""The workflow engine: each scheme's lifecycle as a `transitions` state machine.

A scheme module declares its states and transitions (trigger, sources, destination, the roles
that may fire it, guards and effects). Firing a trigger runs, in this order and inside the
caller's database transaction:

1. the role check (403), then whether the trigger is possible from the state (409);
2. the chosen transition's guards, which refuse by raising (422, or 403 for four eyes);
3. the state change, then its effects (deadlines, records), then the audit row.

`transitions` does not undo a state change when a later callback fails, so nothing here is
kept outside the transaction: an error anywhere leaves the caller to roll back, and nothing of
the firing remains. The machine works on a `Firing`, never on the ORM object itself, so trigger
names can never clash with model attributes.
"""

import gc
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from types import ModuleType

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from transitions import Machine, MachineError

from grants.budget import ledger
from grants.decisions import outbox
from grants.errors import Conflict, Forbidden, GrantsError
from grants.extensions import db
from grants.models import Application, ApplicationState, AuditEvent, Role, User
from grants.models.applications import due_on_for
from grants.timefmt import AMSTERDAM
from grants.workflows import terms
from grants.workflows.rules import current_rules

S = ApplicationState


class TriggerUnknown(GrantsError):
    status = 404
    code = "unknown_trigger"


@dataclass(frozen=True)
class Approval:
    """A decision one person prepared and a second, an approver, approves now (four eyes on
    every money decision): the approver fires it, on behalf of what was prepared."""

    decision_id: int
    prepared_by: User


@dataclass
class Firing:
    """What one trigger is fired with; the machine's model, and what guards and effects see."""

    application: Application
    trigger_name: str
    actor: User
    data: dict
    now: datetime
    # The rules snapshot (grants.workflows.rules) the application is judged by.
    rules: dict
    fields: ModuleType
    state: str = ""
    # The committed allocation run that takes this decision, if one does (its method decides).
    allocation: int | None = None
    # The prepared decision an approver approves by this firing, if any.
    approval: Approval | None = None
    # Extra facts for the audit row (amounts, scores, outcomes), added by effects.
    audit_data: dict = field(default_factory=dict)
    audit: AuditEvent | None = None
    _derived: dict = field(default_factory=dict, repr=False, compare=False)

    def derived(self, name: str, compute: Callable[[], object]):
        """``compute()``, computed the first time ``name`` is asked for in this firing: what a
        guard and an effect (or the letter) both derive from the application, which does not
        change while it fires (an allocation run fires tens of thousands of applications)."""
        if name not in self._derived:
            self._derived[name] = compute()
        return self._derived[name]

    @property
    def today(self) -> date:
        return self.now.astimezone(AMSTERDAM).date()

    @property
    def params(self) -> dict:
        """The rule parameters (terms, percentages, amounts) of the frozen rules."""
        return self.rules["rules"]

    @property
    def reason(self) -> str:
        return str(self.data.get("reason") or "").strip()


Step = Callable[[Firing], None]
# Whether a guard would let the application pass at this moment, judged without a firing's data.
Ready = Callable[[Application, datetime], bool]


def precondition(ready: Ready) -> Callable[[Step], Step]:
    """Attach to a guard the part of it that depends on dates, documents or stored data, not on
    what the firing brings (a reason, an amount): the engine judges it when it lists what a user
    may do, so a page and the API never offer a trigger that guard would refuse now (it still
    refuses it, with its message, when fired regardless)."""
    def mark(guard: Step) -> Step:
        guard.ready = ready
        return guard
    return mark


def ready_now(guards: Iterable[Step], application: Application, now: datetime) -> bool:
    return all(getattr(guard, "ready", None) is None or guard.ready(application, now)
               for guard in guards)



@dataclass(frozen=True)
class Transition:
    trigger: str
    sources: tuple[ApplicationState, ...]
    # None: the application stays in its state (a report, a score, an objection is recorded).
    dest: ApplicationState | None
    roles: frozenset[Role]
    guards: tuple[Step, ...] = ()
    effects: tuple[Step, ...] = ()
    # Among transitions sharing trigger and source, the first whose condition holds is taken.
    condition: Callable[[Firing], bool] | None = None
    # A cheap check of the guards (four eyes, already scored) for listing what a user may do.
    available: Callable[[Application, User], bool] | None = None


def transition(trigger: str, sources: ApplicationState | Iterable[ApplicationState],
               dest: ApplicationState | None, roles: Role | Iterable[Role], *,
               guards: Iterable[Step] = (), effects: Iterable[Step] = (),
               condition: Callable[[Firing], bool] | None = None,
               available: Callable[[Application, User], bool] | None = None) -> Transition:
    sources = (sources,) if isinstance(sources, ApplicationState) else tuple(sources)
    roles = frozenset((roles,) if isinstance(roles, Role) else roles)
    return Transition(trigger, sources, dest, roles, tuple(guards), tuple(effects), condition,
                      available)


@dataclass(frozen=True)
class Workflow:
    scheme: str
    states: tuple[ApplicationState, ...]
    transitions: tuple[Transition, ...]
    fields: ModuleType
    # Rule parameters every application of the scheme is judged by, unless the scheme's
    # own rules (data, admin-editable) say otherwise.
    default_rules: dict

    def __post_init__(self):
        for item in self.transitions:
            unknown = {*item.sources, item.dest} - {None, *self.states}
            if unknown:
                raise ValueError(f"{self.scheme}: {item.trigger} uses undeclared {unknown}")

    @property
    def triggers(self) -> list[str]:
        return list(self._triggers)

    @cached_property
    def _triggers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(item.trigger for item in self.transitions))

    def candidates(self, trigger: str, state: ApplicationState) -> list[Transition]:
        return list(self._candidates.get((trigger, state), ()))

    @cached_property
    def _candidates(self) -> dict[tuple[str, ApplicationState], tuple[Transition, ...]]:
        # Asked for every trigger of every application a list shows (the API's 50 a page).
        found: dict[tuple[str, ApplicationState], list[Transition]] = {}
        for item in self.transitions:
            for source in item.sources:
                found.setdefault((item.trigger, source), []).append(item)
        return {key: tuple(items) for key, items in found.items()}

    def roles_for(self, trigger: str) -> frozenset[Role]:
        return frozenset().union(*(t.roles for t in self.transitions if t.trigger == trigger))

    @cached_property
    def machine(self) -> Machine:
        """The scheme's machine, built once; each firing is the model of the one event fired
        on it, holding the state it starts in.

        Building a machine costs about a millisecond, which an allocation run deciding tens of
        thousands of applications would pay for each of them. The firing is not added to the
        machine's models either: an event reads and sets only its model's ``state``, and adding
        a model (its 18 trigger and 22 state methods) and removing it again cost 60 µs a firing.
        """
        definitions = []
        for item in self.transitions:
            definitions.append({
                "trigger": item.trigger,
                "source": [s.value for s in item.sources],
                "dest": item.dest.value if item.dest else "=",
                "conditions": [item.condition] if item.condition else [],
                "before": list(item.guards),
                "after": list(item.effects),
            })
        return Machine(model=None, states=[s.value for s in self.states],
                       transitions=definitions, initial=self.states[0].value,
                       auto_transitions=False, send_event=False, model_attribute="state")

    def may_fire(self, trigger: str, actor: User, allocation: int | None,
                 approval: Approval | None = None) -> bool:
        if actor.has_role(*self.roles_for(trigger)):
            return True
        # What one person with the trigger's role prepared, an approver decides.
        if approval is not None and actor.has_role(Role.APPROVER) \
                and approval.prepared_by.has_role(*self.roles_for(trigger)):
            return True
        # An allocation run, prepared by finance and approved by an approver, takes the
        # decisions its method dictates (Awb 4:26: the way of dividing is fixed beforehand); the
        # approver fires them (four eyes on every money decision).
        return allocation is not None and trigger in ALLOCATION_TRIGGERS \
            and actor.has_role(Role.APPROVER)

    def _may(self, application: Application, trigger: str, actor: User,
             allocation: int | None, approval: Approval | None) -> None:
        if trigger not in self._triggers:
            raise TriggerUnknown(f"Onbekende handeling: {trigger}.")
        if not self.may_fire(trigger, actor, allocation, approval):
            raise Forbidden(f"U mag de handeling '{trigger}' niet uitvoeren.")
        if not self.candidates(trigger, application.state):
            raise Conflict(f"De handeling '{trigger}' is niet mogelijk in de status "
                           f"'{application.state_label}'.")

    def check(self, application: Application, trigger: str, actor: User, data: dict,
              now: datetime, rules: dict, approval: Approval) -> None:
        """Whether ``trigger`` could be fired now with ``data`` once approved: role, state and
        the guards of the transition it would take, changing nothing (what a person prepares
        for approval is refused at once when it could never be carried out)."""
        self._may(application, trigger, actor, None, None)
        firing = Firing(application=application, trigger_name=trigger, actor=actor,
                        data=dict(data), now=now, rules=rules, fields=self.fields,
                        state=application.state.value, approval=approval)
        for item in self.candidates(trigger, application.state):
            if item.condition is None or item.condition(firing):
                for guard in item.guards:
                    guard(firing)
                return

    def fire(self, application: Application, trigger: str, actor: User, data: dict,
             now: datetime, rules: dict, allocation: int | None = None,
             approval: Approval | None = None) -> AuditEvent:
        event = self._fire(application, trigger, actor, data, now, rules, allocation, approval)
        db.session.flush()
        return event

    def fire_many(self, firings: Iterable[tuple[Application, str, dict]], actor: User,
                  now: datetime, allocation: int | None = None,
                  approval: Approval | None = None) -> list[AuditEvent]:
        """Fire many triggers, each on its own application (``(application, trigger, data)``),
        as ``fire`` on each in turn would: the same checks, guards, effects and audit rows, in
        the same order. Only the writing is done together: the applications' new states, the
        audit rows and what the effects add are flushed once at the end, the reservations and
        commitments are booked per budget line by their total (grants.budget.ledger.deferred),
        and the decisions' letters are numbered from one count for all. ``allocation`` and
        ``approval`` are ``fire``'s, the same for every firing.

        A guard or effect that reads the database still sees every firing before its own (a
        query flushes what is pending first, and books what the ledger gathered). An error
        anywhere leaves the caller to roll back the whole."""
        firings = list(firings)
        outbox.know_sequences(application.id for application, _trigger, _data in firings)
        events = []
        # Outermost: the booking when the ledger's block ends and the writing after it make
        # as many objects as the firings did.
        with fewer_collections():
            with ledger.deferred(), terms.days_off_read_once():
                for application, trigger, data in firings:
                    events.append(self._fire(application, trigger, actor, data, now,
                                             current_rules(application, self.default_rules),
                                             allocation, approval))
            _write_together([application for application, _trigger, _data in firings])
            db.session.flush()
        return events

    def _fire(self, application: Application, trigger: str, actor: User, data: dict,
              now: datetime, rules: dict, allocation: int | None,
              approval: Approval | None) -> AuditEvent:
        """Fire one trigger and add its audit row; the caller flushes."""
        state = application.state
        self._may(application, trigger, actor, allocation, approval)

        application.version += 1
        firing = Firing(application=application, trigger_name=trigger, actor=actor, data=data,
                        now=now, rules=rules, fields=self.fields, allocation=allocation,
                        approval=approval)
        firing.state = state.value
        try:
            # The firing is both the model and the one argument every guard and effect gets.
            fired = self.machine.events[trigger].trigger(firing, firing)
        except MachineError as error:  # the state changed under us between checks
            raise Conflict(str(error)) from error
        if not fired:
            raise Conflict(f"De handeling '{trigger}' is nu niet mogelijk.")

        if allocation is not None:
            firing.audit_data["allocation_run"] = allocation
        if approval is not None:
            # The audit row names both: the approver as its actor, the preparer here.
            firing.audit_data["prepared_decision"] = approval.decision_id
            firing.audit_data["prepared_by"] = {"id": approval.prepared_by.id,
                                                "name": approval.prepared_by.name}
        application.state = ApplicationState(firing.state)
        if sa.inspect(application).attrs.rules_version.history.added:
            db.session.flush()  # rules frozen by an effect: the row needs their version's key
        event = AuditEvent(application_id=application.id, trigger=trigger, from_state=state,
                           to_state=application.state, actor_id=actor.id, at=now,
                           reason=firing.reason, rules_version_id=application.rules_version_id,
                           data=firing.audit_data)
        db.session.add(event)
        return event

    def allowed_triggers(self, application: Application, user: User,
                         now: datetime) -> list[str]:
        """Triggers ``user`` could fire now: by role and state, the cheap guards, and the
        preconditions of the guards on dates, documents and data."""
        roles = user.roles  # once: a list asks this of every trigger of 50 applications
        return [
            trigger for trigger in self._triggers
            if any(not roles.isdisjoint(t.roles)
                   and (t.available is None or t.available(application, user))
                   and ready_now(t.guards, application, now)
                   for t in self.candidates(trigger, application.state))
        ]


# Firing thousands of triggers keeps what each makes (the session holds it to the end) and
# makes young objects fast: at Python's default of 700 the cyclic collector ran ~10,000 times
# for 20,000 settlements, walking ever more of what the batch holds, a third of the run's time
# (December 2026). While a batch fires it waits for 50,000 new objects instead (as a letter
# worker does, grants.jobs.letters): the run took 1.4 rather than 1.9 ms per application. The
# caller that reads the batch in (an allocation run's approval: 20,000 applications, their
# places and the run's recomputation) holds it too: at 700 the collector took 12 of its 58 s.
_BATCH_YOUNG_THRESHOLD = 50_000
# A full collection walks every object the process holds, the whole batch among them, and frees
# none of the batch (the session holds it): 4 s each, twice in a run of 20,000. During a batch
# it waits for 100 collections of the middle generation (50,000,000 new objects), not 10.
_BATCH_OLD_THRESHOLD = 100
_collector = threading.Lock()
_batches = 0
_thresholds: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def fewer_collections() -> Iterator[None]:
    global _batches, _thresholds
    with _collector:
        if _batches == 0:
            _thresholds = gc.get_threshold()
            young, middle, old = _thresholds
            gc.set_threshold(max(young, _BATCH_YOUNG_THRESHOLD), middle,
                             max(old, _BATCH_OLD_THRESHOLD))
        _batches += 1
    try:
        yield
    finally:
        with _collector:
            _batches -= 1
            if _batches == 0:
                # The thresholds as the process had them (another batch at once kept them).
                gc.set_threshold(*_thresholds)


def _write_together(applications: list[Application]) -> None:
    """Write the applications' changed columns with one UPDATE per set of columns changed,
    each row on the version it was read at, as the flush would write each of them (the ORM
    writes a versioned row with a statement of its own). The rows are locked, so another
    version means another writer got there first: nothing is written (409). An application
    whose relationships changed is left to the flush."""
    mapper = sa.inspect(Application)
    columns = {attr.key: attr.columns[0] for attr in mapper.column_attrs}
    relationships = [relationship.key for relationship in mapper.relationships]
    groups: dict[tuple[str, ...], list[tuple[Application, int]]] = {}
    for application in applications:
        state = sa.inspect(application)
        if len(state.unmodified_intersection(relationships)) != len(relationships):
            continue
        # As the model keeps it before every UPDATE (its before_update listener).
        application.due_on = due_on_for(application.state, application.repair_due_on,
                                        application.decision_due_on)
        unmodified = state.unmodified_intersection(columns)
        changed = tuple(key for key in columns if key not in unmodified)
        if changed:
            read_at = state.attrs.version.history.deleted or state.attrs.version.history.unchanged
            groups.setdefault(changed, []).append((application, read_at[0]))
    table = Application.__table__
    connection = db.session.connection()
    for changed, rows in groups.items():
        statement = table.update().where(
            table.c.id == sa.bindparam("where_id"),
            table.c.version == sa.bindparam("where_version")).values(
            {columns[key].name: sa.bindparam(f"set_{key}") for key in changed})
        written = connection.execute(statement, [
            {"where_id": application.id, "where_version": version,
             **{f"set_{key}": getattr(application, key) for key in changed}}
            for application, version in rows]).rowcount
        if written != len(rows):
            raise Conflict("De aanvraag is intussen gewijzigd; laad haar opnieuw.")
        for application, _version in rows:
            for key in changed:
                # Written: the session holds it as stored, with nothing left to flush.
                set_committed_value(application, key, getattr(application, key))


ALLOCATION_TRIGGERS = frozenset({"approve", "reject", "settle"})
REGISTRY: dict[str, Workflow] = {}


def register(workflow: Workflow) -> Workflow:
    REGISTRY[workflow.scheme] = workflow
    return workflow

