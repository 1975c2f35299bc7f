"""Advance schedules: instalments that add up exactly, due on the right days, paid once."""

from datetime import date

from grants.extensions import db
from grants.models import Application, Scheme
from grants.payments.schedule import add_months, due_instalments, instalments
from tests.payments.conftest import ok


def schedule(number: int) -> list[tuple[date, int]]:
    return [(i.due_on, i.amount_cents) for i in instalments(db.session.get(Application, number))]


def test_a_two_year_sector_plan_gets_four_half_yearly_advances_of_80_percent(grants):
    # Two years within the budget period (to 31 December 2015) start on 1 January 2014; the
    # first instalment then falls on the grant day, 10 April 2014.
    number = grants.sector_plan("450000.03", starts_on="2014-01-01", ends_on="2015-12-31")
    # 80% of € 450.000,03 is € 360.000,024: the advances never round above it.
    assert schedule(number) == [
        (date(2014, 4, 10), 90_000_00), (date(2014, 7, 1), 90_000_00),
        (date(2015, 1, 1), 90_000_00), (date(2015, 7, 1), 90_000_02)]
    assert sum(amount for _, amount in schedule(number)) == 360_000_02
    assert [(i.number, i.count) for i in instalments(db.session.get(Application, number))] == [
        (1, 4), (2, 4), (3, 4), (4, 4)]


def test_an_18_month_sector_plan_gets_three_half_yearly_advances(grants):
    number = grants.sector_plan("450000.03")  # 1 July 2014 to 31 December 2015
    # 80% of € 450.000,03 = 36.000.002 cents: 12.000.000 twice, the 2 rounding cents last.
    assert schedule(number) == [
        (date(2014, 7, 1), 120_000_00), (date(2015, 1, 1), 120_000_00),
        (date(2015, 7, 1), 120_000_02)]


def test_rif_advances_are_yearly_over_the_project(grants):
    number = grants.rif()
    assert schedule(number) == [
        (date(2014, 8, 1), 100_000_00), (date(2015, 8, 1), 100_000_00),
        (date(2016, 8, 1), 100_000_00), (date(2017, 8, 1), 100_000_00)]


def test_instalments_before_the_grant_fall_due_on_the_grant_day(grants):
    number = grants.sector_plan(starts_on="2014-01-01", ends_on="2014-12-31")
    # A year: two instalments; the first lies before the grant of 10 April 2014.
    assert schedule(number) == [(date(2014, 4, 10), 180_000_00), (date(2014, 7, 1), 180_000_00)]


def test_the_schedule_is_rules_data_an_admin_can_change(grants, schemes):
    scheme = db.session.query(Scheme).filter_by(code="sectorplan").one()
    scheme.rules = {**scheme.rules, "advance_percent": 50, "advance_interval_months": 12}
    db.session.commit()
    number = grants.sector_plan()
    assert schedule(number) == [(date(2014, 7, 1), 112_500_00), (date(2015, 7, 1), 112_500_00)]


def test_an_application_without_a_grant_has_no_advances(grants, world):
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    assert schedule(number) == []


def test_due_counts_what_was_already_paid_against_the_first_instalments(grants, world):
    number = grants.sector_plan()
    application = db.session.get(Application, number)
    assert due_instalments(application, date(2014, 6, 30)) == []
    due = due_instalments(application, date(2015, 1, 1))
    # 80% of € 450.000,00 in three instalments of € 120.000,00.
    assert [(d.instalment.number, d.amount_cents) for d in due] == [(1, 120_000_00),
                                                                    (2, 120_000_00)]
    ok(world.finance.fire(number, "pay_advance", {"amount": "150000.00"}))
    due = due_instalments(application, date(2015, 1, 1))
    # € 150.000,00 paid covers the first and € 30.000,00 of the second: € 90.000,00 is left.
    assert [(d.instalment.number, d.amount_cents) for d in due] == [(2, 90_000_00)]
    assert due_instalments(application, date(2014, 12, 31)) == []


def test_months_are_added_to_the_last_day_of_a_short_month():
    assert add_months(date(2014, 8, 31), 6) == date(2015, 2, 28)
    assert add_months(date(2015, 11, 30), 3) == date(2016, 2, 29)
    assert add_months(date(2014, 7, 1), 18) == date(2016, 1, 1)
