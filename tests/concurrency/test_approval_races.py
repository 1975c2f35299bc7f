"""Four eyes under real concurrency: two approvers approve the same prepared decision at once,
each in its own OS process. Exactly one approval takes effect (the decisions are taken once, the
ledger booked once); the other gets 409 in Dutch. Runs on the suite's database (SQLite or
PostgreSQL, GRANTS_DATABASE_URL)."""

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from grants.allocation.runs import run_allocation
from grants.extensions import db
from grants.models import BudgetLine, CeilingAmendment, Role, User
from grants.services.accounts import create_user
from grants.services.approvals import prepare_ceiling
from grants.services.tokens import create_token
from tests.concurrency.conftest import NOW, PASSWORD
from tests.concurrency.test_trigger_races import assert_raced
from tests.concurrency.workers import FixedClock

pytestmark = pytest.mark.no_db

# After window T2 closed (1 June 2014), when its allocation run may be made.
AFTER_T2 = datetime(2014, 6, 2, 8, tzinfo=UTC)


def _person(race, key: str, role: Role) -> User:
    user = db.session.scalars(sa.select(User).where(User.email == f"{key}@example.nl")).first()
    if user is None:
        user = create_user(email=f"{key}@example.nl", name=key, roles={role},
                           password=PASSWORD)
        race.tokens[key] = create_token(user, NOW, label="race")[1]
    return user


def _approve_at_once(race, path: str, keys: tuple[str, ...], moment: datetime):
    racing = replace(race, config={**race.config, "CLOCK": FixedClock(moment)})
    return racing.run([{"method": "POST", "path": path, "token": race.tokens[key]}
                       for key in keys])


@pytest.mark.parametrize("round_", range(2))
def test_two_approvers_approve_one_prepared_run_at_once(race, round_):
    # Two plans of € 500.166,66 each (the payload's measures), both fitting under T2.
    plans = [race.application("assessed") for _ in range(2)]
    with race.app.app_context():
        finance = _person(race, "finance", Role.FINANCE)
        run_id = run_allocation("sectorplan", "T2", finance, AFTER_T2, dry_run=False,
                                seed=f"race-{round_}").run.id
        db.session.commit()
    assert [race.get(plan["id"])["state"] for plan in plans] == ["assessed", "assessed"]
    committed_before = race.line()["committed"]

    outcomes = _approve_at_once(race, f"/api/v1/allocations/{run_id}/approve",
                                ("approver", "approver2"), AFTER_T2)

    summary = [(o.status, o.body) for o in outcomes]
    assert sorted(o.status for o in outcomes) == [200, 409], summary
    winner = next(o for o in outcomes if o.status == 200)
    loser = next(o for o in outcomes if o.status == 409)
    assert_raced(outcomes)
    assert winner.body["status"] == "committed"
    assert winner.body["approved_by"]["name"] == ("approver", "approver2")[winner.index]
    assert loser.body["error"]["message"] == (
        f"Verdeling {run_id} is al goedgekeurd en vastgesteld.")
    for plan in plans:
        assert race.get(plan["id"])["state"] == "approved"
        (approval,) = race.history(plan["id"], "approve")
        assert approval["actor"] == ("approver", "approver2")[winner.index]
        commits = [e for e in race.entries(application_ids=[plan["id"]])
                   if e["kind"] == "commit"]
        assert [e["amount_cents"] for e in commits] == [plan_cents(plan)]
    assert race.line()["committed"] == committed_before + sum(map(plan_cents, plans))


def plan_cents(plan: dict) -> int:
    euros, cents = plan["requested_amount"].split(".")
    return int(euros) * 100 + int(cents)


def test_two_admins_approve_one_ceiling_amendment_at_once(race):
    with race.app.app_context():
        preparer = _person(race, "admin", Role.ADMIN)
        _person(race, "admin2", Role.ADMIN)
        _person(race, "admin3", Role.ADMIN)
        line = db.session.scalars(sa.select(BudgetLine).where(BudgetLine.code == "T2")).one()
        ceiling = line.ceiling_cents
        decision_id = prepare_ceiling(
            line, ceiling - 1_000_000_00, reason="Racetest: plafond verlaagd.",
            effective_on=date(2014, 4, 1), actor=preparer, now=NOW).id
        amendments_before = db.session.scalar(sa.select(sa.func.count(CeilingAmendment.id)))
        db.session.commit()

    outcomes = _approve_at_once(race, f"/api/v1/approvals/{decision_id}/approve",
                                ("admin2", "admin3"), NOW)

    summary = [(o.status, o.body) for o in outcomes]
    assert sorted(o.status for o in outcomes) == [200, 409], summary
    loser = next(o for o in outcomes if o.status == 409)
    assert loser.body["error"]["message"] == f"Besluit {decision_id} is al goedgekeurd."
    assert race.line()["ceiling"] == ceiling - 1_000_000_00
    with race.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(CeilingAmendment.id))) \
            == amendments_before + 1
