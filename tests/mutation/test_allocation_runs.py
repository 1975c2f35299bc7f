"""Allocation runs (grants/allocation/runs.py): who is divided, with how much room, and what a
prepared run records, each rule stated with hand-computed figures so that no small change to it
goes unnoticed (issue 19; bench/mutation.py --module grants/allocation/runs.py).

Rules (shared/domain.md §1–§4, shared/api.md POST /allocations): a sector plan takes part once
it is complete and positively assessed, in the order it became complete (Amsterdam's day);
the room is the ceiling less what is committed and reserved, a candidate's own reservation
turning into its commitment; a what-if ceiling is an amount, never below what is committed, and
only for a preview; a run is prepared only after the window closed, one at a time, and the
praktijkleren and RIF runs once and only when every application is assessed or decided; the RIF
total score is the members' average sum, sufficient by the rule book's average per criterion;
praktijkleren pays at most the rule book's rate per place and a late application is ineligible;
what RIF period 1 leaves unused moves to period 2, less what objections may still restore (§3),
and only once a run on it took effect (a prepared or cancelled run has not divided it).

More rules stated below: the room is per line, so a candidate's reservation on another line is
not room here; a praktijkleren category's room is its ceiling less committed and reserved; an
application's places count by the rules frozen when it was submitted, not the scheme's rules of
now; without a rate cap or a sufficient average in the scheme's rules the rule book's defaults
(€ 2.700,00 a place, 6) apply; an assessed RIF application without scores totals 0 and has no
average, so it is insufficient; a draw at the edge follows the run's seed (api.md: the seed
reproduces a run); a prepared run records that draw, each plan's place in it and the reason of a
refusal; candidates and open applications are listed in a fixed order (number, reference).

Applications are made with the factories, in the state the run reads, so that each test states
its figures without walking the workflow.

Mutants that cannot change behaviour (read by bench/mutation.py). Window codes hold at most one
"-" ("2015-1", "2013-2014", "T2"), so partition and rpartition split them alike:

equivalent: grants.allocation.runs.x_roll_over__mutmut_3 — one "-" at most: rpartition is partition

The checks for a waiting or an earlier run ask whether there is one: session.scalar takes the
first row whatever the LIMIT, and a window has at most one prepared run (this very check, under
the lines' locks) and, for a final run, at most one run that is not cancelled; so the query
returns at most one row with or without its LIMIT 1. Whether period 1 was divided only tests the
first row's id for truth:

equivalent: grants.allocation.runs.x__may_prepare__mutmut_3 — at most one row: LIMIT None alike
equivalent: grants.allocation.runs.x__may_prepare__mutmut_11 — at most one row: LIMIT 2 alike
equivalent: grants.allocation.runs.x__may_prepare__mutmut_17 — at most one row: LIMIT None alike
equivalent: grants.allocation.runs.x__may_prepare__mutmut_25 — at most one row: LIMIT 2 alike
equivalent: grants.allocation.runs.x_roll_over_again__mutmut_16 — first row's truth: no LIMIT alike
equivalent: grants.allocation.runs.x_roll_over_again__mutmut_24 — first row's truth: LIMIT 2 alike

A prepared run's status and cancel reason are also the columns' defaults (PREPARED, ""); the ORM
leaves an attribute that is None out of the INSERT when its column has a default, so passing
None or nothing stores the same row (the tests read both back, on SQLite and PostgreSQL):

equivalent: grants.allocation.runs.x__prepare__mutmut_13 — status None: column default PREPARED
equivalent: grants.allocation.runs.x__prepare__mutmut_14 — cancel_reason None: column default ""
equivalent: grants.allocation.runs.x__prepare__mutmut_25 — status left out: column default PREPARED
equivalent: grants.allocation.runs.x__prepare__mutmut_26 — cancel_reason left out: default ""

Not equivalent, but alive on the bench's SQLite: SQLite has no row locks (SQLAlchemy drops FOR
UPDATE there) and scans a table in rowid (= id) order. So lock_lines' mutants 2 (no ORDER BY:
lock order), 3 (WHERE NULL: locks nothing) and 5 (locks the other windows' lines) only show on
PostgreSQL with two concurrent transactions on committed rows, which these rolled-back tests
cannot make. _applications 3 (no ORDER BY) is killed on PostgreSQL by
test_a_run_lists_its_candidates_by_application_number, not on SQLite. Selecting NULL instead of
the ids still locks the same rows (FOR UPDATE locks the rows of the FROM table; the ids read are
thrown away):

equivalent: grants.allocation.runs.x_lock_lines__mutmut_4 — SELECT NULL … FOR UPDATE locks alike
"""

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
import sqlalchemy as sa

from grants.allocation import methods
from grants.allocation.runs import (
    all_decided,
    compute,
    roll_over,
    roll_over_again,
    run_allocation,
)
from grants.budget import ledger
from grants.errors import Conflict, Forbidden, NotFound, ValidationFailed
from grants.extensions import db
from grants.models import (
    AllocationRun,
    ApplicationState,
    Assessment,
    AuditEvent,
    BudgetLine,
    CeilingAmendment,
    EntryKind,
    Objection,
    Recommendation,
    Role,
    RunStatus,
    Scheme,
    Window,
)
from grants.workflows import workflow_for
from grants.workflows.rules import freeze
from tests.factories import ApplicationFactory, UserFactory

S = ApplicationState
NBSP = "\xa0"
CRITERIA = ("fit", "coordination", "durability", "innovation")


def window(scheme: str, code: str) -> Window:
    return db.session.scalars(sa.select(Window).join(Scheme).where(
        Scheme.code == scheme, Window.code == code)).one()


def line_of(win: Window, code: str | None = None) -> BudgetLine:
    return db.session.scalars(sa.select(BudgetLine).where(
        BudgetLine.code == (code or win.code))).one()


@pytest.fixture
def staff(schemes):
    return UserFactory(role=Role.FINANCE, name="Fien"), UserFactory(role=Role.ASSESSOR)


def application(win: Window, state=S.ASSESSED, *, requested: int = 100_000_00,
                submitted_at=None, complete_at=None, **kwargs):
    return ApplicationFactory(window=win, state=state, requested_cents=requested,
                              submitted_at=submitted_at or win.opens_at + timedelta(days=1),
                              complete_at=complete_at, **kwargs)


def assess(app, assessor, *recommendations, scores=None) -> None:
    for recommendation in recommendations:
        db.session.add(Assessment(application_id=app.id, assessor_id=assessor.id,
                                  recommendation=Recommendation(recommendation),
                                  scores=scores or {}, at=app.submitted_at))
    db.session.flush()


def book(line, kind, cents, app, clock):
    ledger.post(line, kind, cents, actor=None, now=clock(), cause="test", application=app)


def a_run(win: Window, status: RunStatus, user, now) -> AllocationRun:
    run = AllocationRun(scheme_id=win.scheme_id, window_id=win.id, method="ranked",
                        lottery_seed="s", available={}, inputs=[], created_at=now,
                        created_by_id=user.id, status=status, cancel_reason="")
    db.session.add(run)
    db.session.flush()
    return run


def refused(call, *args, **kwargs) -> tuple[str, dict]:
    with pytest.raises(ValidationFailed) as error:
        call(*args, **kwargs)
    return error.value.message, error.value.fields


# --- Sector plans: who takes part, and the room ------------------------------------------------

def test_positively_assessed_plans_take_part_with_the_room_left_of_the_ceiling(staff, clock):
    # A what-if ceiling of € 1.000.000,00. € 3.000,00 is committed to an approved plan and
    # € 47.000,00 reserved: € 40.000,00 for the first candidate (its own: it becomes its
    # commitment, so it counts as room) and € 7.000,00 for a plan still submitted. Room:
    # 1.000.000 − 3.000 − 47.000 + 40.000 = € 990.000,00.
    finance, assessor = staff
    t2 = window("sectorplan", "T2")
    # Complete at 22:30 UTC on 3 April: 00:30 on 4 April in Amsterdam (summer time).
    first = application(t2, complete_at=datetime(2014, 4, 3, 22, 30, tzinfo=UTC))
    assess(first, assessor, "positive")
    mixed = application(t2, complete_at=datetime(2014, 4, 3, 9, tzinfo=UTC))
    assess(mixed, assessor, "positive", "negative")  # a negative advice: an approver decides
    # Never flagged complete later: complete on receipt, 5 April 09:00 UTC.
    later = application(t2, submitted_at=datetime(2014, 4, 5, 9, tzinfo=UTC))
    assess(later, assessor, "positive")
    waiting = application(t2, S.SUBMITTED)
    assess(waiting, assessor, "positive")
    approved = application(t2, S.APPROVED)
    elsewhere = application(window("rif", "2014"))
    assess(elsewhere, assessor, "positive")
    line = line_of(t2)
    book(line, EntryKind.RESERVE, 40_000_00, first, clock)
    book(line, EntryKind.RESERVE, 7_000_00, waiting, clock)
    book(line, EntryKind.COMMIT, 3_000_00, approved, clock)

    outcome = run_allocation("sectorplan", "T2", finance, datetime(2014, 6, 2, tzinfo=UTC),
                             ceiling="1000000.00", seed="z")
    assert outcome.run is None and outcome.dry_run  # a preview unless told otherwise
    assert (outcome.window, outcome.method, outcome.seed) == (
        t2, "first_come_first_served", "z")
    assert outcome.available == {"T2": 990_000_00}
    assert outcome.candidates == [
        methods.Candidate(first.id, first.reference, requested=100_000_00,
                          complete_at=datetime(2014, 4, 3, 22, 30, tzinfo=UTC),
                          complete_on=date(2014, 4, 4)),
        methods.Candidate(later.id, later.reference, requested=100_000_00,
                          complete_at=datetime(2014, 4, 5, 9, tzinfo=UTC),
                          complete_on=date(2014, 4, 5)),
    ]
    assert [(r.application_id, r.outcome, r.amount) for r in outcome.allocation.results] == [
        (first.id, "approved", 100_000_00), (later.id, "approved", 100_000_00)]


def test_a_what_if_ceiling_is_an_amount_not_below_what_is_committed(staff, clock):
    # € 3.000,00 is committed on T2: € 3.000,00 leaves room 0 (allowed, every plan refused);
    # € 2.999,99 and € 0,00 are below it.
    finance, assessor = staff
    t2 = window("sectorplan", "T2")
    plan = application(t2, complete_at=datetime(2014, 4, 3, 9, tzinfo=UTC))
    assess(plan, assessor, "positive")
    book(line_of(t2), EntryKind.COMMIT, 3_000_00, application(t2, S.APPROVED), clock)
    assert refused(compute, t2, seed="s", ceiling="drie") == ("Ongeldig plafond.", {
        "ceiling": ["Een bedrag in euro's als \"24000000.00\"."]})
    assert refused(compute, t2, seed="s", ceiling="-0.01") == ("Ongeldig plafond.", {
        "ceiling": ["Niet negatief."]})
    below = ("Het plafond is lager dan wat al verplicht is.", {
        "ceiling": [f"Er is al €{NBSP}3.000,00 verplicht."]})
    assert refused(compute, t2, seed="s", ceiling="2999.99") == below
    assert refused(compute, t2, seed="s", ceiling="0.00") == below
    outcome = compute(t2, seed="s", ceiling="3000.00")
    assert outcome.available == {"T2": 0}
    assert [(r.outcome, r.reason) for r in outcome.allocation.results] == [
        ("rejected", methods.CEILING_REACHED)]
    # A prepared run records each plan as the method saw it: when it became complete.
    run = run_allocation("sectorplan", "T2", finance, datetime(2014, 6, 2, tzinfo=UTC),
                         dry_run=False, seed="s").run
    assert run.inputs == [{
        "application": plan.id, "reference": plan.reference, "requested_cents": 100_000_00,
        "complete_at": "2014-04-03T09:00:00+00:00", "fractions": {}, "late": False,
        "score_total": None, "score_average": None}]


def test_only_a_plans_reservation_on_the_divided_line_counts_as_room(staff, clock):
    # A T2 plan holds € 40.000,00 on T2's line and € 10.000,00 on T1's. Only the first turns
    # into its commitment here: with a what-if ceiling of € 100.000,00 the room is
    # 100.000 − 40.000 + 40.000 = € 100.000,00; the T1 reservation stays reserved there.
    finance, assessor = staff
    t2 = window("sectorplan", "T2")
    plan = application(t2, complete_at=datetime(2014, 4, 3, 9, tzinfo=UTC))
    assess(plan, assessor, "positive")
    book(line_of(t2), EntryKind.RESERVE, 40_000_00, plan, clock)
    book(line_of(window("sectorplan", "T1")), EntryKind.RESERVE, 10_000_00, plan, clock)
    assert compute(t2, seed="s", ceiling="100000.00").available == {"T2": 100_000_00}


def test_a_run_lists_its_candidates_by_application_number(staff):
    # Two RIF applications stored with the higher number first: the run lists (and records)
    # them by number all the same, whatever order the database keeps its rows in.
    _, assessor = staff
    rif = window("rif", "2014")
    base = db.session.scalar(sa.select(sa.func.max(ApplicationFactory._meta.model.id))) or 0
    later = scored_rif(assessor, rif, id=base + 1002)
    earlier = scored_rif(assessor, rif, id=base + 1001)
    assert [c.application_id for c in compute(rif, seed="s").candidates] == [
        earlier.id, later.id]


def test_a_prepared_run_records_the_draw_at_the_edge_and_why_a_plan_is_refused(staff, clock):
    # All but € 250.000,00 of T2's ceiling is committed. One plan of € 100.000,00 complete on
    # 3 April comes first (rank 1, no draw); two of € 100.000,00 each complete on 4 April
    # together ask € 200.000,00 of the € 150.000,00 left, so the seed draws their order: the
    # one drawn first is granted, the second is refused because the ceiling is reached. The
    # run records the draw and, per plan, its place in it and the reason for a refusal.
    finance, assessor = staff
    t2 = window("sectorplan", "T2")
    line = line_of(t2)
    book(line, EntryKind.COMMIT, line.ceiling_cents - 250_000_00, application(t2, S.APPROVED),
         clock)
    first = application(t2, complete_at=datetime(2014, 4, 3, 9, tzinfo=UTC))
    same_day = [application(t2, complete_at=datetime(2014, 4, 4, hour, tzinfo=UTC))
                for hour in (8, 9)]
    for plan in (first, *same_day):
        assess(plan, assessor, "positive")
    run = run_allocation("sectorplan", "T2", finance, datetime(2014, 6, 2, tzinfo=UTC),
                         dry_run=False, seed="s").run
    assert sorted(run.lottery) == sorted(plan.reference for plan in same_day)
    drawn = {plan.reference: plan.id for plan in same_day}
    assert [(row.application_id, row.rank, row.outcome, row.amount_cents, row.reason,
             row.lottery_position) for row in run.results] == [
        (first.id, 1, "approved", 100_000_00, "", None),
        (drawn[run.lottery[0]], 2, "approved", 100_000_00, "", 1),
        (drawn[run.lottery[1]], 3, "rejected", 0, methods.CEILING_REACHED, 2)]


def test_a_sector_plan_draw_at_the_edge_follows_the_runs_seed(staff):
    # Eight plans of € 100.000,00 complete on the same day share a what-if ceiling of
    # € 750.000,00: the seed orders them (1 in 40.320 orders), seven are granted. The draw is
    # the one the seed makes, so the run can be recomputed from its inputs and seed.
    _, assessor = staff
    t2 = window("sectorplan", "T2")
    for hour in range(8, 16):
        plan = application(t2, complete_at=datetime(2014, 4, 4, hour, tzinfo=UTC))
        assess(plan, assessor, "positive")
    outcome = compute(t2, seed="zaad", ceiling="750000.00")
    again = methods.first_come_first_served(outcome.candidates, 750_000_00, "zaad")
    assert len(outcome.allocation.lottery) == 8
    assert outcome.allocation.lottery == again.lottery
    assert [r.outcome for r in outcome.allocation.results] == ["approved"] * 7 + ["rejected"]


# --- RIF: scores and the sufficient average ----------------------------------------------------

def test_the_rif_total_is_the_members_average_and_the_rule_book_sets_sufficient(staff, clock):
    # Two members: all 8 (sum 32) and all 7 (sum 28): total (32 + 28) ÷ 2 = 30, average per
    # criterion 60 ÷ 8 = 7,5. With the rule book's sufficient average raised to 7,6 it is
    # insufficient; at the default 6 it is granted.
    _, assessor = staff
    rif = window("rif", "2014")
    app = application(rif)
    assess(app, assessor, "positive", scores=dict.fromkeys(CRITERIA, 8))
    assess(app, assessor, "positive", scores=dict.fromkeys(CRITERIA, 7))
    outcome = compute(rif, seed="s")
    assert outcome.method == "ranked"
    assert outcome.candidates == [methods.Candidate(
        app.id, app.reference, requested=100_000_00, score_total=Fraction(30),
        score_average=Fraction(15, 2))]
    assert [r.outcome for r in outcome.allocation.results] == ["approved"]
    rif.scheme.rules = {**rif.scheme.rules, "sufficient_average": "7.6"}
    db.session.flush()
    assert [r.outcome for r in compute(rif, seed="s").allocation.results] == ["rejected"]


def test_an_assessed_rif_application_without_scores_totals_nought_and_is_insufficient(staff):
    # One assessed application has no score sheet at all, another a sheet without scores: each
    # has a total of 0 and no average per criterion, so neither is sufficient; both are
    # refused on their scores and the € 24.000.000,00 stays unspent.
    _, assessor = staff
    rif = window("rif", "2014")
    unsheeted = application(rif, reference="RIF-2014-00001")
    empty = application(rif, reference="RIF-2014-00002")
    assess(empty, assessor, "positive")
    outcome = compute(rif, seed="s")
    assert outcome.candidates == [
        methods.Candidate(unsheeted.id, unsheeted.reference, requested=100_000_00,
                          score_total=Fraction(0), score_average=None),
        methods.Candidate(empty.id, empty.reference, requested=100_000_00,
                          score_total=Fraction(0), score_average=None)]
    assert [(r.application_id, r.outcome, r.amount) for r in outcome.allocation.results] == [
        (unsheeted.id, "rejected", 0), (empty.id, "rejected", 0)]


def test_without_a_sufficient_average_in_the_scheme_the_rule_books_six_applies(staff):
    # Rules without a sufficient average: the default 6 applies. Averages 6 (all sixes) and
    # 5,75 (23 ÷ 4 from one member): the first is sufficient and granted, the second refused.
    _, assessor = staff
    rif = window("rif", "2014")
    six = application(rif, reference="RIF-2014-00001")
    assess(six, assessor, "positive", scores=dict.fromkeys(CRITERIA, 6))
    short = application(rif, reference="RIF-2014-00002")
    assess(short, assessor, "positive", scores={**dict.fromkeys(CRITERIA, 6), "fit": 5})
    rif.scheme.rules = {k: v for k, v in rif.scheme.rules.items() if k != "sufficient_average"}
    db.session.flush()
    assert [(r.application_id, r.outcome) for r in compute(rif, seed="s").allocation.results] \
        == [(six.id, "approved"), (short.id, "rejected")]


def test_a_rif_draw_at_the_edge_follows_the_runs_seed(staff, clock):
    # Eight applications of € 100.000,00 with the same total score share the last € 750.000,00:
    # the seed orders them (1 in 40.320 orders), seven are granted. The run's draw is the one
    # its seed makes, so anyone can recompute it from the recorded inputs and seed.
    _, assessor = staff
    rif = window("rif", "2014")
    line = line_of(rif)
    book(line, EntryKind.COMMIT, line.ceiling_cents - 750_000_00, application(rif, S.APPROVED),
         clock)
    for _ in range(8):
        assess(application(rif), assessor, "positive", scores=dict.fromkeys(CRITERIA, 7))
    outcome = compute(rif, seed="zaad")
    again = methods.ranked(outcome.candidates, 750_000_00, Fraction(6), "zaad")
    assert len(outcome.allocation.lottery) == 8
    assert outcome.allocation.lottery == again.lottery
    assert [r.outcome for r in outcome.allocation.results] == ["approved"] * 7 + ["rejected"]


# --- Praktijkleren: categories, the rate cap, late applications ---------------------------------

def places(*weeks: int) -> dict:
    return {"places": [
        {"student_name": f"Student {n}", "category": "mbo", "programme_code": "25180",
         "school": "ROC", "starts_on": "2013-09-01", "ends_on": "2014-06-30", "weeks": w}
        for n, w in enumerate(weeks)]}


def test_praktijkleren_what_if_ceilings_per_category_and_the_rate_cap(staff, clock):
    # Two validated applications: 40 + 20 weeks = 1,5 places and 40 weeks = 1 place: 2,5 mbo
    # places. The first came in at the closing moment itself (on time), the third a second
    # later (late: ineligible, it does not dilute the rate). € 1.000,00 is reserved on mbo.
    # What-if mbo ceiling € 4.000,00: available 4.000 − 1.000 = € 3.000,00, rate 300000 ÷ 2,5
    # = 120000 cents (€ 1.200,00, under the cap of € 2.700,00).
    pl = window("praktijkleren", "2013-2014")
    on_time = application(pl, S.VALIDATED, submitted_at=pl.closes_at, details=places(40, 20))
    second = application(pl, S.VALIDATED, details=places(40))
    late = application(pl, S.VALIDATED, submitted_at=pl.closes_at + timedelta(seconds=1),
                       details=places(40))
    mbo = line_of(pl, "2013-2014-mbo")
    book(mbo, EntryKind.RESERVE, 1_000_00, second, clock)

    outcome = compute(pl, seed="s", categories=[{"code": "mbo", "ceiling": "4000.00"}])
    assert outcome.method == "pro_rata"
    assert [(c.application_id, c.fractions, c.late) for c in outcome.candidates] == [
        (on_time.id, {"mbo": Fraction(3, 2)}, False), (second.id, {"mbo": Fraction(1)}, False),
        (late.id, {"mbo": Fraction(1)}, True)]
    assert outcome.available["mbo"] == 3_000_00
    assert outcome.allocation.rates["mbo"] == 120_000
    assert {r.application_id: (r.outcome, r.amount) for r in outcome.allocation.results} == {
        on_time.id: ("settled", 180_000), second.id: ("settled", 120_000),
        late.id: ("ineligible", 0)}
    # Exactly what is reserved: available 0 (allowed); a cent less is below it.
    assert compute(pl, seed="s", categories=[{"code": "mbo", "ceiling": "1000.00"}]) \
        .available["mbo"] == 0
    assert refused(compute, pl, seed="s", categories=[{"code": "mbo", "ceiling": "999.99"}]) == (
        "Het plafond is lager dan wat al verplicht is.", {
            "categories": ["Kies een plafond van minstens het verplichte bedrag."]})
    assert refused(compute, pl, seed="s", categories=[
        {"code": "mbo", "ceiling": "1.00"}, "hbo"]) == ("Onbekende categorie.", {
            "categories[1].code": ["vmbo, mbo, hbo of promovendus."]})
    assert refused(compute, pl, seed="s", categories=[{"code": "mbo", "ceiling": "veel"}]) == (
        "Ongeldig plafond.", {"categories[0].ceiling": ["Een bedrag in euro's als "
                                                        "\"24000000.00\"."]})
    # The rule book's cap: at € 1.000,00 a place the € 3.000,00 is not used up.
    pl.scheme.rules = {**pl.scheme.rules, "rate_cap_cents": 100_000}
    db.session.flush()
    capped = compute(pl, seed="s", categories=[{"code": "mbo", "ceiling": "4000.00"}])
    assert capped.allocation.rates["mbo"] == 100_000
    # Prepared (with the real ceilings, far above 2,5 places at the cap): the exact rates and
    # each application's places as the method saw them.
    run = run_allocation("praktijkleren", "2013-2014", UserFactory(role=Role.FINANCE),
                         pl.closes_at + timedelta(days=1), dry_run=False, seed="s").run
    assert run.rates == {"vmbo": "100000/1", "mbo": "100000/1", "hbo": "100000/1",
                         "promovendus": "100000/1"}
    assert [(i["application"], i["fractions"], i["late"]) for i in run.inputs] == [
        (on_time.id, {"mbo": "3/2"}, False), (second.id, {"mbo": "1"}, False),
        (late.id, {"mbo": "1"}, True)]


def test_praktijkleren_counts_places_by_the_rules_the_application_was_submitted_under(staff):
    # Submitted while an mbo place was 20 weeks: its 10 weeks count as 10 ÷ 20 = ½ place,
    # though the scheme now counts 80 weeks a place (⅛) and the rule book's default is 40 (¼).
    # It asked € 1.350,00 (½ × the full rate of € 2.700,00), which the run carries along.
    pl = window("praktijkleren", "2013-2014")
    app = application(pl, S.VALIDATED, requested=1_350_00, details=places(10))
    pl.scheme.rules = {**pl.scheme.rules, "weeks_per_place": {"mbo": 20}}
    freeze(app, workflow_for("praktijkleren").fields.DEFAULT_RULES, pl.opens_at)
    pl.scheme.rules = {**pl.scheme.rules, "weeks_per_place": {"mbo": 80}}
    db.session.flush()
    (candidate,) = compute(pl, seed="s").candidates
    assert (candidate.fractions, candidate.requested) == ({"mbo": Fraction(1, 2)}, 1_350_00)


def test_praktijkleren_room_per_category_is_its_ceiling_less_committed_and_reserved(staff,
                                                                                   clock):
    # On hbo € 500,00 is committed and € 200,00 reserved: a what-if hbo ceiling of € 2.000,00
    # leaves 2.000 − 500 − 200 = € 1.300,00; € 700,00 leaves 0 (allowed), € 699,99 is below it.
    finance, _ = staff
    pl = window("praktijkleren", "2013-2014")
    hbo = line_of(pl, "2013-2014-hbo")
    book(hbo, EntryKind.COMMIT, 500_00, application(pl, S.SETTLED), clock)
    book(hbo, EntryKind.RESERVE, 200_00, application(pl, S.SUBMITTED), clock)

    def hbo_room(ceiling):  # a preview with a what-if ceiling for hbo
        return run_allocation("praktijkleren", "2013-2014", finance, clock(), categories=[
            {"code": "hbo", "ceiling": ceiling}]).available["hbo"]

    assert (hbo_room("2000.00"), hbo_room("700.00")) == (1_300_00, 0)
    assert refused(compute, pl, seed="s", categories=[{"code": "hbo", "ceiling": "699.99"}])[
        0] == "Het plafond is lager dan wat al verplicht is."


def test_without_a_rate_cap_in_the_scheme_the_rule_books_default_caps_the_rate(staff):
    # Rules without a rate cap: the default of € 2.700,00 a place applies. One mbo place of
    # 40 weeks and a ceiling of millions: the rate is the cap, 270000 cents.
    pl = window("praktijkleren", "2013-2014")
    application(pl, S.VALIDATED, details=places(40))
    pl.scheme.rules = {k: v for k, v in pl.scheme.rules.items() if k != "rate_cap_cents"}
    db.session.flush()
    assert compute(pl, seed="s").allocation.rates["mbo"] == 270_000


# --- Preparing a run ---------------------------------------------------------------------------

def scored_rif(assessor, rif, requested=200_000_00, **kwargs):
    app = application(rif, requested=requested, **kwargs)
    assess(app, assessor, "positive", scores=dict.fromkeys(CRITERIA, 8))
    assess(app, assessor, "positive", scores=dict.fromkeys(CRITERIA, 6))
    return app


def test_a_prepared_run_records_what_it_divided_and_waits(staff, clock):
    # RIF 2014 closes on 7 June 2014 at 23:59:59 Amsterdam time; one application of
    # € 200.000,00, total (32 + 24) ÷ 2 = 28, average 56 ÷ 8 = 7, granted from the ceiling
    # of € 24.000.000,00.
    finance, assessor = staff
    rif = window("rif", "2014")
    app = scored_rif(assessor, rif)
    closing = rif.closes_at
    # Other windows' runs, one waiting and one taken effect, do not hold this one back.
    a_run(window("sectorplan", "T2"), RunStatus.PREPARED, finance, closing)
    a_run(window("rif", "2015-1"), RunStatus.COMMITTED, finance, closing)
    assert refused(run_allocation, "rif", "2014", finance, closing, dry_run=False) == (
        "Het tijdvak is nog open.", {"window": ["Verdelen kan na de sluiting op 7 juni 2014."]})
    other = ("Een ander plafond kan alleen in een proefberekening.", {"dry_run": [
        "Wijzig eerst het plafond zelf als u met een ander plafond wilt verdelen."]})
    after = closing + timedelta(seconds=1)
    assert refused(run_allocation, "rif", "2014", finance, after, dry_run=False,
                   ceiling="1.00") == other
    assert refused(run_allocation, "rif", "2014", finance, after, dry_run=False,
                   categories=[{"code": "mbo"}]) == other
    with pytest.raises(Forbidden):
        run_allocation("rif", "2014", assessor, after)
    # A preview may be made while the window is open.
    assert run_allocation("rif", "2014", finance, closing).available == {"2014": 24_000_000_00}
    # Meanwhile another transaction commits € 1.000.000,00 on the line (a decision by hand):
    # preparing takes the line's lock and sees it, € 23.000.000,00 is left.
    db.session.execute(sa.update(BudgetLine).where(BudgetLine.id == line_of(rif).id).values(
        committed_cents=BudgetLine.committed_cents + 1_000_000_00)
        .execution_options(synchronize_session=False))

    prepared = run_allocation("rif", "2014", finance, after, dry_run=False, seed="zaad")
    run = prepared.run
    assert (prepared.window, prepared.method, prepared.seed) == (rif, "ranked", "zaad")
    assert prepared.available == {"2014": 23_000_000_00} and not prepared.dry_run
    assert [c.application_id for c in prepared.candidates] == [app.id]
    assert prepared.allocation.results[0].outcome == "approved"
    assert (run.scheme_id, run.window_id, run.method, run.lottery_seed, run.available) == (
        rif.scheme_id, rif.id, "ranked", "zaad", {"2014": 23_000_000_00})
    assert run.inputs == [{
        "application": app.id, "reference": app.reference, "requested_cents": 200_000_00,
        "complete_at": None, "fractions": {}, "late": False, "score_total": "28",
        "score_average": "7"}]
    assert (run.rates, run.lottery, run.created_at, run.created_by_id, run.status,
            run.cancel_reason) == ({}, [], after, finance.id, RunStatus.PREPARED, "")
    (row,) = run.results
    assert (row.application_id, row.rank, row.outcome, row.amount_cents, row.amounts,
            row.reason, row.lottery_position) == (app.id, 1, "approved", 200_000_00, {}, "",
                                                  None)
    assert app.state == S.ASSESSED  # nothing decided yet

    # One prepared run at a time; a cancelled one no longer counts; a run that took effect
    # divided the RIF period once and for all.
    with pytest.raises(Conflict) as waiting:
        run_allocation("rif", "2014", finance, after, dry_run=False)
    assert waiting.value.message == (
        f"Verdeling {run.id} van Aanvraagtijdvak 2014 wacht op goedkeuring; keur die eerst "
        f"goed of annuleer haar.")
    run.status = RunStatus.CANCELLED
    db.session.flush()
    again = run_allocation("rif", "2014", finance, after, dry_run=False).run
    # Without a seed the run draws one: 8 random bytes, 16 hexadecimal digits.
    assert len(again.lottery_seed) == 16 and int(again.lottery_seed, 16) >= 0
    again.status = RunStatus.COMMITTED
    db.session.flush()
    with pytest.raises(Conflict) as divided:
        run_allocation("rif", "2014", finance, after, dry_run=False)
    assert divided.value.message == (
        f"Aanvraagtijdvak 2014 is al verdeeld (verdeling {again.id}); een tijdvak van deze "
        f"regeling wordt één keer definitief verdeeld.")


def test_a_window_without_applications_has_nothing_to_divide(staff):
    finance, _ = staff
    after = window("rif", "2015-2").closes_at + timedelta(seconds=1)
    with pytest.raises(NotFound) as nothing:
        run_allocation("rif", "2015-2", finance, after, dry_run=False)
    assert nothing.value.message == "Er zijn geen aanvragen om te verdelen in dit tijdvak."


def test_a_final_run_waits_until_every_application_is_assessed_or_decided(staff):
    # 21 open applications in RIF 2014 (submitted, incomplete, in assessment): the first 20
    # by reference are listed, then "…". Assessed and decided ones, and another period's,
    # are not open.
    rif = window("rif", "2014")
    states = (S.SUBMITTED, S.INCOMPLETE, S.IN_ASSESSMENT)
    for n in reversed(range(21)):  # stored last to first: listed by reference all the same
        application(rif, states[n % 3], reference=f"RIF-2014-{n + 1:05d}")
    for n, state in enumerate((S.ASSESSED, S.REJECTED, S.UNPROCESSED, S.WITHDRAWN)):
        application(rif, state, reference=f"RIF-2014-{n + 50:05d}")
    application(window("rif", "2015-1"), S.SUBMITTED, reference="RIF-2015-1-00001")
    listed = ", ".join(f"RIF-2014-{n:05d}" for n in range(1, 21))
    intro = ("De verdeling komt pas als elke aanvraag van Aanvraagtijdvak 2014 is beoordeeld of "
             "er is over beslist (afgewezen, buiten behandeling of ingetrokken). Nog open ")
    assert refused(all_decided, rif) == ("Nog niet alle aanvragen zijn beoordeeld.", {
        "window": [f"{intro}(21): {listed} …."]})
    # Twenty open: all listed, no "…".
    last = db.session.scalars(sa.select(ApplicationFactory._meta.model).where(
        ApplicationFactory._meta.model.reference == "RIF-2014-00021")).one()
    last.state = S.ASSESSED
    db.session.flush()
    assert refused(all_decided, rif)[1] == {"window": [f"{intro}(20): {listed}."]}


# --- RIF: what period 1 leaves unused moves to period 2 ----------------------------------------

def test_period_ones_unused_room_moves_less_what_objections_may_restore(staff, clock):
    # RIF 2015 period 1: € 12.000.000,00, nothing granted. Refused: € 300.000,00 whose objection
    # term ends today (still open), € 200.000,00 whose term ended yesterday, € 100.000,00 with
    # no term set, € 150.000,00 whose term ended but whose objection is still pending. An
    # approval's term holds nothing back. 22:30 UTC on 1 April is 2 April in Amsterdam: today
    # is 2 April 2015. Held 300.000 + 150.000 = € 450.000,00; € 11.550.000,00 moves: period 1
    # keeps € 450.000,00, period 2 gets € 11.650.000,00 + € 11.550.000,00 = € 23.200.000,00.
    finance, _ = staff
    first, second = window("rif", "2015-1"), window("rif", "2015-2")
    application(first, S.REJECTED, requested=300_000_00, objection_due_on=date(2015, 4, 2))
    application(first, S.REJECTED, requested=200_000_00, objection_due_on=date(2015, 4, 1))
    application(first, S.REJECTED, requested=100_000_00)
    objected = application(first, S.REJECTED, requested=150_000_00,
                           objection_due_on=date(2015, 3, 1))
    application(first, S.APPROVED, requested=400_000_00, objection_due_on=date(2015, 5, 1))
    refusal = AuditEvent(application_id=objected.id, trigger="reject",
                         from_state=S.IN_ASSESSMENT, to_state=S.REJECTED, actor_id=finance.id,
                         at=datetime(2015, 1, 18, tzinfo=UTC), reason="Onvoldoende.", data={})
    db.session.add(refusal)
    db.session.flush()
    db.session.add(Objection(application_id=objected.id, against_event_id=refusal.id,
                             lodged_at=datetime(2015, 2, 1, tzinfo=UTC), lodged_by_id=finance.id,
                             reason="Ten onrechte.", decision_due_on=date(2015, 3, 15)))
    application(second, S.REJECTED, requested=50_000_00, objection_due_on=date(2015, 9, 1))
    # Another scheme's window that happens to be coded "2015-2" is not RIF's period 2.
    db.session.add(Window(scheme_id=window("sectorplan", "T2").scheme_id, code="2015-2",
                          name="Sectorplannen 2015-2", opens_at=second.opens_at,
                          closes_at=second.closes_at))
    now = datetime(2015, 4, 1, 22, 30, tzinfo=UTC)
    a_run(window("rif", "2014"), RunStatus.COMMITTED, finance, now)  # another period's run
    # A run still waiting for approval, or cancelled, has not divided period 1.
    a_run(first, RunStatus.PREPARED, finance, now)
    a_run(first, RunStatus.CANCELLED, finance, now)
    with pytest.raises(ValidationFailed) as nothing:
        roll_over_again("rif", "2015-1", finance, now)  # not divided yet
    assert nothing.value.fields == {"window": [
        "Alleen een verdeeld eerste tijdvak van het regionaal investeringsfonds heeft een "
        "onbenut deel dat naar het tweede tijdvak gaat."]}
    assert nothing.value.message == "Niets over te hevelen."
    a_run(first, RunStatus.COMMITTED, finance, now)

    assert roll_over_again("rif", "2015-1", finance, now) == 11_550_000_00
    assert line_of(first).ceiling_cents == 450_000_00
    assert line_of(second).ceiling_cents == 23_200_000_00
    reason = (f"Overheveling van het onbenutte deel (€{NBSP}11.550.000,00) van 2015, eerste "
              f"periode naar 2015, tweede periode na de verdeling. €{NBSP}450.000,00 blijft "
              f"staan voor wat bezwaren tegen afwijzingen nog kunnen toekennen.")
    for line, old, new in ((line_of(first), 12_000_000_00, 450_000_00),
                           (line_of(second), 11_650_000_00, 23_200_000_00)):
        amendment = db.session.scalars(sa.select(CeilingAmendment).where(
            CeilingAmendment.line_id == line.id).order_by(CeilingAmendment.id)).all()[-1]
        assert (amendment.old_ceiling_cents, amendment.new_ceiling_cents, amendment.reason,
                amendment.effective_on, amendment.recorded_by_id) == (
            old, new, reason, date(2015, 4, 2), finance.id)

    # Nothing left but what is held: nothing moves, and no amendment is recorded.
    amendments = db.session.scalar(sa.select(sa.func.count(CeilingAmendment.id)))
    assert roll_over_again("rif", "2015-1", finance, now) == 0
    assert db.session.scalar(sa.select(sa.func.count(CeilingAmendment.id))) == amendments
    # Period 2 moves nothing (there is no period 3); sector plans have no periods.
    roll_over(second, finance, now)
    assert line_of(second).ceiling_cents == 23_200_000_00
    assert refused(roll_over_again, "sectorplan", "T2", finance, now)[0] == \
        "Niets over te hevelen."
    with pytest.raises(Forbidden):
        roll_over_again("rif", "2015-1", UserFactory(role=Role.APPROVER), now)


def test_without_refusals_everything_unused_moves_and_the_reason_says_only_that(staff, clock):
    # RIF 2016 period 1: € 12.000.000,00, nothing granted, nothing refused: all of it moves.
    finance, _ = staff
    first = window("rif", "2016-1")
    roll_over(first, finance, datetime(2016, 4, 1, 9, tzinfo=UTC))
    assert line_of(first).ceiling_cents == 0
    assert line_of(window("rif", "2016-2")).ceiling_cents == 11_650_000_00 + 12_000_000_00
    amendment = db.session.scalars(sa.select(CeilingAmendment).where(
        CeilingAmendment.line_id == line_of(first).id).order_by(CeilingAmendment.id)).all()[-1]
    assert amendment.reason == (
        f"Overheveling van het onbenutte deel (€{NBSP}12.000.000,00) van 2016, eerste periode "
        f"naar 2016, tweede periode na de verdeling.")


def test_a_single_unused_cent_moves(staff):
    # RIF 2017 period 1: € 19.300.000,00; a refusal of € 19.299.999,99 may still be objected
    # to (term ends 1 May 2017): one cent is unused, and it moves to period 2 (€ 9.400.000,00).
    finance, _ = staff
    first = window("rif", "2017-1")
    application(first, S.REJECTED, requested=19_299_999_99, objection_due_on=date(2017, 5, 1))
    roll_over(first, finance, datetime(2017, 4, 1, 9, tzinfo=UTC))
    assert line_of(first).ceiling_cents == 19_299_999_99
    assert line_of(window("rif", "2017-2")).ceiling_cents == 9_400_000_01
