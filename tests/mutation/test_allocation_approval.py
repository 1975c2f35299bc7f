"""Four eyes on an allocation run (grants/allocation/approval.py), each rule stated with
hand-computed figures so that no small change to it goes unnoticed (issue 19;
bench/mutation.py --module grants/allocation/approval.py).

Rules (shared/domain.md §4 "Four eyes on every decision about money", §1–§3 on how each scheme
divides; shared/api.md POST /allocations/{id}/approve): a prepared run decides nothing until a
different user with the approver role approves it; the approver then takes every decision of
the run, with a reason naming the run (Awb 3:46), and only if the window is still as the run saw
it; exactly one approval counts; a run is cancelled only with a reason. Sector plans may be
divided while later plans still wait (§1); the RIF run moves what period 1 leaves unused to
period 2 (§3); praktijkleren's letters print the run's rate, whole cents, down (§2).

Every sector plan of the world asks € 500.000,00 + € 166,66 = € 500.166,66 (PLAN).

Mutants that cannot change behaviour (read by bench/mutation.py). A run approves an application
for its full request only: methods._fund_in_order grants ``candidate.requested``, which is the
application's requested_cents recomputed at approval under the lines' locks, and the approve
trigger grants the requested amount when no amount is given (workflows.common.grant_amount):

equivalent: grants.allocation.approval.x__take_effect__mutmut_6 — no "amount": the requested one
equivalent: grants.allocation.approval.x__take_effect__mutmut_7 — no "amount": the requested one
equivalent: grants.allocation.approval.x__take_effect__mutmut_8 — amount None: the requested one

SQLAlchemy takes synchronize_session=None as it takes False (no synchronising of the session), and
approve_run refreshes the run from its row right after the UPDATE:

equivalent: grants.allocation.approval.x_approve_run__mutmut_33 — synchronize_session=None is False
"""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from grants.allocation import approval
from grants.allocation.approval import approve_run, cancel_run
from grants.allocation.methods import CEILING_REACHED
from grants.allocation.runs import run_allocation
from grants.errors import Conflict, Forbidden, NotFound, ValidationFailed
from grants.extensions import db
from grants.models import (
    AllocationRun,
    Application,
    AuditEvent,
    CeilingAmendment,
    Role,
    RunStatus,
)
from grants.services.schemes import amend_ceiling
from tests.allocation.test_runs import AFTER_T2, assessed_plans, line, mbo, validated_placements
from tests.decisions.conftest import decisions_of
from tests.factories import UserFactory
from tests.workflows.test_lifecycles import ok

PLAN = 500_166_66
T2_NOTE = "Besloten met de verdeling van Tweede aanvraagtijdvak, op volgorde van volledigheid"


def events(number: int, trigger: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.application_id == number, AuditEvent.trigger == trigger)))


def state(number: int) -> str:
    return db.session.get(Application, number).state.value


def plans_ready(world, clock, days: list[int], ceiling: int) -> list[int]:
    numbers = assessed_plans(world, clock, days)
    amend_ceiling(line("T2"), ceiling, reason="Testplafond", effective_on=date(2014, 4, 1),
                  now=clock(), user=None)
    db.session.commit()
    clock.moment = AFTER_T2
    return numbers


def prepare(world, clock, scheme: str = "sectorplan", window: str = "T2", seed: str = "s"):
    return run_allocation(scheme, window, world.finance.user, clock(), dry_run=False,
                          seed=seed).run


def test_the_approver_takes_every_decision_of_the_run_and_names_it_as_the_reason(world, clock):
    # Four plans complete on 3 April; room for two: 2 × € 500.166,66 + € 1,00 = € 1.000.334,32.
    # The day straddles the ceiling, so the lottery orders it. Seed "lot" shuffles the reference
    # order [00001, 00002, 00003, 00004] to [00001, 00003, 00004, 00002] (Python's
    # random.Random("lot").shuffle, worked out outside the code under test): the first two are
    # granted, the last two refused. A fifth plan still in assessment does not hold the sector
    # plans' run back (§1: they may be divided again as later ones become complete).
    numbers = plans_ready(world, clock, [3, 3, 3, 3], 2 * PLAN + 1_00)
    clock.moment = datetime(2014, 5, 20, 9, tzinfo=UTC)
    waiting = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(world.applicant.fire(waiting, "submit"))
    clock.moment = AFTER_T2
    first, second, third, fourth = numbers
    run = prepare(world, clock, seed="lot")
    now = clock()

    outcome = approve_run(run.id, world.approver.user, now)

    note = f"{T2_NOTE} (verdeling {run.id})"
    assert outcome.window is run.window and outcome.run is run and not outcome.dry_run
    assert (outcome.method, outcome.seed) == ("first_come_first_served", "lot")
    assert outcome.available == {"T2": 2 * PLAN + 1_00}
    assert sorted(c.application_id for c in outcome.candidates) == numbers
    assert [(r.application_id, r.outcome, r.rank) for r in outcome.allocation.results] == [
        (first, "approved", 1), (third, "approved", 2), (fourth, "rejected", 3),
        (second, "rejected", 4)]
    assert (run.status, run.approved_at, run.approved_by_id) == (
        RunStatus.COMMITTED, now, world.approver.user.id)
    for number in (first, third):
        (event,) = events(number, "approve")
        assert (event.actor_id, event.reason, event.at) == (world.approver.user.id, note, now)
        assert event.data["allocation_run"] == run.id and event.data["amount_cents"] == PLAN
        assert state(number) == "approved"
    for number in (second, fourth):
        (event,) = events(number, "reject")
        assert (event.actor_id, event.reason, event.at) == (
            world.approver.user.id, f"{CEILING_REACHED} {note}.", now)
        assert event.data["allocation_run"] == run.id
        assert state(number) == "rejected"
    assert state(waiting) == "submitted"
    assert line("T2").committed_cents == 2 * PLAN


def test_a_run_is_approved_by_someone_with_the_approver_role(world, clock):
    # A finance colleague who did not prepare it is a second person, but not an approver.
    plans_ready(world, clock, [3], PLAN)
    run = prepare(world, clock)
    colleague = UserFactory(role=Role.FINANCE)
    with pytest.raises(Forbidden):
        approve_run(run.id, colleague, clock())
    assert run.status == RunStatus.PREPARED and line("T2").committed_cents == 0


def test_a_run_that_does_not_exist_is_not_found(world, clock):
    with pytest.raises(NotFound) as refused:
        approve_run(987_654, world.approver.user, clock())
    assert refused.value.message == "Deze verdeling bestaat niet."


def test_a_ceiling_amended_after_preparing_is_a_changed_window(world, clock):
    # Prepared with € 1.000.500,00; the ceiling drops to € 1.000.400,00 before approval. Both
    # plans still fit (2 × € 500.166,66 = € 1.000.333,32), so only the room differs: 409.
    first, second = plans_ready(world, clock, [3, 4], 1_000_500_00)
    run = prepare(world, clock)
    amend_ceiling(line("T2"), 1_000_400_00, reason="Lager plafond", effective_on=date(2014, 6, 1),
                  now=clock(), user=None)
    with pytest.raises(Conflict) as refused:
        approve_run(run.id, world.approver.user, clock())
    assert refused.value.message == (
        f"De aanvragen of de ruimte van Tweede aanvraagtijdvak zijn veranderd sinds verdeling "
        f"{run.id} is voorbereid; annuleer haar en laat een nieuwe verdeling voorbereiden.")
    assert (state(first), state(second)) == ("assessed", "assessed")
    assert run.status == RunStatus.PREPARED


def test_only_one_of_two_approvers_at_once_takes_the_run(world, clock, monkeypatch):
    # While this approver's check runs, another approver's approval of the same run lands:
    # the second finds the run no longer prepared, and decides nothing.
    (number,) = plans_ready(world, clock, [3], PLAN)
    run = prepare(world, clock)
    real_compute = approval.compute

    def compute_while_another_approves(window, *, seed):
        db.session.execute(sa.update(AllocationRun).where(AllocationRun.id == run.id).values(
            status=RunStatus.COMMITTED, approved_by_id=world.approver2.user.id)
            .execution_options(synchronize_session=False))
        return real_compute(window, seed=seed)

    monkeypatch.setattr(approval, "compute", compute_while_another_approves)
    with pytest.raises(Conflict) as refused:
        approve_run(run.id, world.approver.user, clock())
    assert refused.value.message == f"Verdeling {run.id} is al goedgekeurd en vastgesteld."
    assert events(number, "approve") == [] and line("T2").committed_cents == 0


def test_a_run_cancelled_meanwhile_is_reported_cancelled(world, clock):
    # The approver's page still holds the run as prepared; finance has cancelled it since.
    plans_ready(world, clock, [3], PLAN)
    run = prepare(world, clock)
    db.session.execute(sa.update(AllocationRun).where(AllocationRun.id == run.id).values(
        status=RunStatus.CANCELLED).execution_options(synchronize_session=False))
    with pytest.raises(Conflict) as refused:
        approve_run(run.id, world.approver.user, clock())
    assert refused.value.message == f"Verdeling {run.id} is geannuleerd."


def test_a_cancellation_needs_a_reason_and_keeps_it_trimmed(world, clock):
    plans_ready(world, clock, [3], PLAN)
    run = prepare(world, clock)
    for blank in ("", "   ", None):
        with pytest.raises(ValidationFailed) as refused:
            cancel_run(run.id, world.finance.user, clock(), blank)
        assert refused.value.message == "Geef de reden van de annulering."
        assert refused.value.fields == {"reason": ["Geef de reden van de annulering."]}
        assert run.status == RunStatus.PREPARED
    now = clock()
    cancelled = cancel_run(run.id, world.approver.user, now, "  Verkeerd zaad.  ")
    assert cancelled is run
    assert (run.status, run.cancelled_at, run.cancelled_by_id, run.cancel_reason) == (
        RunStatus.CANCELLED, now, world.approver.user.id, "Verkeerd zaad.")


def test_each_windows_run_is_approved_on_its_own(world, clock):
    """Praktijkleren settles at the run's rate (§2); RIF moves period 1's rest to period 2 (§3).

    Praktijkleren mbo ceiling € 3.000,02 over 1,5 places (A: 20 of 40 weeks = 0,5; B: 1):
    rate = 300002 ÷ 1,5 = 200001,33… cents, printed € 2.000,01 (whole cents, down). A gets
    ⌊0,5 × 200001,33…⌋ = 100000 cents = € 1.000,00 and B ⌊200001,33…⌋ = € 2.000,01.
    (A's letter without the run's rate would print 100000 ÷ 0,5 = € 2.000,00.)

    RIF 2015 period 1 (ceiling € 12.000.000,00): one application of € 500.000,00 scored 8 is
    granted; € 11.500.000,00 is unused and nothing refused may still object, so it all moves:
    period 1 keeps € 500.000,00, period 2 gets € 11.650.000,00 + € 11.500.000,00.
    """
    half, whole = validated_placements(world, clock, [
        {"places": [mbo("Anna", 20)]}, {"places": [mbo("Cor", 40)]}])
    amend_ceiling(line("2013-2014-mbo"), 3_000_02, reason="Testplafond",
                  effective_on=date(2014, 6, 1), now=clock(), user=None)
    clock.moment = datetime(2015, 1, 12, 10, tzinfo=UTC)
    body = world.rif(window="2015-1", requested_subsidy="500000.00", starts_on="2015-08-01",
                     ends_on="2017-12-31")
    rif = ok(world.rif_applicant.create(body), 201)["id"]
    ok(world.rif_applicant.fire(rif, "submit"))
    ok(world.assessor.fire(rif, "start_assessment"))
    for member in (world.committee, world.committee2):
        ok(member.fire(rif, "record_assessment", {"scores": dict.fromkeys(
            ("fit", "coordination", "durability", "innovation"), 8)}))
    db.session.commit()
    clock.moment = datetime(2015, 4, 1, 9, tzinfo=UTC)
    settling = prepare(world, clock, "praktijkleren", "2013-2014")
    ranking = prepare(world, clock, "rif", "2015-1")

    approve_run(ranking.id, world.approver.user, clock())
    assert (ranking.status, settling.status) == (RunStatus.COMMITTED, RunStatus.PREPARED)
    assert state(rif) == "approved" and state(half) == "validated"
    assert line("2015-1").ceiling_cents == 500_000_00
    assert line("2015-2").ceiling_cents == 11_650_000_00 + 11_500_000_00
    moved = db.session.scalars(sa.select(CeilingAmendment).where(
        CeilingAmendment.line_id == line("2015-2").id).order_by(CeilingAmendment.id)).all()[-1]
    assert moved.recorded_by_id == world.approver.user.id
    assert moved.new_ceiling_cents - moved.old_ceiling_cents == 11_500_000_00

    approve_run(settling.id, world.approver.user, clock())
    assert settling.status == RunStatus.COMMITTED
    note = (f"Besloten met de verdeling van Studiejaar 2013/2014, naar rato van de "
            f"gerealiseerde plaatsen, met één tarief per categorie (verdeling {settling.id})")
    for number, cents, shown in ((half, 1_000_00, "€\xa01.000,00"),
                                 (whole, 2_000_01, "€\xa02.000,01")):
        (event,) = events(number, "settle")
        assert (event.actor_id, event.reason) == (world.approver.user.id, note)
        assert event.data["amounts_cents"] == {"mbo": cents}
        assert event.data["allocation_run"] == settling.id
        assert state(number) == "settled"
        (letter,) = decisions_of(number)
        assert [(row["rate"], row["amount"]) for row in letter.context["places"]["rows"]] == [
            ("€\xa02.000,01", shown)]
    assert line("2013-2014-mbo").committed_cents == 3_000_01
