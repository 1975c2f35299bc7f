"""What a payment run can pay (grants/payments/payables.py), rule by rule, with figures worked out
by hand (issue 19; bench/mutation.py --module grants/payments/payables.py).

Rules (shared/domain.md §2 "directe vaststelling", §4 "Payments", "Advances are netted at
settlement", Awb 4:52, 7:15; shared/api.md "Payment runs"): four kinds of payable, each with
the trigger that pays it (``pay_advance`` for an advance, ``pay`` for a settlement or a
balance, none for objection costs, which are no subsidy money); each SEPA line says on the
payee's bank statement what it pays (the reference and, in Dutch, "voorschot n/m",
"vaststelling", "saldo na vaststelling" or "proceskosten bezwaar van <day lodged, in
Amsterdam>") and has an end-to-end id unique per line; a planned line and a recomputed payable
are the same payment only when kind, instalment, objection, amount and running total agree.
Every payable goes to the organisation's confirmed Dutch IBAN; without one, or with an invalid
or foreign one, the application is left out and the reason names the organisation (and the
unconfirmed IBAN the application names, masked).

What falls due (§2, §4, Awb 7:15): advances while granted or monitored; a settlement's unpaid
rest from the day it was settled in Amsterdam; the costs of an objection that was upheld with
costs, from the day it was decided in Amsterdam, each objection once, in order, with a running
total of the costs paid; nothing a prepared run holds, except to that run itself; candidates
are the ministry's applications in a paying state or with objection costs, by reference.

Mutants that cannot change behaviour (read by bench/mutation.py). ``waiting_in`` takes the
first row of its query, so the query's LIMIT 1 (or 2, or none) returns the same run; and the
lines of a prepared run are all held: they are released only by the approval or cancellation
that ends the run being prepared, in the same transaction, so asking for held lines as well as
a prepared run selects the same rows:

equivalent: grants.payments.payables.x_waiting_in__mutmut_6 — a prepared run's lines are held
equivalent: grants.payments.payables.x_waiting_in__mutmut_19 — .first() of LIMIT NULL, same row
equivalent: grants.payments.payables.x_waiting_in__mutmut_20 — .first() of LIMIT 2, same row
equivalent: grants.payments.payables.x__objection_costs__mutmut_18 — `or 0` makes a NULL sum 0 too

What a preview reads for all its candidates at once (KnownPayables, issue 16) is tested through
the preview (tests/mutation/test_payment_runs.py: the same statements however many grants,
a grant waiting in a run left out). An application waits in at most one prepared run, whose
lines are all held, and only candidates are looked up, so ordering the waiting runs, asking for
held lines and narrowing to the candidates select the same runs. An application in a paying
state has ledger entries (its grant or settlement committed the money), so a balance missing
from the ones read is never asked for. And a balance read again, or organisations and rules
loaded one by one, give the same figures: only the number of statements differs, which the
preview's test holds for grants with advances:

equivalent: grants.payments.payables.x_waiting_runs__mutmut_3 — one prepared run per application
equivalent: grants.payments.payables.x_waiting_runs__mutmut_7 — only candidates are looked up
equivalent: grants.payments.payables.x_waiting_runs__mutmut_8 — a prepared run's lines are held
equivalent: grants.payments.payables.xǁKnownPayablesǁof__mutmut_8 — a paying state has entries
equivalent: grants.payments.payables.xǁKnownPayablesǁof__mutmut_10 — a paying state has entries
equivalent: grants.payments.payables.x__settlement__mutmut_7 — the same balance, read again
equivalent: grants.payments.payables.x_payables_of__mutmut_20 — the same balance, read again
equivalent: grants.payments.payables.x_candidates__mutmut_6 — organisations loaded one by one
equivalent: grants.payments.payables.x_candidates__mutmut_7 — rules loaded one by one

Not equivalent, and left counted: ``_objection_costs__mutmut_33`` drops the ORDER BY of the
objections; both databases return them in id order from a table without updates to their order,
so no test in one session can tell — SQL does not promise it, so the ORDER BY stays.
"""

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationState,
    Ministry,
    ObjectionOutcome,
    PaymentKind,
    PaymentLine,
)
from grants.payments.payables import (
    Payable,
    candidates,
    creditor_iban,
    iban_problem,
    line_key,
    payables_of,
    waiting_in,
)
from grants.payments.runs import cancel_run, prepare_run
from grants.payments.schedule import Instalment
from tests.payments.conftest import EMPLOYERS_IBAN, Grants, objection_with_costs

no_db = pytest.mark.no_db

REFERENCE = "SP-2014-0007"


def application(iban: str | None = "NL91ABNA0417164300", named: str | None = None):
    organisation = SimpleNamespace(name="Metaalwerkgevers", iban=iban)
    return SimpleNamespace(reference=REFERENCE, organisation=organisation,
                           details={"iban": named} if named is not None else {})


ADVANCE = Payable(application(), PaymentKind.ADVANCE, 120_000_00, 240_000_00, date(2015, 1, 1),
                  instalment=Instalment(2, 3, date(2015, 1, 1), 120_000_00))
SETTLEMENT = Payable(application(), PaymentKind.SETTLEMENT, 4_050_00, 4_050_00,
                     date(2014, 11, 20))
BALANCE = Payable(application(), PaymentKind.BALANCE, 160_000_00, 400_000_00, date(2016, 3, 1))
# Lodged at 22:30 UTC on 19 May 2014: 00:30 on 20 May in Amsterdam (CEST).
OBJECTION = SimpleNamespace(id=12, lodged_at=datetime(2014, 5, 19, 22, 30, tzinfo=UTC))
COSTS = Payable(application(), PaymentKind.OBJECTION_COSTS, 1_050_00, 2_100_00,
                date(2014, 7, 1), objection=OBJECTION)


@no_db
def test_each_kind_is_paid_by_its_own_trigger_and_objection_costs_by_none():
    assert [p.trigger for p in (ADVANCE, SETTLEMENT, BALANCE, COSTS)] == [
        "pay_advance", "pay", "pay", None]


@no_db
def test_each_kind_has_its_label():
    assert [p.kind_label for p in (ADVANCE, SETTLEMENT, BALANCE, COSTS)] == [
        "voorschot", "vaststelling", "saldo na vaststelling", "proceskosten bezwaar"]


@no_db
def test_the_bank_statement_says_what_is_paid_in_dutch():
    assert [p.remittance for p in (ADVANCE, SETTLEMENT, BALANCE, COSTS)] == [
        "SP-2014-0007 voorschot 2/3", "SP-2014-0007 vaststelling",
        "SP-2014-0007 saldo na vaststelling", "SP-2014-0007 proceskosten bezwaar van 20-05-2014"]


@no_db
def test_the_end_to_end_id_names_the_reference_the_run_and_what_is_paid():
    assert [p.end_to_end_id(7) for p in (ADVANCE, SETTLEMENT, BALANCE, COSTS)] == [
        "SP-2014-0007-7-V2", "SP-2014-0007-7-VS", "SP-2014-0007-7-S", "SP-2014-0007-7-K12"]


@no_db
def test_a_planned_line_and_a_payable_match_on_kind_instalment_objection_and_amounts():
    assert ADVANCE.key() == (PaymentKind.ADVANCE, 2, None, 120_000_00, 240_000_00)
    assert BALANCE.key() == (PaymentKind.BALANCE, None, None, 160_000_00, 400_000_00)
    assert COSTS.key() == (PaymentKind.OBJECTION_COSTS, None, 12, 1_050_00, 2_100_00)
    line = SimpleNamespace(kind=PaymentKind.ADVANCE, instalment=2, objection_id=None,
                           amount_cents=120_000_00, paid_through_cents=240_000_00)
    assert line_key(line) == ADVANCE.key()


@no_db
def test_the_confirmed_iban_is_the_creditor_and_none_is_empty():
    assert creditor_iban(application(named="NL20INGB0001234567")) == "NL91ABNA0417164300"
    assert ADVANCE.creditor_iban == "NL91ABNA0417164300"
    assert creditor_iban(application(iban=None)) == ""


@no_db
def test_a_confirmed_dutch_iban_is_no_problem(app):
    with app.app_context():
        assert iban_problem(application()) is None


@no_db
def test_without_a_confirmed_iban_the_reason_names_the_organisation(app):
    with app.app_context():
        assert iban_problem(application(iban=None)) == (
            "Geen IBAN bekend van Metaalwerkgevers; vul het aan voordat er betaald wordt.")
        assert iban_problem(application(iban="")) == (
            "Geen IBAN bekend van Metaalwerkgevers; vul het aan voordat er betaald wordt.")


@no_db
def test_an_unconfirmed_iban_on_the_application_is_named_masked_and_not_used(app):
    with app.app_context():
        assert iban_problem(application(iban="", named="NL20 INGB 0001 2345 67")) == (
            "Geen bevestigd IBAN van Metaalwerkgevers. Het IBAN op de aanvraag "
            "(NL** **** **** **45 67) is door niemand bevestigd en wordt niet gebruikt; de "
            "organisatie vult haar IBAN in en een tweede persoon bevestigt het.")


@pytest.mark.parametrize("iban", [
    "NL91ABNA0417164301",  # a wrong check digit
    "DE89370400440532013000",  # a valid IBAN, but not Dutch
])
@no_db
def test_an_invalid_or_foreign_iban_is_refused_naming_it(app, iban):
    with app.app_context():
        assert iban_problem(application(iban=iban)) == (
            f"Het IBAN van Metaalwerkgevers ({iban}) is ongeldig.")


# --- What falls due, in the database ------------------------------------------------------

@pytest.fixture
def grants(world, clock) -> Grants:
    world.employers.iban = EMPLOYERS_IBAN
    db.session.commit()
    return Grants(world, clock)


def costs(payables: list[Payable]) -> list[tuple]:
    return [(p.objection.id, p.amount_cents, p.paid_through_cents, p.due_on) for p in payables
            if p.kind == PaymentKind.OBJECTION_COSTS]


def at(day: int, hour: int = 9, month: int = 6) -> datetime:
    return datetime(2014, month, day, hour, tzinfo=UTC)


def test_upheld_objection_costs_fall_due_once_in_order_with_a_running_total(grants, world):
    plan = db.session.get(Application, grants.sector_plan())
    lodged = at(1, month=5)
    first = objection_with_costs(plan.id, 1_050_00, decided_at=at(2), lodged_at=lodged)
    second = objection_with_costs(plan.id, 500_00, decided_at=at(3), lodged_at=lodged)
    # No costs awarded, not upheld, or not decided: nothing to pay.
    objection_with_costs(plan.id, 0, decided_at=at(2), lodged_at=lodged)
    objection_with_costs(plan.id, 700_00, decided_at=at(2), lodged_at=lodged).outcome = (
        ObjectionOutcome.REJECTED)
    objection_with_costs(plan.id, 300_00, decided_at=at(2), lodged_at=lodged).decided_at = None
    # Decided at 22:30 UTC on 30 June: 1 July in Amsterdam.
    late = objection_with_costs(plan.id, 200_00, decided_at=at(30, 22), lodged_at=lodged)
    db.session.commit()

    assert costs(payables_of(plan, date(2014, 6, 2))) == [
        (first.id, 1_050_00, 1_050_00, date(2014, 6, 2))]
    assert payables_of(plan, date(2014, 6, 1)) == []
    assert costs(payables_of(plan, date(2014, 6, 30))) == [
        (first.id, 1_050_00, 1_050_00, date(2014, 6, 2)),
        (second.id, 500_00, 1_550_00, date(2014, 6, 3))]
    due = payables_of(plan, date(2014, 7, 1))
    # The first advance (€ 120.000,00) falls due on 1 July too, before the costs.
    assert [(p.kind, p.amount_cents) for p in due][0] == (PaymentKind.ADVANCE, 120_000_00)
    assert costs(due)[-1] == (late.id, 200_00, 1_750_00, date(2014, 7, 1))

    # Held by a prepared run, the costs are that run's alone; the run sees them as it planned.
    run = prepare_run(Ministry.SZW, date(2014, 6, 30), world.finance.user, at(30, 12))
    assert waiting_in(plan.id) is run
    assert waiting_in(plan.id, except_run=run.id) is None
    assert costs(payables_of(plan, date(2014, 7, 1))) == [(late.id, 200_00, 1_750_00,
                                                           date(2014, 7, 1))]
    assert costs(payables_of(plan, date(2014, 6, 30), except_run=run.id)) == [
        (first.id, 1_050_00, 1_050_00, date(2014, 6, 2)),
        (second.id, 500_00, 1_550_00, date(2014, 6, 3))]
    cancel_run(run.id, world.finance.user, at(30, 12), "Eerst de voorschotten.")
    assert waiting_in(plan.id) is None
    assert len(costs(payables_of(plan, date(2014, 7, 1)))) == 3


def test_a_balance_falls_due_on_the_day_it_was_settled_in_amsterdam(grants):
    plan = db.session.get(Application, grants.sector_plan())
    plan.state = ApplicationState.SETTLED
    # 23:30 UTC on 20 November 2014 is 00:30 on 21 November in Amsterdam (CET).
    plan.decided_at = datetime(2014, 11, 20, 23, 30, tzinfo=UTC)
    db.session.commit()
    assert payables_of(plan, date(2014, 11, 20)) == []
    # No advance was paid: the whole € 450.000,00 committed is the balance, and a settled
    # application gets no advances any more.
    assert [(p.kind, p.amount_cents, p.paid_through_cents, p.due_on)
            for p in payables_of(plan, date(2015, 7, 1))] == [
        (PaymentKind.BALANCE, 450_000_00, 450_000_00, date(2014, 11, 21))]
    # Settled at an unknown moment, it is due on the day asked about.
    plan.decided_at = None
    assert [p.due_on for p in payables_of(plan, date(2015, 7, 1))] == [date(2015, 7, 1)]


def test_candidates_are_the_ministrys_paying_or_owed_applications_by_reference(grants, world):
    first = db.session.get(Application, grants.sector_plan())
    second = db.session.get(Application, grants.sector_plan("300000.00"))
    refused = db.session.get(Application, grants.sector_plan("200000.00"))
    refused.state = ApplicationState.REJECTED
    draft = db.session.get(Application, grants.sector_plan("100000.00"))
    draft.state = ApplicationState.DRAFT
    first.reference, second.reference, refused.reference = (
        "SP-2014-0900", "SP-2014-0100", "SP-2014-0500")
    db.session.commit()
    assert candidates(Ministry.SZW) == [second, first]
    assert candidates(Ministry.OCW) == []
    # A refused application is owed the costs of an objection upheld against the refusal.
    objection_with_costs(refused.id, 1_050_00, decided_at=at(2), lodged_at=at(1))
    assert candidates(Ministry.SZW) == [second, refused, first]
    assert draft not in candidates(Ministry.SZW)


def test_an_application_waits_only_in_the_prepared_run_that_holds_it(grants, world):
    plan = db.session.get(Application, grants.sector_plan())
    run = prepare_run(Ministry.SZW, date(2014, 7, 1), world.finance.user, at(1, 12, month=7))
    later = db.session.get(Application, grants.sector_plan("300000.00"))
    # Held by nobody, though another application waits.
    assert waiting_in(later.id) is None
    assert waiting_in(plan.id) is run
    # Were a second prepared run to hold it too (a race that the lock prevents), each run
    # sees the other.
    other = prepare_run(Ministry.SZW, date(2014, 7, 1), world.finance.user, at(1, 12, month=7))
    line = other.lines[0]
    db.session.add(PaymentLine(
        run_id=other.id, application_id=plan.id, kind=line.kind, instalment=1,
        instalment_count=3, due_on=line.due_on, amount_cents=1, paid_through_cents=1,
        creditor_name=line.creditor_name, creditor_iban=line.creditor_iban,
        remittance=line.remittance, end_to_end_id=f"{plan.reference}-{other.id}-V1",
        held=True))
    db.session.flush()
    assert waiting_in(plan.id, except_run=run.id) is other
    assert waiting_in(plan.id, except_run=other.id) is run


def test_the_running_total_counts_only_this_applications_costs_held_by_a_run(grants, world):
    plan = db.session.get(Application, grants.sector_plan())
    other = db.session.get(Application, grants.sector_plan("300000.00"))
    first = objection_with_costs(plan.id, 1_050_00, decided_at=at(2), lodged_at=at(1))
    objection_with_costs(other.id, 700_00, decided_at=at(2), lodged_at=at(1))
    # The run of 1 July holds both plans' first advances and both objections' costs.
    run = prepare_run(Ministry.SZW, date(2014, 7, 1), world.finance.user, at(1, 12, month=7))
    held = {(line.application_id, line.kind) for line in run.lines}
    assert {(plan.id, PaymentKind.ADVANCE), (plan.id, PaymentKind.OBJECTION_COSTS),
            (other.id, PaymentKind.OBJECTION_COSTS)} <= held
    # Decided after the run was made: € 0,01 (the least that can be awarded) on 3 July, and
    # costs for the other plan that are not this plan's to be paid.
    cent = objection_with_costs(plan.id, 1, decided_at=at(3, month=7), lodged_at=at(1))
    objection_with_costs(other.id, 400_00, decided_at=at(3, month=7), lodged_at=at(1))
    # Paid through: the € 1.050,00 the run holds for this plan, plus the cent; neither the
    # other plan's € 700,00 nor this plan's advance of € 120.000,00 is objection costs paid.
    assert costs(payables_of(plan, date(2014, 7, 5))) == [
        (cent.id, 1, 1_050_01, date(2014, 7, 3))]
    # A run that is not the one holding them changes nothing.
    assert costs(payables_of(plan, date(2014, 7, 5), except_run=run.id + 1_000)) == [
        (cent.id, 1, 1_050_01, date(2014, 7, 3))]
    assert costs(payables_of(plan, date(2014, 7, 5), except_run=run.id)) == [
        (first.id, 1_050_00, 1_050_00, date(2014, 6, 2)),
        (cent.id, 1, 1_050_01, date(2014, 7, 3))]


def test_costs_decided_later_do_not_stop_those_decided_earlier(grants):
    plan = db.session.get(Application, grants.sector_plan())
    objection_with_costs(plan.id, 300_00, decided_at=at(1, month=7), lodged_at=at(1))
    earlier = objection_with_costs(plan.id, 500_00, decided_at=at(2), lodged_at=at(1))
    # The first objection (by number) is decided after 30 June; the second is due already.
    assert costs(payables_of(plan, date(2014, 6, 30))) == [
        (earlier.id, 500_00, 500_00, date(2014, 6, 2))]


def test_a_settled_rest_of_one_cent_is_still_paid(grants):
    plan = db.session.get(Application, grants.sector_plan("0.01"))
    plan.state = ApplicationState.SETTLED
    plan.decided_at = datetime(2014, 11, 20, 10, tzinfo=UTC)
    db.session.commit()
    assert [(p.kind, p.amount_cents, p.paid_through_cents)
            for p in payables_of(plan, date(2014, 12, 1))] == [(PaymentKind.BALANCE, 1, 1)]


def test_a_refused_application_is_a_candidate_for_any_costs_but_not_for_none(grants):
    refused = db.session.get(Application, grants.sector_plan("200000.00"))
    refused.state = ApplicationState.REJECTED
    db.session.commit()
    objection_with_costs(refused.id, 0, decided_at=at(2), lodged_at=at(1))
    assert refused not in candidates(Ministry.SZW)
    objection_with_costs(refused.id, 1, decided_at=at(2), lodged_at=at(1))
    assert refused in candidates(Ministry.SZW)
