"""Budgets as in the record (domain.md §1, §3): T2's ceiling as amended from 14 January 2015,
every euro of a budget in a line, the RIF periods of the 2014–2017 regulation as amended, and
plans and projects that run within their budget's period."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from grants.budget.manual import book_by_hand
from grants.errors import ValidationFailed
from grants.extensions import db
from grants.models import Application, Budget, BudgetLine, EntryKind
from grants.money import format_eur
from grants.seed import seed_schemes
from grants.services.schemes import get_window
from grants.timefmt import amsterdam

BEFORE_THE_AMENDMENT = amsterdam(2015, 1, 13, 23, 59, 59)
AMENDMENT_IN_FORCE = amsterdam(2015, 1, 14)
REST = "uitvoering-reserve"


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def line(code: str) -> BudgetLine:
    db.session.expire_all()
    return db.session.scalars(sa.select(BudgetLine).where(BudgetLine.code == code)).one()


def budgets() -> list[Budget]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Budget).order_by(Budget.id)))


# -- T2: € 200 mln at opening, € 205 mln from 14 January 2015 [BWBR0034947, art. 2] ------------

def test_t2_holds_200_million_until_13_january_2015():
    seed_schemes(BEFORE_THE_AMENDMENT)
    t2 = get_window("sectorplan", "T2")
    assert t2.ceiling_cents == 200_000_000_00
    assert t2.amendments == []
    # 600 − 185 (T1) − 200 (T2) − 200 (T3) = 15 on the line for what the windows leave.
    assert line(REST).ceiling_cents == 15_000_000_00


def test_t2_holds_205_million_from_14_january_2015():
    seed_schemes(AMENDMENT_IN_FORCE)
    t2 = get_window("sectorplan", "T2")
    assert t2.ceiling_cents == 205_000_000_00
    [amendment] = t2.amendments
    assert (amendment.old_ceiling_cents, amendment.new_ceiling_cents) == (
        200_000_000_00, 205_000_000_00)
    assert amendment.effective_on == date(2015, 1, 14)
    assert "BWBR0034947" in amendment.reason and "14 januari 2015" in amendment.reason
    assert amendment.recorded_by is None
    # The € 5 mln comes out of the line for what the windows leave: 15 − 5 = 10.
    rest = line(REST)
    assert rest.ceiling_cents == 10_000_000_00
    [taken] = rest.amendments
    assert (taken.old_ceiling_cents, taken.new_ceiling_cents, taken.effective_on) == (
        15_000_000_00, 10_000_000_00, date(2015, 1, 14))


def test_a_later_seed_run_records_the_amendment_once_with_its_own_date(schemes, clock):
    # Seeded on 1 April 2014 (the schemes fixture): nothing to amend yet.
    assert get_window("sectorplan", "T2").ceiling_cents == 200_000_000_00
    seed_schemes(amsterdam(2015, 2, 2, 9))
    seed_schemes(amsterdam(2015, 3, 2, 9))
    [amendment] = get_window("sectorplan", "T2").amendments
    assert amendment.effective_on == date(2015, 1, 14)
    assert amendment.recorded_at == datetime(2015, 2, 2, 8, tzinfo=UTC)  # 9:00 in Amsterdam
    assert get_window("sectorplan", "T2").ceiling_cents == 205_000_000_00
    assert len(line(REST).amendments) == 1


def test_a_decision_meets_the_ceiling_in_force_on_its_day(world, clock):
    # A first plan of € 1.000.000 granted leaves € 199.000.000 of T2's € 200 mln in 2014; a
    # second asks € 199.500.000 (within the whole ceiling, so it may be filed).
    first = ok(world.applicant.create(world.sectorplan(measures=[
        {"title": "Leerwerkplekken", "theme": "youth", "eligible_cost": "1999999.98",
         "requested_subsidy": "999999.99"},
        {"title": "Van werk naar werk", "theme": "work_to_work", "eligible_cost": "0.02",
         "requested_subsidy": "0.01"}])), 201)["id"]
    number = ok(world.applicant.create(world.sectorplan(measures=[
        {"title": "Omscholing in de hele sector", "theme": "training",
         "eligible_cost": "398999999.98", "requested_subsidy": "199499999.99"},
        {"title": "Van werk naar werk", "theme": "work_to_work", "eligible_cost": "0.02",
         "requested_subsidy": "0.01"}])), 201)["id"]
    for each in (first, number):
        clock.advance(days=1)  # complete on days of their own: the first goes first (Awb 4:26)
        ok(world.applicant.fire(each, "submit"))
        ok(world.assessor.fire(each, "start_assessment"))
        ok(world.assessor.fire(each, "record_assessment",
                               {"recommendation": "positive", "reasoning": "Goed plan."}))
    clock.moment = datetime(2014, 7, 1, 8, tzinfo=UTC)
    ok(world.approver.fire(first, "approve", {"amount": "1000000.00"}))
    refused = world.approver.fire(number, "approve", {"amount": "199500000.00"})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["message"] == (
        f"Subsidieplafond bereikt: {format_eur(199_000_000_00)} resterend.")
    assert line("T2").committed_cents == 1_000_000_00

    # From 14 January 2015 the line holds € 205 mln, once the seed has recorded it.
    clock.moment = datetime(2015, 1, 14, 9, tzinfo=UTC)
    seed_schemes(clock())
    db.session.commit()
    ok(world.approver.fire(number, "approve", {"amount": "199500000.00"}))
    assert line("T2").remaining_cents == 205_000_000_00 - 1_000_000_00 - 199_500_000_00


# -- every euro of a budget in a line -----------------------------------------------------------

@pytest.mark.parametrize("moment", [BEFORE_THE_AMENDMENT, AMENDMENT_IN_FORCE])
def test_every_euro_of_every_budget_sits_in_a_line(moment):
    seed_schemes(moment)
    found = budgets()
    assert {budget.code for budget in found} == {
        "sectorplannen", "praktijkleren", "rif", "beta-docenten", "pabo"}
    for budget in found:
        assert sum(line.ceiling_cents for line in budget.lines) == budget.ceiling_cents, \
            budget.code


def test_the_windows_hold_590_million_and_the_other_10_million_has_a_line_of_its_own():
    seed_schemes(AMENDMENT_IN_FORCE)
    [budget] = [b for b in budgets() if b.code == "sectorplannen"]
    assert budget.ceiling_cents == 600_000_000_00
    windows = {line.code: line.ceiling_cents for line in budget.lines if line.window_id}
    assert windows == {"T1": 185_000_000_00, "T2": 205_000_000_00, "T3": 200_000_000_00}
    assert sum(windows.values()) == 590_000_000_00
    [rest] = [line for line in budget.lines if line.window_id is None]
    assert (rest.code, rest.name, rest.ceiling_cents) == (
        REST, "Uitvoeringskosten en reserve sectorplannen", 10_000_000_00)


def test_finance_books_by_hand_on_the_line_for_what_the_windows_leave(world, clock):
    rest = line(REST)
    book_by_hand(rest.id, EntryKind.COMMIT, 2_500_000_00, reason="Uitvoeringskosten 2014",
                 actor=world.finance.user, now=clock())
    assert line(REST).remaining_cents == 15_000_000_00 - 2_500_000_00
    with pytest.raises(ValidationFailed) as refused:
        book_by_hand(line("T2").id, EntryKind.COMMIT, 1_00, reason="x",
                     actor=world.finance.user, now=clock())
    assert refused.value.fields["line"] == [
        "Tweede aanvraagtijdvak wordt geboekt via de aanvragen, niet met de hand."]


# -- RIF periods: the 2014–2017 regulation as amended (BWBR0039089 for 2017) --------------------

def test_rif_periods_as_in_the_amended_regulation(schemes):
    windows = {w.code: w for w in schemes["rif"].windows}
    assert list(windows) == ["2014", "2015-1", "2015-2", "2016-1", "2016-2", "2017-1",
                             "2017-2"]
    # "van 1 januari tot 1 februari" and "van 1 juni tot 1 juli": the 1st is not in it.
    expected = {
        "2014": (amsterdam(2014, 5, 12), amsterdam(2014, 6, 7, 23, 59, 59), 24_000_000_00),
        "2017-1": (amsterdam(2017, 1, 1), amsterdam(2017, 1, 31, 23, 59, 59), 19_300_000_00),
        "2017-2": (amsterdam(2017, 6, 1), amsterdam(2017, 6, 30, 23, 59, 59), 9_400_000_00),
    }
    for code, (opens_at, closes_at, ceiling) in expected.items():
        window = windows[code]
        assert (window.opens_at, window.closes_at, window.ceiling_cents) == (
            opens_at, closes_at, ceiling), code
    assert "BWBR0039089" in windows["2017-1"].source
    # 2015 and 2016 share what is left: 100 − 24 − 19,3 − 9,4 = 47,3, split by assumption.
    assumed = ("2015-1", "2015-2", "2016-1", "2016-2")
    assert sum(windows[code].ceiling_cents for code in assumed) == 47_300_000_00
    assert all(windows[code].source.startswith("Aanname") for code in assumed)
    assert sum(w.ceiling_cents for w in windows.values()) == 100_000_000_00


def test_rif_period_1_of_2017_takes_applications_until_31_january_2359(world, clock):
    clock.moment = datetime(2017, 1, 20, 9, tzinfo=UTC)
    body = world.rif(window="2017-1", starts_on="2017-03-01", ends_on="2017-12-31")
    on_time = ok(world.rif_applicant.create(body), 201)["id"]
    late = ok(world.rif_applicant.create(body), 201)["id"]
    clock.moment = datetime(2017, 1, 31, 22, 59, 59, tzinfo=UTC)  # 23:59:59 in Amsterdam
    assert ok(world.rif_applicant.fire(on_time, "submit"))["state"] == "submitted"
    clock.moment = datetime(2017, 1, 31, 23, 0, 0, tzinfo=UTC)  # 1 February 00:00
    refused = world.rif_applicant.fire(late, "submit")
    assert refused.status_code == 422
    assert "window" in refused.get_json()["error"]["fields"]


# -- plans and projects within the budget period ------------------------------------------------

def test_a_sector_plan_ending_after_the_budget_period_is_refused_at_submit(world):
    number = ok(world.applicant.create(world.sectorplan(ends_on="2016-01-01")), 201)["id"]
    refused = world.applicant.fire(number, "submit")
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"] == {"ends_on": [
        "Een sectorplan moet binnen de looptijd van het budget vallen: de einddatum mag niet "
        "later zijn dan 31 december 2015."]}
    assert db.session.get(Application, number).state.value == "draft"

    ok(world.applicant.call("PATCH", f"/applications/{number}", {"ends_on": "2015-12-31"}))
    ok(world.applicant.fire(number, "submit"))
    frozen = db.session.get(Application, number).rules_version.rules["rules"]
    assert (frozen["budget_starts_on"], frozen["budget_ends_on"]) == ("2013-10-01", "2015-12-31")


def test_a_rif_project_ending_after_2017_is_refused_at_submit(world, clock):
    clock.moment = datetime(2014, 5, 20, 10, tzinfo=UTC)
    number = ok(world.rif_applicant.create(world.rif(ends_on="2018-01-01")), 201)["id"]
    refused = world.rif_applicant.fire(number, "submit")
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"] == {"ends_on": [
        "Het project moet binnen de looptijd van het budget vallen: de einddatum mag niet "
        "later zijn dan 31 december 2017."]}


def test_the_budget_period_is_data_on_the_budget(world):
    budget = db.session.scalars(sa.select(Budget).where(Budget.code == "sectorplannen")).one()
    budget.ends_on = date(2016, 6, 30)
    db.session.commit()
    number = ok(world.applicant.create(world.sectorplan(ends_on="2016-06-30")), 201)["id"]
    ok(world.applicant.fire(number, "submit"))
