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
from grants.money import format_eur
from grants.services.accounts import create_user
from grants.services.approvals import prepare_ceiling
from grants.services.schemes import amend_ceiling
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


def test_two_ceiling_raises_on_lines_of_one_budget_cannot_both_take_its_room(race):
    """Each of two raises of € 34 mln fits the € 40 mln the sector plans' budget has left, not
    both: approved at once, one takes effect and the other is refused, the lines never above
    the budget (issue 15: both once succeeded, lines € 634 mln against € 600 mln)."""
    raise_by, room = 34_000_000_00, 40_000_000_00
    with race.app.app_context():
        preparer = _person(race, "admin", Role.ADMIN)
        _person(race, "admin2", Role.ADMIN)
        _person(race, "admin3", Role.ADMIN)
        lines = {line.code: line for line in db.session.scalars(
            sa.select(BudgetLine).where(BudgetLine.code.in_(["T1", "T2", "T3"])))}
        budget = lines["T3"].budget
        free = budget.ceiling_cents - sum(line.ceiling_cents for line in budget.lines)
        amend_ceiling(lines["T3"], lines["T3"].ceiling_cents + free - room,
                      reason="Racetest: € 40 mln vrij in het budget.",
                      effective_on=date(2014, 4, 1), now=NOW, user=None)
        decisions = [prepare_ceiling(lines[code], lines[code].ceiling_cents + raise_by,
                                     reason="Racetest: plafond verhoogd.",
                                     effective_on=date(2014, 4, 1), actor=preparer,
                                     now=NOW).id for code in ("T1", "T2")]
        before = {code: line.ceiling_cents for code, line in lines.items()}
        budget_id, budget_ceiling = budget.id, budget.ceiling_cents
        db.session.commit()

    racing = replace(race, config={**race.config, "CLOCK": FixedClock(NOW)})
    outcomes = racing.run([{"method": "POST", "path": f"/api/v1/approvals/{decision}/approve",
                            "token": race.tokens[key]}
                           for decision, key in zip(decisions, ("admin2", "admin3"),
                                                    strict=True)])

    summary = [(o.status, o.body) for o in outcomes]
    assert sorted(o.status for o in outcomes) == [200, 422], summary
    assert_raced(outcomes)
    refused = next(o for o in outcomes if o.status == 422).body["error"]
    assert refused["fields"]["ceiling"][0].startswith("De regels van ")
    # The loser saw the winner's raise: € 40 mln − € 34 mln left for its line's raise.
    assert refused["fields"]["ceiling"][0].endswith(
        f"er is ruimte tot {format_eur(before['T1'] + room - raise_by)}.") or \
        refused["fields"]["ceiling"][0].endswith(
            f"er is ruimte tot {format_eur(before['T2'] + room - raise_by)}.")
    with race.app.app_context():
        after = {line.code: line.ceiling_cents for line in db.session.scalars(
            sa.select(BudgetLine).where(BudgetLine.code.in_(["T1", "T2", "T3"])))}
        total = db.session.scalar(sa.select(sa.func.sum(BudgetLine.ceiling_cents))
                                  .where(BudgetLine.budget_id == budget_id))
    assert total <= budget_ceiling
    assert sum(after.values()) - sum(before.values()) == raise_by
