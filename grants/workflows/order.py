"""The law of the window (Awb 4:26): the way of dividing is fixed beforehand, and nobody steps
around it by the order in which staff happen to work.

- Sector plans, first come first served (domain.md §1): room under the ceiling goes to
  applications in the order they became complete. A grant by hand may take only what every
  application complete on the same day or earlier, and not decided yet, leaves over: a later
  application never takes room an earlier undecided one needs. Same-day applications that do
  not all fit are the allocation run's to order (its recorded lottery).
- RIF, ranked (domain.md §3): grants come from the committee's ranking, made by the allocation
  run after the window closed; an approver never grants one by hand.

An allocation run applies its method itself, so its firings pass these guards.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

import sqlalchemy as sa

from grants.budget import ledger
from grants.errors import Conflict, ValidationFailed
from grants.extensions import db
from grants.models import Application, ApplicationState, BudgetLine, User, Window
from grants.money import format_eur
from grants.timefmt import AMSTERDAM, format_day
from grants.workflows.engine import Firing, Workflow, precondition

S = ApplicationState
# The scheme rule (data: sector plans' DEFAULT_RULES, admin-editable) that grants go in the
# order of completeness.
ORDER_RULE = "grant_in_order_of_completeness"
# Complete (the decision clock runs) and not decided yet: these hold their place in the queue.
WAITING = (S.SUBMITTED, S.IN_ASSESSMENT, S.ASSESSED)


@dataclass(frozen=True)
class QueuePlace:
    """Where an application stands in its window's first-come-first-served order."""

    position: int  # 1 for the first waiting application to have become complete
    ahead: int  # waiting applications complete on the same day or earlier, itself excluded
    needed_ahead_cents: int  # what they asked for and do not hold reserved yet
    remaining_cents: int  # the window line's room: ceiling − reserved − committed
    room_cents: int  # the most this application can be granted without taking their room


def completeness_order(items: Iterable, *, complete_at: Callable = attrgetter("complete_at"),
                       reference: Callable = attrgetter("reference")) -> list:
    """The order of the window for first come, first served: by the moment each application
    became complete, the reference between equal moments. The allocation run funds in this
    order and the approvers' queue lists in it."""
    return sorted(items, key=lambda item: (complete_at(item), reference(item)))


@dataclass(frozen=True)
class QueueEntry:
    """One waiting application in its window's order, with the room left before it."""

    application_id: int
    reference: str
    complete_at: datetime
    position: int
    requested_cents: int
    # The line's remaining room minus what the applications before it still need, plus what
    # it holds reserved itself: the most it can be granted without taking their room.
    room_cents: int


def window_queue(window: Window) -> list[QueueEntry]:
    """The window's complete, undecided applications in the order of completeness."""
    line = window.line_for(None)
    rows = completeness_order(db.session.execute(
        sa.select(Application.id, Application.reference, Application.complete_at,
                  Application.requested_cents)
        .where(Application.window_id == window.id, Application.state.in_(WAITING),
               Application.complete_at.is_not(None))).all())
    room, entries = line.remaining_cents, []
    for position, row in enumerate(rows, start=1):
        reserved = ledger.application_balance(row.id, line.id).reserved
        entries.append(QueueEntry(row.id, row.reference, row.complete_at, position,
                                  row.requested_cents, max(room + reserved, 0)))
        # What it holds reserved is counted in the line's remaining figure already.
        room -= max(row.requested_cents - reserved, 0)
    return entries


def _complete_day(moment):
    return moment.astimezone(AMSTERDAM).date()


def queue_place(application: Application, *, lock: bool = False) -> QueuePlace | None:
    """The application's place in the queue; None while it is not complete (no place yet).

    ``lock``: for a grant, the window line's row is locked first (PostgreSQL; SQLite's writer
    holds the database already), so the approvals of one window check the queue one after
    another, each seeing the balances and states the ones before it committed; the ledger's
    booking later in the same transaction updates that row anyway.
    """
    if application.complete_at is None:
        return None
    line = application.window.line_for(None)
    if lock:
        line = db.session.scalars(
            sa.select(BudgetLine).where(BudgetLine.id == line.id).with_for_update()
            .execution_options(populate_existing=True)).one()
    waiting = list(db.session.execute(
        sa.select(Application.id, Application.complete_at, Application.requested_cents)
        .where(Application.window_id == application.window_id,
               Application.state.in_(WAITING), Application.complete_at.is_not(None),
               Application.id != application.id)
        .order_by(Application.complete_at, Application.id)))
    day = _complete_day(application.complete_at)

    def reserved(application_id: int) -> int:
        return ledger.application_balance(application_id, line.id).reserved

    ahead = [row for row in waiting if _complete_day(row.complete_at) <= day]
    # What an application holds reserved is counted in the line's reserved figure already.
    needed = sum(max(row.requested_cents - reserved(row.id), 0) for row in ahead)
    remaining = line.remaining_cents
    return QueuePlace(
        position=1 + sum(row.complete_at < application.complete_at for row in waiting),
        ahead=len(ahead), needed_ahead_cents=needed, remaining_cents=remaining,
        room_cents=max(remaining - needed + reserved(application.id), 0))


def room_for_a_grant(application: Application, now=None) -> bool:
    """Whether a grant by hand could take anything now: with the order of completeness as the
    scheme's rule, some room must be left after what earlier applications need."""
    version = application.rules_version
    if version is None or not version.rules["rules"].get(ORDER_RULE):
        return True
    place = queue_place(application)
    return place is None or place.room_cents > 0


@precondition(room_for_a_grant)
def in_order_of_completeness(f: Firing) -> None:
    """A grant by hand takes no room an earlier complete, undecided application needs."""
    if f.allocation is not None or not f.params.get(ORDER_RULE):
        return  # the run funds in the order of completeness itself, with its lottery
    place = queue_place(f.application, lock=True)
    amount = f.audit_data.get("amount_cents", f.application.requested_cents)
    if place is None or place.ahead == 0 or amount <= place.room_cents:
        return  # with nobody ahead, the ledger's ceiling check has the last word
    waiting = "1 aanvraag" if place.ahead == 1 else f"{place.ahead} aanvragen"
    day = format_day(_complete_day(f.application.complete_at))
    raise Conflict(
        f"Eerdere aanvragen gaan voor (Awb 4:26): {waiting}, volledig op of vóór {day}, "
        f"wachten nog op een besluit en hebben samen {format_eur(place.needed_ahead_cents)} "
        f"nodig. Daarna is er {format_eur(place.room_cents)} over onder het plafond, en deze "
        f"verlening is {format_eur(amount)}. Beslis eerst over de eerdere aanvragen, of verdeel "
        f"het tijdvak (bij aanvragen van dezelfde dag beslist dan de loting).")


def from_ranking_run(f: Firing) -> None:
    """RIF: a grant only from the ranking, made by the allocation run after the window."""
    if f.allocation is None:
        raise ValidationFailed("Alleen de verdeling verleent.", {"allocation": [
            "Subsidie uit het regionaal investeringsfonds wordt alleen verleend uit de "
            "rangschikking van de beoordelingscommissie, met de verdeling na de sluiting van het "
            "tijdvak (Awb 4:26)."]})


def granted_by_hand(_application: Application, _user: User) -> bool:
    """Ranked schemes: nobody is offered a grant by hand."""
    return False


def _approve_guards(workflow: Workflow) -> set:
    return {guard for item in workflow.transitions if item.trigger == "approve"
            for guard in item.guards}


def keeps_order_of_completeness(workflow: Workflow) -> bool:
    return in_order_of_completeness in _approve_guards(workflow)


def grants_from_ranking_only(workflow: Workflow) -> bool:
    return from_ranking_run in _approve_guards(workflow)
