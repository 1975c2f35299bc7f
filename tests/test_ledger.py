"""The ledger as the workflow drives it: commitments, ceilings, payments, settlement."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from grants.budget.manual import book_by_hand
from grants.errors import Forbidden, ValidationFailed
from grants.extensions import db
from grants.models import Bucket, Budget, BudgetLine, EntryKind, LedgerEntry, Role
from grants.money import format_eur
from grants.services.schemes import amend_ceiling
from grants.services.tokens import create_token
from tests.factories import UserFactory
from tests.reports.flow import settlement_request
from tests.workflows.scenarios import PARTLY
from tests.workflows.test_lifecycles import ok


def line(code: str) -> BudgetLine:
    return db.session.scalars(sa.select(BudgetLine).where(BudgetLine.code == code)).one()


def entries(application_id=None) -> list[tuple]:
    stmt = sa.select(LedgerEntry.kind, LedgerEntry.bucket, LedgerEntry.amount_cents,
                     LedgerEntry.cause).order_by(LedgerEntry.id)
    if application_id is not None:
        stmt = stmt.where(LedgerEntry.application_id == application_id)
    return [(k.value, b.value if b else None, a, c) for k, b, a, c in db.session.execute(stmt)]


def assessed(world, **changes) -> int:
    number = ok(world.applicant.create(world.sectorplan(**changes)), 201)["id"]
    ok(world.applicant.fire(number, "submit"))
    ok(world.assessor.fire(number, "start_assessment"))
    ok(world.assessor.fire(number, "record_assessment",
                           {"recommendation": "positive", "reasoning": "Goed plan."}))
    return number


def shrink_t2(clock, cents: int) -> None:
    amend_ceiling(line("T2"), cents, reason="Test: klein plafond", effective_on=date(2014, 4, 1),
                  now=clock(), user=None)
    db.session.commit()


def test_approval_commits_the_granted_amount_on_the_windows_line(world):
    number = assessed(world)
    ok(world.approver.fire(number, "approve", {"amount": "450000.00", **PARTLY}))
    t2 = line("T2")
    assert t2.committed_cents == 450_000_00
    # T2 holds € 200 mln until the amendment of 14 January 2015.
    assert t2.remaining_cents == 200_000_000_00 - 450_000_00
    assert entries(number) == [("commit", None, 450_000_00, "approve")]


def test_approving_over_the_ceiling_is_refused_and_changes_nothing(world, clock):
    # Complete on two days, so that the first goes first (Awb 4:26) and the second then meets
    # the ceiling itself.
    first = assessed(world)
    clock.advance(days=1)
    second = assessed(world)
    shrink_t2(clock, 700_000_00)
    ok(world.approver.fire(first, "approve"))  # € 500.166,66
    before = world.applicant.get(second).get_json()

    response = world.approver.fire(second, "approve")
    assert response.status_code == 422
    error = response.get_json()["error"]
    left = format_eur(700_000_00 - 500_166_66)
    assert error["message"] == f"Subsidieplafond bereikt: {left} resterend."
    assert left in error["fields"]["amount"][0]

    after = world.applicant.get(second).get_json()
    assert after["state"] == "assessed" and after["version"] == before["version"]
    assert entries(second) == []
    assert line("T2").committed_cents == 500_166_66
    assert [e["trigger"] for e in world.applicant.history(second)][-1] == "record_assessment"
    # What does fit can still be granted.
    ok(world.approver.fire(second, "approve", {"amount": "199833.34", **PARTLY}))
    assert line("T2").remaining_cents == 0


def test_a_positive_assessment_reserves_when_the_rules_say_so(world, schemes):
    scheme = schemes["sectorplan"]
    scheme.rules = {**scheme.rules, "reserve_on_positive_assessment": True}
    db.session.commit()
    kept, refused = assessed(world), assessed(world)
    assert line("T2").reserved_cents == 2 * 500_166_66

    ok(world.approver.fire(kept, "approve", {"amount": "400000.00", **PARTLY}))
    assert entries(kept) == [("reserve", None, 500_166_66, "record_assessment"),
                             ("release", "reserved", 500_166_66, "approve"),
                             ("commit", None, 400_000_00, "approve")]
    ok(world.approver.fire(refused, "reject", {"reason": "Onvoldoende draagvlak"}))
    assert entries(refused)[-1] == ("release", "reserved", 500_166_66, "reject")
    t2 = line("T2")
    assert (t2.reserved_cents, t2.committed_cents) == (0, 400_000_00)


def test_advances_settlement_lower_than_paid_and_recovery(world):
    number = assessed(world)
    ok(world.approver.fire(number, "approve", {"amount": "400000.00", **PARTLY}))
    ok(world.finance.fire(number, "pay_advance", {"amount": "160000.00"}))
    ok(world.finance.fire(number, "pay_advance", {"amount": "160000.00"}))
    too_much = world.finance.fire(number, "pay_advance", {"amount": "80000.01"})
    assert too_much.status_code == 422

    ok(settlement_request(world.applicant, number, "250000.00"))
    settled = world.decide_prepared(number, "settle", {"amount": "250000.00"})
    assert settled["state"] == "settled"
    assert entries(number)[-2:] == [("recover", None, 70_000_00, "settle"),
                                    ("release", "committed", 150_000_00, "settle")]
    t2 = line("T2")
    assert (t2.committed_cents, t2.disbursed_cents - t2.recovered_cents) == (250_000_00,
                                                                             250_000_00)
    nothing_left = world.finance.fire(number, "pay")
    assert nothing_left.status_code == 422
    ok(world.finance.fire(number, "close"))


def test_settlement_above_what_was_paid_pays_the_balance(world):
    number = assessed(world)
    ok(world.approver.fire(number, "approve", {"amount": "400000.00", **PARTLY}))
    ok(world.finance.fire(number, "pay_advance", {"amount": "320000.00"}))
    ok(settlement_request(world.applicant, number, "380000.00"))
    world.decide_prepared(number, "settle", {"amount": "380000.00"})
    ok(world.finance.fire(number, "pay"))
    assert entries(number)[-2:] == [("release", "committed", 20_000_00, "settle"),
                                    ("disburse", None, 60_000_00, "pay")]


def test_praktijkleren_direct_settlement_commits_per_category(world, clock):
    clock.moment = datetime(2014, 9, 1, 10, tzinfo=UTC)
    api, finance = world.employer_applicant, world.finance
    number = ok(api.create(world.praktijkleren()), 201)["id"]
    ok(api.fire(number, "submit"))
    ok(world.assessor.fire(number, "start_assessment"))
    ok(world.assessor.fire(number, "record_assessment"))
    assert "settle" not in finance.get(number).get_json()["allowed_triggers"]
    by_hand = finance.fire(number, "settle", {"amounts": {"mbo": "2700.00"}})
    assert by_hand.status_code == 422
    assert "allocation" in by_hand.get_json()["error"]["fields"]
    assert line("2013-2014-mbo").committed_cents == 0

    world.settle_praktijkleren(clock)
    # Under the ceilings the rate is the full € 2.700: Sanne 40/40 mbo place = € 2.700,00,
    # Ahmed 21/42 hbo place = € 1.350,00.
    settled = ok(finance.get(number))
    assert (settled["state"], settled["granted_amount"]) == ("settled", "4050.00")
    assert line("2013-2014-mbo").committed_cents == 2700_00
    assert line("2013-2014-hbo").committed_cents == 1350_00
    paid = ok(finance.fire(number, "pay"))
    assert paid["state"] == "paid"
    assert line("2013-2014-mbo").disbursed_cents == 2700_00


def test_ceiling_amendments_respect_commitments_and_the_budget(world, clock):
    number = assessed(world)
    ok(world.approver.fire(number, "approve", {"amount": "400000.00", **PARTLY}))
    with pytest.raises(ValidationFailed) as below:
        amend_ceiling(line("T2"), 300_000_00, reason="Bezuiniging", effective_on=clock().date(),
                      now=clock(), user=None)
    assert format_eur(400_000_00) in below.value.fields["ceiling"][0]
    with pytest.raises(ValidationFailed) as over:
        amend_ceiling(line("T2"), 216_000_000_00, reason="Meer", effective_on=clock().date(),
                      now=clock(), user=None)
    # 600 − 185 (T1) − 200 (T3) − 15 (the line for what the windows leave)
    assert format_eur(200_000_000_00) in over.value.fields["ceiling"][0]
    with pytest.raises(ValidationFailed):
        amend_ceiling(line("T2"), 210_000_000_00, reason=" ", effective_on=clock().date(),
                      now=clock(), user=None)


def test_booking_by_hand_on_a_budget_without_workflow(world, clock):
    finance = world.finance.user
    beta = line("beta-docenten")
    book_by_hand(beta.id, EntryKind.COMMIT, 40_000_000_00, reason="Regeling zij-instromers",
                 actor=finance, now=clock())
    book_by_hand(beta.id, EntryKind.DISBURSE, 10_000_000_00, reason="Eerste tranche",
                 actor=finance, now=clock())
    with pytest.raises(ValidationFailed, match="Subsidieplafond bereikt"):
        book_by_hand(beta.id, EntryKind.COMMIT, 60_000_000_01, reason="Te veel",
                     actor=finance, now=clock())
    with pytest.raises(ValidationFailed) as no_reason:
        book_by_hand(beta.id, EntryKind.COMMIT, 1_00, reason="", actor=finance, now=clock())
    assert "reason" in no_reason.value.fields
    with pytest.raises(ValidationFailed) as scheme_line:
        book_by_hand(line("T2").id, EntryKind.COMMIT, 1_00, reason="x", actor=finance,
                     now=clock())
    assert "line" in scheme_line.value.fields
    with pytest.raises(Forbidden):
        book_by_hand(beta.id, EntryKind.COMMIT, 1_00, reason="x", actor=world.admin.user,
                     now=clock())
    book_by_hand(beta.id, EntryKind.RELEASE, 5_000_000_00, reason="Minder instromers",
                 actor=finance, now=clock(), bucket=Bucket.COMMITTED)
    beta = line("beta-docenten")
    assert (beta.committed_cents, beta.disbursed_cents, beta.remaining_cents) == (
        35_000_000_00, 10_000_000_00, 65_000_000_00)
    assert [e[3] for e in entries()] == ["manual"] * 3


def test_the_ledger_is_append_only(world):
    from sqlalchemy.exc import DatabaseError

    number = assessed(world)
    ok(world.approver.fire(number, "approve"))
    for statement in (sa.update(LedgerEntry).values(amount_cents=1), sa.delete(LedgerEntry)):
        with pytest.raises(DatabaseError, match="append-only"), db.session.begin_nested():
            db.session.execute(statement)


def test_the_database_itself_refuses_over_commitment(world):
    from sqlalchemy.exc import IntegrityError

    t2 = line("T2")
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(sa.update(BudgetLine).where(BudgetLine.id == t2.id)
                           .values(committed_cents=BudgetLine.ceiling_cents + 1))


def test_budgets_api_for_finance_only(world, client, clock):
    number = assessed(world)
    ok(world.approver.fire(number, "approve", {"amount": "450000.00", **PARTLY}))
    ok(world.finance.fire(number, "pay_advance", {"amount": "100000.00"}))

    assert world.applicant.call("GET", "/budgets").status_code == 403
    body = ok(world.finance.call("GET", "/budgets"))
    by_code = {b["code"]: b for b in body["items"]}
    assert set(by_code) == {b.code for b in db.session.scalars(sa.select(Budget))}
    sectorplans = by_code["sectorplannen"]
    assert sectorplans["ceiling"] == "600000000.00"
    assert sectorplans["committed"] == "450000.00"
    assert sectorplans["remaining"] == "599550000.00"
    # Every euro of the € 600 mln sits in a line.
    assert sectorplans["unallocated"] == "0.00"
    t2 = next(item for item in sectorplans["lines"] if item["code"] == "T2")
    assert t2 == {"code": "T2", "name": "Tweede aanvraagtijdvak", "window": "T2",
                  "category": None, "ceiling": "200000000.00", "reserved": "0.00",
                  "committed": "450000.00", "disbursed": "100000.00", "recovered": "0.00",
                  "remaining": "199550000.00"}
    admin_token = create_token(UserFactory(role=Role.ADMIN), clock())[1]
    admin = client.get("/api/v1/budgets", headers={"Authorization": f"Bearer {admin_token}"})
    assert admin.status_code == 200


def test_an_approval_raises_the_version_by_one(world):
    number = assessed(world)
    before = world.applicant.get(number).get_json()["version"]
    ok(world.approver.fire(number, "approve"))
    assert world.applicant.get(number).get_json()["version"] == before + 1


def test_demo_figures_are_identical_on_the_page_in_the_api_and_on_the_command_line(
        app, client, login_as, clock):
    from decimal import Decimal

    from grants.budget.report import budget_report
    from tests.conftest import login

    assert app.test_cli_runner().invoke(args=["grants", "demo"]).exit_code == 0
    report = budget_report()
    assert any(line.committed for budget in report for line in budget.lines)

    token = create_token(UserFactory(role=Role.FINANCE), clock())[1]
    api = client.get("/api/v1/budgets", headers={"Authorization": f"Bearer {token}"}).get_json()
    cli = app.test_cli_runner().invoke(args=["grants", "budget", "report"]).output
    page_client = app.test_client()
    assert login(page_client, "financien@demo.techniekpact.nl",
                 "financien-demo-2014").status_code == 302
    page = page_client.get("/financien/budgetten").get_data(as_text=True)

    api_lines = {(b["code"], line["code"]): line for b in api["items"] for line in b["lines"]}
    for budget in report:
        for figures in budget.lines:
            shown = api_lines[budget.code, figures.code]
            for field in ("ceiling", "reserved", "committed", "disbursed", "remaining"):
                cents = getattr(figures, field)
                assert Decimal(shown[field]) * 100 == cents, (figures.code, field)
                assert format_eur(cents) in cli, (figures.code, field)
                assert format_eur(cents) in page, (figures.code, field)
