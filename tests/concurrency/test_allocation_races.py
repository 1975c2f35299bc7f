"""Finance staff prepare the same window's allocation run at once, each in its own OS process
(issue 15: 19 of 25 concurrent commits once answered 500, a deadlock). One run is prepared; every
other request is told, 409 in Dutch, that it waits for approval. Nothing else is stored."""

from dataclasses import replace

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import AllocationRun, Role, RunStatus
from tests.concurrency.test_approval_races import AFTER_T2, _person
from tests.concurrency.workers import FixedClock

pytestmark = pytest.mark.no_db

PREPARERS = 6


def test_runs_prepared_at_once_make_one_run_and_the_rest_409(race):
    for _ in range(2):
        race.application("assessed")
    keys = [f"finance{number}" for number in range(PREPARERS)]
    with race.app.app_context():
        for key in keys:
            _person(race, key, Role.FINANCE)
        db.session.commit()
        before = db.session.scalar(sa.select(sa.func.count()).select_from(AllocationRun))
        db.session.remove()
    racing = replace(race, config={**race.config, "CLOCK": FixedClock(AFTER_T2)})

    outcomes = racing.run([{"method": "POST", "path": "/api/v1/allocations",
                            "token": race.tokens[key],
                            "body": {"scheme": "sectorplan", "window": "T2", "dry_run": False}}
                           for key in keys])

    summary = [(o.status, o.body) for o in outcomes]
    assert sorted(o.status for o in outcomes) == [201] + [409] * (PREPARERS - 1), summary
    [winner] = [o for o in outcomes if o.status == 201]
    for loser in (o for o in outcomes if o.status == 409):
        assert loser.body["error"]["message"] == (
            f"Verdeling {winner.body['id']} van Tweede aanvraagtijdvak wacht op goedkeuring; "
            f"keur die eerst goed of annuleer haar.")
    with race.app.app_context():
        assert db.session.scalar(
            sa.select(sa.func.count()).select_from(AllocationRun)) == before + 1
        db.session.remove()


def test_a_run_approved_by_six_approvers_at_once_takes_effect_once(race):
    from grants.allocation.approval import cancel_run
    from grants.allocation.runs import run_allocation

    plans = [race.application("assessed") for _ in range(2)]
    with race.app.app_context():
        finance = _person(race, "finance", Role.FINANCE)
        for waiting in db.session.scalars(sa.select(AllocationRun.id).where(
                AllocationRun.status == RunStatus.PREPARED)).all():
            cancel_run(waiting, finance, AFTER_T2, "Een eerdere test liet haar wachten.")
        run_id = run_allocation("sectorplan", "T2", finance, AFTER_T2, dry_run=False,
                                seed="six").run.id
        db.session.commit()
        db.session.remove()
    approvers = ["approver", "approver2", "approver3", "approver4", "approver5", "approver6"]
    racing = replace(race, config={**race.config, "CLOCK": FixedClock(AFTER_T2)})

    outcomes = racing.run([{"method": "POST", "path": f"/api/v1/allocations/{run_id}/approve",
                            "token": race.tokens[key]} for key in approvers],
                           # The winner also makes both letters (jobs run at once in tests):
                           # tens of seconds on a busy two-core machine, and no hang.
                           timeout=180)

    summary = [(o.status, o.body) for o in outcomes]
    assert sorted(o.status for o in outcomes) == [200] + [409] * 5, summary
    for plan in plans:
        assert race.get(plan["id"])["state"] == "approved"
        assert len(race.history(plan["id"], "approve")) == 1
