"""Advance schedules (grants/payments/schedule.py) at their edges, with figures worked out by hand
(issue 19; bench/mutation.py --module grants/payments/schedule.py).

Rules (shared/domain.md §1 "Advances", §3, §4 "Advances are netted at settlement", Awb 4:52):
a grant's advances are a share of the granted amount (``advance_percent``) in equal instalments
every ``advance_interval_months``, the rounding cents on the last; they are rules data, frozen
with the application at submission, and an application frozen before they existed is paid by
the scheme's current ones; a scheme without a share or without an interval pays no advances.
Instalments fall due from the project's start (the grant day when the project has no readable
period), never before the grant day as the calendar in Amsterdam shows it. What was paid as
advances (``disburse`` entries booked by ``pay_advance``, nothing else) covers the first
instalments, and nothing is ever due beyond what the grant still commits.

The sector plan below: € 450.000,00 granted on 10 April 2014 (09:00 in Amsterdam), 1 July 2014 –
31 December 2015 (18 months), 80% in half-yearly instalments: 3 × € 120.000,00 due 1 July 2014,
1 January 2015 and 1 July 2015.

Mutants that cannot change behaviour (read by bench/mutation.py). Only ``pay_advance`` books
entries with that cause, and it books one ``disburse`` entry and nothing else
(grants.workflows.common.disburse_advance; manual bookings have cause "manual"), so filtering
on the kind as well as the cause selects the same rows:

equivalent: grants.payments.schedule.x_advances_paid__mutmut_7 — pay_advance books only disburse

An instalment is worked out as min(scheduled − covered_before, room) only when scheduled >
covered_before, else 0. Working it out always, or also when the two are equal, gives
min(≤ 0, room) ≤ 0 there, which is skipped (``amount > 0``) and leaves ``room`` alone, as 0 is:

equivalent: grants.payments.schedule.x_due_instalments__mutmut_27 — `or True`: min(≤ 0, …) skipped
equivalent: grants.payments.schedule.x_due_instalments__mutmut_33 — `>=`: min(0, room) ≤ 0 skipped
"""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from grants.budget import ledger
from grants.budget.ledger import Balance
from grants.extensions import db
from grants.models import Application, Bucket, BudgetLine, EntryKind, LedgerEntry, Scheme
from grants.payments.schedule import (
    advance_rules,
    advances_paid,
    advances_paid_of,
    due_instalments,
    instalments,
)
from tests.payments.conftest import Grants, ok

ADVANCES = [(date(2014, 7, 1), 120_000_00), (date(2015, 1, 1), 120_000_00),
            (date(2015, 7, 1), 120_000_00)]


@pytest.fixture
def plan(world, clock) -> Application:
    world.employers.iban = "NL91ABNA0417164300"
    db.session.commit()
    return db.session.get(Application, Grants(world, clock).sector_plan())


def schedule(application: Application) -> list[tuple[date, int]]:
    return [(i.due_on, i.amount_cents) for i in instalments(application)]


def freeze(application: Application, **rules) -> None:
    """Replace the rules frozen at submission (a JSON column: assigned anew, not mutated)."""
    frozen = dict(application.rules_version.rules)
    frozen["rules"] = {key: value for key, value in {**frozen["rules"], **rules}.items()
                       if value is not ...}
    application.rules_version.rules = frozen
    db.session.flush()


def test_the_frozen_rules_give_80_percent_every_six_months(plan):
    assert schedule(plan) == ADVANCES
    assert (advance_rules(plan)["advance_percent"],
            advance_rules(plan)["advance_interval_months"]) == (80, 6)


def test_a_scheme_without_a_share_or_an_interval_pays_no_advances(plan):
    freeze(plan, advance_interval_months=0)
    assert advance_rules(plan) is None and schedule(plan) == []
    freeze(plan, advance_interval_months=6, advance_percent=None)
    assert advance_rules(plan) is None and schedule(plan) == []
    # A share of 0% is a share: the rules stand, and 0% of the grant is no instalment.
    freeze(plan, advance_percent=0)
    assert advance_rules(plan) is not None and schedule(plan) == []


def test_rules_frozen_before_the_advances_existed_give_way_to_the_schemes_current_ones(plan):
    scheme = db.session.query(Scheme).filter_by(code="sectorplan").one()
    scheme.rules = {**scheme.rules, "advance_percent": 50, "advance_interval_months": 12}
    db.session.flush()
    # The frozen 80% / 6 months win over the scheme's later change ...
    assert schedule(plan) == ADVANCES
    # ... until the frozen rules lack them: 50% of € 450.000,00 = € 225.000,00 in two yearly
    # instalments (18 months ÷ 12, rounded up).
    freeze(plan, advance_percent=..., advance_interval_months=...)
    assert schedule(plan) == [(date(2014, 7, 1), 112_500_00), (date(2015, 7, 1), 112_500_00)]
    # Without a frozen version at all the scheme's current rules count too.
    plan.rules_version = None
    db.session.flush()
    assert schedule(plan) == [(date(2014, 7, 1), 112_500_00), (date(2015, 7, 1), 112_500_00)]
    # And with no scheme rules either, the scheme's defaults (80%, 6 months).
    scheme.rules = None
    db.session.flush()
    assert schedule(plan) == ADVANCES


@pytest.mark.parametrize("details", [
    {"ends_on": "2015-12-31"},
    {"starts_on": None, "ends_on": "2015-12-31"},
    {"starts_on": "1 juli 2014", "ends_on": "2015-12-31"},
    {"starts_on": "2014-07-01"},
])
def test_without_a_readable_period_the_whole_share_falls_due_on_the_grant_day(plan, details):
    # The period shrinks to the grant day, one month at most: one instalment of 80% of
    # € 450.000,00.
    plan.details = {**{k: v for k, v in plan.details.items()
                       if k not in ("starts_on", "ends_on")}, **details}
    db.session.flush()
    assert schedule(plan) == [(date(2014, 4, 10), 360_000_00)]


def test_the_grant_day_is_the_day_in_amsterdam(plan):
    plan.details = {**plan.details, "starts_on": "2014-01-01", "ends_on": "2014-12-31"}
    # 22:30 UTC on 10 April 2014 is 00:30 on 11 April in Amsterdam (CEST): the first of two
    # instalments of € 180.000,00 falls due then, not a day earlier.
    plan.decided_at = datetime(2014, 4, 10, 22, 30, tzinfo=UTC)
    db.session.flush()
    assert schedule(plan) == [(date(2014, 4, 11), 180_000_00), (date(2014, 7, 1), 180_000_00)]


def test_no_advances_without_a_grant_or_a_decision(plan):
    plan.decided_at = None
    assert schedule(plan) == []
    plan.decided_at = datetime(2014, 4, 10, 7, tzinfo=UTC)
    plan.granted_cents = 0
    assert schedule(plan) == []


def committed_line(application: Application) -> BudgetLine:
    return db.session.scalars(sa.select(BudgetLine).join(LedgerEntry).where(
        LedgerEntry.application_id == application.id,
        LedgerEntry.kind == EntryKind.COMMIT).limit(1)).one()


def test_only_disbursements_booked_as_advances_count_as_advances(plan, world, clock):
    assert advances_paid(plan.id) == 0
    ok(world.finance.fire(plan.id, "pay_advance", {"amount": "50000.00"}))
    # Another application's advance is not this one's.
    other = Grants(world, clock).sector_plan("300000.00")
    ok(world.finance.fire(other, "pay_advance", {"amount": "30000.00"}))
    assert advances_paid(other) == 30_000_00
    # Another disbursement (a balance paid by ``pay``) is no advance.
    ledger.post(committed_line(plan), EntryKind.DISBURSE, 10_000_00, actor=world.finance.user,
                now=clock(), cause="pay", application=plan)
    assert advances_paid(plan.id) == 50_000_00
    # Read for many at once (a run's preview), each its own; one that paid none is left out.
    unpaid = Grants(world, clock).sector_plan("200000.00")
    assert advances_paid_of(sa.select(Application.id).where(
        Application.id.in_([plan.id, other, unpaid]))) == {plan.id: 50_000_00, other: 30_000_00}
    assert advances_paid_of(sa.select(Application.id).where(Application.id == other)) == {
        other: 30_000_00}
    # € 50.000,00 covers that much of the first instalment; € 70.000,00 of it is still due,
    # with € 120.000,00 paid as advances once it is.
    due = due_instalments(plan, date(2014, 7, 1))
    assert [(d.instalment.number, d.amount_cents, d.paid_through_cents) for d in due] == [
        (1, 70_000_00, 120_000_00)]


def test_nothing_is_due_beyond_what_the_grant_still_commits(plan, world, clock):
    # € 50.000,00 paid by hand, then € 250.000,00 of the commitment released: € 200.000,00
    # committed, € 150.000,00 of it left to pay.
    ok(world.finance.fire(plan.id, "pay_advance", {"amount": "50000.00"}))
    ledger.post(committed_line(plan), EntryKind.RELEASE, 250_000_00, actor=world.finance.user,
                now=clock(), cause="amend", application=plan, bucket=Bucket.COMMITTED)
    due = due_instalments(plan, date(2015, 7, 1))
    # € 70.000,00 rest of the first instalment, € 80.000,00 of the second, none of the third.
    assert [(d.instalment.number, d.amount_cents, d.paid_through_cents) for d in due] == [
        (1, 70_000_00, 120_000_00), (2, 80_000_00, 200_000_00)]


def test_an_instalment_is_due_on_its_day_and_not_before(plan):
    assert due_instalments(plan, date(2014, 6, 30)) == []
    assert [(d.instalment.number, d.amount_cents, d.paid_through_cents)
            for d in due_instalments(plan, date(2014, 7, 1))] == [(1, 120_000_00, 120_000_00)]
    assert [(d.instalment.number, d.amount_cents, d.paid_through_cents)
            for d in due_instalments(plan, date(2015, 7, 1))] == [
        (1, 120_000_00, 120_000_00), (2, 120_000_00, 240_000_00), (3, 120_000_00, 360_000_00)]


def test_the_figures_a_preview_read_for_many_grants_are_the_ones_used(plan):
    # Nothing is paid or released in the database. As given, € 120.000,00 was paid already:
    # the first instalment is covered, and on 1 January 2015 the second is due.
    due = due_instalments(plan, date(2015, 1, 1), 120_000_00,
                          Balance(committed=360_000_00, disbursed=120_000_00))
    assert [(d.instalment.number, d.amount_cents, d.paid_through_cents) for d in due] == [
        (2, 120_000_00, 240_000_00)]
    # As given, only € 100.000,00 is still committed: no more than that is due.
    due = due_instalments(plan, date(2015, 1, 1), 0, Balance(committed=100_000_00))
    assert [(d.instalment.number, d.amount_cents, d.paid_through_cents) for d in due] == [
        (1, 100_000_00, 100_000_00)]


def test_a_single_cent_left_of_an_instalment_is_still_due(plan, world):
    ok(world.finance.fire(plan.id, "pay_advance", {"amount": "119999.99"}))
    assert [(d.instalment.number, d.amount_cents, d.paid_through_cents)
            for d in due_instalments(plan, date(2014, 7, 1))] == [(1, 1, 120_000_00)]
