"""Approving or cancelling a prepared allocation run (four eyes on every money decision).

Finance prepares a run (grants.allocation.runs.run_allocation); it takes effect only when a
different user with the approver role approves it. The approver is the one who decides: the
triggers are fired with the approver as actor, so the letters are signed by the approver.
"""

from datetime import datetime
from math import floor

import sqlalchemy as sa

from grants.access import require_role
from grants.allocation import methods
from grants.allocation.runs import (
    FINAL_RUN,
    METHOD_NAMES,
    RunOutcome,
    all_decided,
    compute,
    lock_lines,
    roll_over,
)
from grants.errors import Conflict, NotFound, ValidationFailed
from grants.extensions import db
from grants.models import AllocationRun, Role, RunStatus, User
from grants.money import cents_to_api
from grants.services.applications import fire_triggers
from grants.workflows.engine import fewer_collections


def _locked_run(run_id: int) -> AllocationRun:
    run = db.session.scalars(sa.select(AllocationRun).where(AllocationRun.id == run_id)
                             .with_for_update()
                             .execution_options(populate_existing=True)).one_or_none()
    if run is None:
        raise NotFound("Deze verdeling bestaat niet.")
    return run


def _still_open(run: AllocationRun) -> None:
    if run.status == RunStatus.COMMITTED:
        raise Conflict(f"Verdeling {run.id} is al goedgekeurd en vastgesteld.")
    if run.status == RunStatus.CANCELLED:
        raise Conflict(f"Verdeling {run.id} is geannuleerd.")


def _signature(results) -> list[tuple]:
    return sorted((r.application_id, r.outcome, r.amount_cents if hasattr(r, "amount_cents")
                   else r.amount, r.rank, dict(r.amounts)) for r in results)


def approve_run(run_id: int, approver: User, now: datetime) -> RunOutcome:
    """A second person, an approver, lets a prepared run take effect: its decisions are taken
    with the approver as the one who decides (and signs the letters), under the window's locks,
    and only if the window is still as the run saw it (else 409 and nothing changes)."""
    require_role(approver, Role.FINANCE, Role.APPROVER)
    run = _locked_run(run_id)
    _still_open(run)
    # The preparer hears why, whatever their roles (409); anyone else needs the approver role.
    if run.created_by_id == approver.id:
        raise Conflict(f"U heeft verdeling {run.id} voorbereid; een ander moet haar "
                       f"goedkeuren (vier ogen).")
    require_role(approver, Role.APPROVER)
    with fewer_collections():  # every candidate read, recomputed and decided
        return _approve(run, approver, now)


def _approve(run: AllocationRun, approver: User, now: datetime) -> RunOutcome:
    window = run.window
    lock_lines(window)
    if run.method in FINAL_RUN:
        all_decided(window)
    outcome = compute(window, seed=run.lottery_seed)
    if (_signature(outcome.allocation.results) != _signature(run.results)
            or outcome.available != run.available):
        raise Conflict(f"De aanvragen of de ruimte van {window.name} zijn veranderd sinds "
                       f"verdeling {run.id} is voorbereid; annuleer haar en laat een nieuwe "
                       f"verdeling voorbereiden.")
    # Whoever gets here second finds the run no longer prepared: exactly one approval counts.
    taken = db.session.execute(
        sa.update(AllocationRun)
        .where(AllocationRun.id == run.id, AllocationRun.status == RunStatus.PREPARED)
        .values(status=RunStatus.COMMITTED, approved_at=now, approved_by_id=approver.id)
        .execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        raise Conflict(f"Verdeling {run.id} is al goedgekeurd en vastgesteld.")
    db.session.refresh(run)
    _take_effect(run, outcome, approver, now)
    return RunOutcome(window, run.method, run.lottery_seed, outcome.available,
                      outcome.candidates, outcome.allocation, run)


def cancel_run(run_id: int, actor: User, now: datetime, reason: str) -> AllocationRun:
    """The preparer (finance) or an approver withdraws a prepared run, with a reason; it
    decided nothing, and the window may be divided again."""
    require_role(actor, Role.FINANCE, Role.APPROVER)
    run = _locked_run(run_id)
    _still_open(run)
    if not (reason or "").strip():
        raise ValidationFailed("Geef de reden van de annulering.", {"reason": [
            "Geef de reden van de annulering."]})
    run.status = RunStatus.CANCELLED
    run.cancelled_at, run.cancelled_by_id = now, actor.id
    run.cancel_reason = reason.strip()
    db.session.flush()
    return run


def _take_effect(run: AllocationRun, outcome: RunOutcome, approver: User,
                 now: datetime) -> None:
    allocation, window = outcome.allocation, run.window
    note = (f"Besloten met de verdeling van {window.name}, "
            f"{METHOD_NAMES[run.method]} (verdeling {run.id})")
    decisions = []
    for result in allocation.results:
        if result.outcome == methods.APPROVED:
            data = {"amount": cents_to_api(result.amount), "reason": note}
            decisions.append((result.application_id, "approve", data))
        elif result.outcome == methods.REJECTED:
            data = {"reason": f"{result.reason} {note}."}
            decisions.append((result.application_id, "reject", data))
        elif result.outcome == methods.SETTLED:
            # The letter prints the run's rate, as the run shows it (whole cents, down).
            data = {"amounts": {k: cents_to_api(v) for k, v in result.amounts.items()},
                    "rates": {k: cents_to_api(floor(rate))
                              for k, rate in allocation.rates.items() if k in result.amounts},
                    "reason": note}
            decisions.append((result.application_id, "settle", data))
    # Every decision of the run through the engine, written together: tens of thousands of
    # settlements in one transaction.
    fire_triggers(decisions, approver, now, allocation=run.id)
    db.session.flush()
    if run.method == "ranked":
        roll_over(window, approver, now)
