"""The guards and effects every scheme shares (grants/workflows/common.py), rule by rule, with
hand-computed dates and amounts (issue 19; bench/mutation.py --module grants/workflows/common.py).

Rules (shared/domain.md §4–§6, api.md):
- §4 Application: the receipt time (4:3a) decides whether it lies in the window, its closing
  second included; receipt freezes the rules and starts the decision term (4:13), from the receipt
  or from the window's close as the rules say, moved off weekends and holidays (Algemene
  termijnenwet).
- §4 Incomplete (4:5, 4:15): a repair term after today (14 days unless given); the clock stands
  still from the day after the request up to the day the information arrives, only while the
  term runs ("asked on 2 June, supplied on 9 June: 6 days"); not repaired in time → unprocessed.
- §4 Grant (4:30) at most what was asked, less only with a reason for the letter (3:46, 3:47);
  settlement (4:46) at most the grant; advances netted (4:52), what was paid above the final
  amount recovered (4:57); a decision starts the 6-week objection term (6:7; "decision sent Fri
  14 Nov 2014 → objection on time until Mon 29 Dec 2014").
- §4/§5 Four eyes: whoever assessed an application does not decide on it.
- §5 The canonical triggers, their states and who fires them.
- §6 Every cent moved is a ledger entry with who, when and why; paid ≤ committed.
- api.md: money in as decimal strings in euros, "2700.00"; a refusal names the field.

Mutants that cannot change behaviour (read by bench/mutation.py). latest_decision and
asked_during_assessment order their rows newest first and take the first with ``.first()``,
which reads one row whatever the LIMIT: a LIMIT of 2 or none returns the same row.

equivalent: grants.workflows.common.x_latest_decision__mutmut_2 — limit(None): .first() reads one
equivalent: grants.workflows.common.x_latest_decision__mutmut_11 — limit(2): .first() reads one
equivalent: grants.workflows.common.x_asked_during_assessment__mutmut_3 — limit(None): see above
equivalent: grants.workflows.common.x_asked_during_assessment__mutmut_14 — limit(2): see above
"""

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from grants.budget import ledger
from grants.errors import Forbidden, ValidationFailed
from grants.extensions import db
from grants.models import (
    ApplicationState,
    Assessment,
    AuditEvent,
    Bucket,
    EntryKind,
    LedgerEntry,
    Objection,
    ObjectionOutcome,
    Recommendation,
    Role,
    StatutoryDayOff,
)
from grants.timefmt import AMSTERDAM
from grants.workflows import common
from grants.workflows.engine import Firing
from grants.workflows.fields import sectorplan
from tests.factories import ApplicationFactory, UserFactory

S = ApplicationState
K = EntryKind


def ams(*args) -> datetime:
    return datetime(*args, tzinfo=AMSTERDAM)


def firing(application=None, *, data=None, now=None, rules=None, params=None, fields=None,
           actor=None, trigger="test", state="") -> Firing:
    rules = rules or {"rules": dict(params or {}), "window": {"code": "T2"}}
    return Firing(application=application if application is not None else SimpleNamespace(),
                  trigger_name=trigger, actor=actor, data=dict(data or {}),
                  now=now or ams(2014, 6, 2, 10), rules=rules, fields=fields, state=state)


def refusal(action) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        action()
    return caught.value


# -- amounts in euros (api.md: "2700.00") ------------------------------------------------------

@pytest.mark.no_db
def test_an_amount_is_read_in_euros_from_the_field_asked_for():
    assert common.amount_from(firing(data={"amount": "2700.00"})) == 2700_00
    assert common.amount_from(firing(data={"amount": "0.01"})) == 1
    assert common.amount_from(firing(data={"advance": "12.5", "amount": "1"}), "advance") == 12_50
    # Nothing given is no amount, not an error.
    assert common.amount_from(firing(data={})) is None
    assert common.amount_from(firing(data={"amount": None})) is None
    assert common.amount_from(firing(data={"amount": ""})) is None


@pytest.mark.no_db
def test_an_amount_not_in_euros_and_cents_is_refused_naming_its_field():
    for wrong in ("2700,00", "2700.001", "twee"):
        error = refusal(lambda wrong=wrong: common.amount_from(firing(data={"advance": wrong}),
                                                               "advance"))
        assert error.message == "Ongeldig bedrag."
        assert error.fields == {"advance": [
            "Geef een bedrag in euro's met hoogstens twee decimalen, als \"2700.00\"."]}


# -- the window: receipt time, to the second (Awb 4:3a) ----------------------------------------

@pytest.mark.no_db
def test_the_window_is_open_from_its_first_second_to_its_last_included():
    window = SimpleNamespace(opens_at=ams(2014, 4, 1), closes_at=ams(2014, 5, 31, 23, 59, 59))
    application = SimpleNamespace(window=window)
    assert common.window_open(application, ams(2014, 4, 1))
    assert common.window_open(application, ams(2014, 5, 31, 23, 59, 59))
    # A receipt is judged to the second: 23:59:59.999999 is still in the last second.
    assert common.window_open(application, ams(2014, 5, 31, 23, 59, 59, 999_999))
    assert not common.window_open(application, ams(2014, 6, 1))
    assert not common.window_open(application, ams(2014, 3, 31, 23, 59, 59, 999_999))
    # The second it opens, any fraction of it counts.
    assert common.window_open(application, ams(2014, 4, 1, 0, 0, 0, 1))


# -- completeness --------------------------------------------------------------------------------

class Fields:
    """A scheme's fields module as fields_complete uses it: records what it was asked."""

    def __init__(self, errors):
        self.errors = errors
        self.calls = []

    def check_complete(self, details, rules, *, window_code):
        self.calls.append((details, rules, window_code))
        return dict(self.errors)


@pytest.mark.no_db
def test_a_complete_application_with_a_title_passes_its_schemes_check():
    fields = Fields({})
    application = SimpleNamespace(details={"sector": "metaal"}, title="Sectorplan metaal")
    common.fields_complete(firing(application, params={"min_themes": 2}, fields=fields,
                                  rules={"rules": {"min_themes": 2}, "window": {"code": "T3"}}))
    assert fields.calls == [({"sector": "metaal"}, {"min_themes": 2}, "T3")]
    # Details never stored are checked as empty ones.
    fields = Fields({})
    common.fields_complete(firing(SimpleNamespace(details=None, title="x"), fields=fields))
    assert fields.calls == [({}, {}, "T2")]


@pytest.mark.no_db
def test_an_incomplete_application_is_refused_naming_every_field_and_a_blank_title():
    fields = Fields({"sector": ["Kies een sector."]})
    error = refusal(lambda: common.fields_complete(
        firing(SimpleNamespace(details={}, title="  "), fields=fields)))
    assert error.message == "De aanvraag is niet volledig."
    assert error.fields == {"sector": ["Kies een sector."],
                            "title": ["Geef de aanvraag een titel."]}
    error = refusal(lambda: common.fields_complete(
        firing(SimpleNamespace(details={}, title=""), fields=Fields({}))))
    assert error.fields == {"title": ["Geef de aanvraag een titel."]}
    error = refusal(lambda: common.fields_complete(
        firing(SimpleNamespace(details={}, title="Titel"), fields=fields)))
    assert error.fields == {"sector": ["Kies een sector."]}


@pytest.mark.no_db
def test_a_reason_is_required_and_blanks_are_none():
    for data in ({}, {"reason": ""}, {"reason": "   "}, {"reason": None}):
        error = refusal(lambda data=data: common.reason_required(firing(data=data)))
        assert (error.message, error.fields) == ("Geef een reden.", {"reason": ["Geef een reden."]})
    common.reason_required(firing(data={"reason": "De begroting ontbreekt."}))


# -- scores --------------------------------------------------------------------------------------

SCORING = {"criteria": ["kwaliteit", "regio"], "score_min": 1, "score_max": 5}


def scores(given):
    return common.criterion_scores(firing(data={"scores": given}, params=SCORING))


@pytest.mark.no_db
def test_a_whole_score_within_the_range_for_every_criterion():
    assert scores({"kwaliteit": 1, "regio": 5}) == {"kwaliteit": 1, "regio": 5}
    assert scores({"kwaliteit": 3, "regio": 2}) == {"kwaliteit": 3, "regio": 2}


@pytest.mark.no_db
def test_scores_that_are_no_mapping_are_refused_naming_the_criteria():
    for given in (None, [3, 4], "3"):
        error = refusal(lambda given=given: scores(given))
        assert error.message == "Geef de scores."
        assert error.fields == {"scores": ["Geef per criterium een score: kwaliteit, regio."]}


@pytest.mark.no_db
def test_each_score_outside_the_range_or_not_whole_is_named():
    range_text = ["Een hele score van 1 tot en met 5."]
    for wrong in (0, 6, -1, 2.0, "3", True, False, None):
        error = refusal(lambda wrong=wrong: scores({"kwaliteit": 3, "regio": wrong}))
        assert error.message == "De scores zijn niet volledig."
        assert error.fields == {"scores.regio": range_text}, wrong
    # A missing criterion, and one the scheme does not have, are both named.
    error = refusal(lambda: scores({"kwaliteit": 7, "netwerk": 4}))
    assert error.fields == {"scores.kwaliteit": range_text, "scores.regio": range_text,
                            "scores.netwerk": ["Geen criterium van deze regeling."]}
    error = refusal(lambda: scores({"kwaliteit": 2, "regio": 3, "netwerk": 4}))
    assert error.fields == {"scores.netwerk": ["Geen criterium van deze regeling."]}


# -- the repair term (Awb 4:5) -------------------------------------------------------------------

@pytest.mark.no_db
def test_the_repair_term_runs_to_its_last_day_included():
    application = SimpleNamespace(repair_due_on=date(2014, 6, 16))
    assert common.repair_term_running(application, date(2014, 6, 2))
    assert common.repair_term_running(application, date(2014, 6, 16))
    assert not common.repair_term_running(application, date(2014, 6, 17))
    assert not common.repair_term_running(SimpleNamespace(repair_due_on=None), date(2014, 6, 2))


@pytest.mark.no_db
def test_asking_information_sets_a_repair_term_of_fourteen_days_and_stops_the_clock():
    application = SimpleNamespace(repair_due_on=None, suspended_on=None,
                                  complete_at=ams(2014, 4, 1, 9))
    f = firing(application, now=ams(2014, 6, 2, 10), params={"repair_term_days": 14})
    common.ask_information(f)
    # 2 June + 14 days = 16 June; the clock stops as of the request's day.
    assert (application.repair_due_on, application.suspended_on, application.complete_at) == (
        date(2014, 6, 16), date(2014, 6, 2), None)
    assert f.audit_data == {"repair_due_on": "2014-06-16"}


@pytest.mark.no_db
def test_the_repair_term_given_must_end_after_today():
    application = SimpleNamespace(repair_due_on=None, suspended_on=None, complete_at=None)
    # 23:30 on 2 June in Amsterdam is 21:30 UTC: "today" is Amsterdam's 2 June.
    now = datetime(2014, 6, 2, 21, 30, tzinfo=UTC)
    f = firing(application, data={"repair_due_on": "2014-06-03"}, now=now,
               params={"repair_term_days": 14})
    common.ask_information(f)
    assert (application.repair_due_on, application.suspended_on) == (
        date(2014, 6, 3), date(2014, 6, 2))
    assert f.audit_data == {"repair_due_on": "2014-06-03"}
    for given in ("2014-06-02", "2014-05-30"):
        error = refusal(lambda given=given: common.ask_information(
            firing(application, data={"repair_due_on": given}, now=now)))
        assert error.message == "Ongeldige hersteltermijn."
        assert error.fields == {"repair_due_on": ["De hersteltermijn eindigt na vandaag."]}
    for given in ("16-06-2014", "2014-06-31", 20140616):
        error = refusal(lambda given=given: common.ask_information(
            firing(application, data={"repair_due_on": given}, now=now)))
        assert error.message == "Ongeldige datum."
        assert error.fields == {"repair_due_on": ["Geef de datum als JJJJ-MM-DD."]}


# -- the grant (Awb 4:30, 3:46) and the settlement (4:46) ----------------------------------------

@pytest.mark.no_db
def test_the_grant_is_what_was_asked_unless_an_amount_is_given():
    f = firing(SimpleNamespace(requested_cents=500_166_66))
    common.grant_amount(f)
    assert f.audit_data == {"amount_cents": 500_166_66}
    f = firing(SimpleNamespace(requested_cents=500_166_66), data={"amount": "500166.66"})
    common.grant_amount(f)
    assert f.audit_data == {"amount_cents": 500_166_66}


@pytest.mark.no_db
def test_granting_less_needs_the_reason_for_the_letter():
    application = SimpleNamespace(requested_cents=500_166_66)
    error = refusal(lambda: common.grant_amount(firing(application,
                                                       data={"amount": "450000.00"})))
    assert error.message == "Reden ontbreekt."
    assert error.fields == {"reason": [
        "U verleent minder dan is aangevraagd (€\u00a0500.166,66); geef de reden, die komt in "
        "het besluit."]}
    f = firing(application, data={"amount": "450000.00", "reason": "Maatregel 3 valt af."})
    common.grant_amount(f)
    assert f.audit_data == {"amount_cents": 450_000_00}
    # One cent less is less.
    assert refusal(lambda: common.grant_amount(
        firing(application, data={"amount": "500166.65"}))).message == "Reden ontbreekt."
    f = firing(application, data={"amount": "0.01", "reason": "Bijna niets."})
    common.grant_amount(f)
    assert f.audit_data == {"amount_cents": 1}


@pytest.mark.no_db
def test_no_more_than_was_asked_and_nothing_below_a_cent_is_granted():
    application = SimpleNamespace(requested_cents=500_166_66)
    error = refusal(lambda: common.grant_amount(
        firing(application, data={"amount": "500166.67", "reason": "x"})))
    assert error.message == "Te hoog bedrag."
    assert error.fields == {"amount": [
        "Er kan niet meer worden verleend dan is aangevraagd (€\u00a0500.166,66)."]}
    for amount in ("0.00", "-1.00"):
        error = refusal(lambda amount=amount: common.grant_amount(
            firing(application, data={"amount": amount, "reason": "x"})))
        assert (error.message, error.fields) == (
            "Ongeldig bedrag.", {"amount": ["Het bedrag moet positief zijn."]})
    # An application that asked nothing cannot be granted anything.
    error = refusal(lambda: common.grant_amount(firing(SimpleNamespace(requested_cents=0))))
    assert error.fields == {"amount": ["Het bedrag moet positief zijn."]}


@pytest.mark.no_db
def test_the_final_amount_lies_between_nothing_and_the_grant():
    application = SimpleNamespace(granted_cents=450_000_00)
    for amount, cents in (("450000.00", 450_000_00), ("0.00", 0), ("449999.99", 449_999_99)):
        f = firing(application, data={"amount": amount})
        common.settlement_amount(f)
        assert f.audit_data == {"amount_cents": cents}
    for data in ({"amount": "450000.01"}, {"amount": "-0.01"}, {}):
        error = refusal(lambda data=data: common.settlement_amount(firing(application, data=data)))
        assert error.message == "Ongeldig bedrag."
        assert error.fields == {"amount": [
            "Geef het vastgestelde bedrag: niet negatief en niet hoger dan €\u00a0450.000,00."]}
    # Nothing granted: nothing above € 0,00 can be settled.
    nothing = SimpleNamespace(granted_cents=None)
    error = refusal(lambda: common.settlement_amount(firing(nothing, data={"amount": "0.01"})))
    assert error.fields == {"amount": [
        "Geef het vastgestelde bedrag: niet negatief en niet hoger dan €\u00a00,00."]}
    f = firing(nothing, data={"amount": "0.00"})
    common.settlement_amount(f)
    assert f.audit_data == {"amount_cents": 0}


@pytest.mark.no_db
def test_an_advance_or_recovery_is_a_positive_amount():
    f = firing(data={"amount": "0.01"})
    common.required_amount(f)
    assert f.audit_data == {"amount_cents": 1}
    for data in ({}, {"amount": "0.00"}, {"amount": "-5.00"}):
        error = refusal(lambda data=data: common.required_amount(firing(data=data)))
        assert (error.message, error.fields) == (
            "Geef het bedrag.", {"amount": ["Een positief bedrag in euro's."]})


@pytest.mark.no_db
def test_a_grant_stores_the_amount_and_a_refusal_clears_it():
    application = SimpleNamespace(granted_cents=None)
    f = firing(application)
    f.audit_data["amount_cents"] = 450_000_00
    common.granted(f)
    assert application.granted_cents == 450_000_00
    common.refused(f)
    assert application.granted_cents is None


# -- the decision term (Awb 4:13, 4:15, Algemene termijnenwet) -----------------------------------

@pytest.mark.no_db
def test_the_decision_term_counts_from_the_receipt_or_the_windows_close_in_amsterdam():
    # 31 May 22:30 UTC is 1 June 00:30 in Amsterdam.
    application = SimpleNamespace(submitted_at=datetime(2014, 4, 30, 22, 30, tzinfo=UTC))
    rules = {"rules": {"decision_term_from": "receipt"},
             "window": {"closes_at": "2014-05-31T22:30:00+00:00"}}
    assert common.decision_term_basis(application, rules) == date(2014, 5, 1)
    rules["rules"]["decision_term_from"] = "window_close"
    assert common.decision_term_basis(application, rules) == date(2014, 6, 1)


def sector_plan(schemes, **values):
    window = next(w for w in schemes["sectorplan"].windows if w.code == "T2")
    return ApplicationFactory(window=window, **values)


def test_receipt_freezes_the_rules_and_sets_the_decision_term(schemes):
    application = sector_plan(schemes, details={"measures": [
        {"requested_subsidy": 300_000_00}, {"requested_subsidy": 200_166_66}]})
    now = ams(2014, 4, 1, 9)
    f = firing(application, now=now, fields=sectorplan)
    common.receive(f)
    # The frozen rules say when they were frozen: at the receipt.
    assert (application.rules_version.rules["window"]["code"],
            application.rules_version.created_at) == ("T2", now)
    assert (application.submitted_at, application.complete_at) == (now, now)
    assert application.requested_cents == 500_166_66
    # 13 weeks after the window closes on 31 May 2014: Saturday 30 August, so Monday 1 September.
    assert application.decision_term_ends_on == date(2014, 8, 30)
    assert application.decision_due_on == date(2014, 9, 1)
    assert f.audit_data == {"decision_due_on": "2014-09-01"}


def test_a_term_counted_from_the_receipt_starts_on_the_day_after_it(schemes):
    schemes["sectorplan"].rules = {**(schemes["sectorplan"].rules or {}),
                                   "decision_term_from": "receipt"}
    application = sector_plan(schemes)
    f = firing(application, now=ams(2014, 4, 1, 9), fields=sectorplan)
    common.receive(f)
    # Received Tuesday 1 April 2014; 13 weeks later is Tuesday 1 July, a working day.
    assert (application.decision_term_ends_on, application.decision_due_on) == (
        date(2014, 7, 1), date(2014, 7, 1))
    assert f.audit_data == {"decision_due_on": "2014-07-01"}


def test_a_second_receipt_keeps_the_first_as_what_the_window_judged(schemes):
    first = ams(2014, 4, 1, 9)
    application = sector_plan(schemes, submitted_at=first)
    later = ams(2014, 4, 20, 9)
    common.receive(firing(application, now=later, fields=sectorplan))
    assert (application.submitted_at, application.complete_at) == (first, later)
    assert application.requested_cents == 0


def test_a_day_made_equal_to_a_holiday_moves_the_decision_term(schemes):
    db.session.add(StatutoryDayOff(day=date(2014, 9, 1), reason="Besluit, Stb. 2014, 1"))
    application = sector_plan(schemes)
    common.receive(firing(application, now=ams(2014, 4, 1, 9), fields=sectorplan))
    assert application.decision_due_on == date(2014, 9, 2)


def suspended(**values):
    row = dict(suspended_on=date(2014, 6, 2), repair_due_on=date(2014, 6, 16),
               decision_term_ends_on=date(2014, 6, 26), decision_due_on=date(2014, 6, 26),
               complete_at=None, submitted_at=ams(2014, 5, 1, 10))
    row.update(values)
    return SimpleNamespace(**row)


RECEIPT = {"rules": {"decision_term_from": "receipt"},
           "window": {"closes_at": "2014-05-31T23:59:59+02:00"}}
WINDOW_CLOSE = {"rules": {"decision_term_from": "window_close"},
                "window": {"closes_at": "2014-05-31T23:59:59+02:00"}}


def test_asked_on_2_june_and_supplied_on_9_june_the_clock_stood_still_6_days():
    application = suspended()
    now = ams(2014, 6, 9, 11)
    f = firing(application, now=now, rules=RECEIPT)
    common.information_provided(f)
    # The term counted from 2 May ends on Thu 26 June; 6 days later is Wed 2 July.
    assert (application.decision_term_ends_on, application.decision_due_on) == (
        date(2014, 7, 2), date(2014, 7, 2))
    assert (application.suspended_on, application.repair_due_on, application.complete_at) == (
        None, None, now)
    assert f.audit_data == {"paused_days": 6, "decision_due_on": "2014-07-02"}


def test_a_day_made_equal_to_a_holiday_moves_the_term_after_a_suspension():
    db.session.add(StatutoryDayOff(day=date(2014, 7, 2), reason="Besluit, Stb. 2014, 3"))
    application = suspended()
    common.information_provided(firing(application, now=ams(2014, 6, 9, 11), rules=RECEIPT))
    # Own end Wed 2 July, that day made a holiday: due Thursday 3 July.
    assert (application.decision_term_ends_on, application.decision_due_on) == (
        date(2014, 7, 2), date(2014, 7, 3))


def test_the_days_are_added_to_the_terms_own_end_not_to_the_day_it_was_moved_to():
    # Own end Saturday 28 June, moved to Monday 30 June; 6 days after the own end is Fri 4 July.
    application = suspended(decision_term_ends_on=date(2014, 6, 28),
                            decision_due_on=date(2014, 6, 30))
    f = firing(application, now=ams(2014, 6, 9, 11), rules=RECEIPT)
    common.information_provided(f)
    assert (application.decision_term_ends_on, application.decision_due_on) == (
        date(2014, 7, 4), date(2014, 7, 4))
    # Without an own end stored (older applications) the due day is the end.
    application = suspended(decision_term_ends_on=None, decision_due_on=date(2014, 6, 30))
    common.information_provided(firing(application, now=ams(2014, 6, 9, 11), rules=RECEIPT))
    # 30 June + 6 = Sunday 6 July → Monday 7 July.
    assert (application.decision_term_ends_on, application.decision_due_on) == (
        date(2014, 7, 6), date(2014, 7, 7))


def test_a_request_before_the_term_started_stops_it_only_from_its_first_day():
    # The term runs from the day after the window's close, 1 June; asked on 28 May, supplied on
    # 4 June: it stood still on 1, 2 and 3 June. Own end 30 Aug (13 weeks), + 3 = Tue 2 Sep.
    application = suspended(suspended_on=date(2014, 5, 28), decision_term_ends_on=date(2014, 8, 30),
                            decision_due_on=date(2014, 9, 1))
    f = firing(application, now=ams(2014, 6, 4, 11), rules=WINDOW_CLOSE)
    common.information_provided(f)
    assert f.audit_data == {"paused_days": 3, "decision_due_on": "2014-09-02"}
    assert application.decision_term_ends_on == date(2014, 9, 2)


def test_without_a_stopped_clock_or_a_term_nothing_is_added():
    application = suspended(suspended_on=None)
    f = firing(application, now=ams(2014, 6, 9, 11), rules=RECEIPT)
    common.information_provided(f)
    assert f.audit_data == {"paused_days": 0, "decision_due_on": "2014-06-26"}
    assert (application.decision_due_on, application.repair_due_on) == (date(2014, 6, 26), None)
    application = suspended(decision_due_on=None, decision_term_ends_on=None)
    f = firing(application, now=ams(2014, 6, 9, 11), rules=RECEIPT)
    common.information_provided(f)
    assert f.audit_data == {"paused_days": 0, "decision_due_on": None}
    assert application.suspended_on is None


# -- the objection term (Awb 6:7) ----------------------------------------------------------------

def test_decision_sent_friday_14_november_2014_objection_on_time_until_monday_29_december():
    assert common.objection_term_end(date(2014, 11, 14), {"objection_term_weeks": 6}) == date(
        2014, 12, 29)
    # 10 April + 6 weeks = Thursday 22 May 2014, no holiday.
    assert common.objection_term_end(date(2014, 4, 10), {"objection_term_weeks": 6}) == date(
        2014, 5, 22)
    assert common.objection_term_end(date(2014, 4, 10), {"objection_term_weeks": 2}) == date(
        2014, 4, 24)
    # A day made equal to a holiday by royal decree moves it too.
    db.session.add(StatutoryDayOff(day=date(2014, 5, 22), reason="Besluit, Stb. 2014, 2"))
    assert common.objection_term_end(date(2014, 4, 10), {"objection_term_weeks": 6}) == date(
        2014, 5, 23)


def test_a_decision_has_its_moment_its_objection_term_and_its_letter(monkeypatch):
    letters = []
    monkeypatch.setattr("grants.decisions.outbox.record_decision", letters.append)
    application = SimpleNamespace(decided_at=None, objection_due_on=None)
    # 10 April 2014, 23:30 in Amsterdam: the decision's day is 10 April there.
    now = datetime(2014, 4, 10, 21, 30, tzinfo=UTC)
    f = firing(application, now=now, params={"objection_term_weeks": 6})
    common.decided(f)
    assert (application.decided_at, application.objection_due_on) == (now, date(2014, 5, 22))
    assert f.audit_data == {"objection_due_on": "2014-05-22"}
    assert letters == [f]


# -- four eyes, decisions, objections (stored facts) ---------------------------------------------

def assessment(application, assessor, clock):
    db.session.add(Assessment(application_id=application.id, assessor_id=assessor.id,
                              recommendation=Recommendation.POSITIVE, scores={}, reasoning="",
                              at=clock()))
    db.session.flush()


def test_whoever_assessed_an_application_does_not_decide_on_it(schemes, clock):
    application, other = sector_plan(schemes), sector_plan(schemes)
    assessor, colleague, approver = (UserFactory(role=Role.ASSESSOR),
                                     UserFactory(role=Role.ASSESSOR),
                                     UserFactory(role=Role.APPROVER))
    assessment(application, assessor, clock)
    assessment(application, colleague, clock)
    assessment(other, approver, clock)
    assert common.assessors_of(application) == {assessor.id, colleague.id}
    assert not common.not_an_assessor(application, assessor)
    assert common.not_an_assessor(application, approver)
    with pytest.raises(Forbidden) as caught:
        common.four_eyes(firing(application, actor=colleague))
    assert caught.value.message == ("Vier ogen: u heeft deze aanvraag zelf beoordeeld en "
                                    "beslist er dus niet over.")
    common.four_eyes(firing(application, actor=approver))


def event(application, trigger, clock, from_state=S.SUBMITTED, to_state=S.INCOMPLETE):
    row = AuditEvent(application_id=application.id, trigger=trigger, from_state=from_state,
                     to_state=to_state, at=clock(), data={})
    db.session.add(row)
    db.session.flush()
    return row


def test_the_latest_decision_is_the_last_approve_reject_close_settle_or_adjustment(
        schemes, clock):
    application, other = sector_plan(schemes), sector_plan(schemes)
    assert common.latest_decision(application) is None
    event(application, "submit", clock)
    assert common.latest_decision(application) is None
    for trigger in ("approve", "reject", "close_unprocessed", "settle", "adjust_grant"):
        decision = event(application, trigger, clock)
        event(application, "pay_advance", clock)
        event(other, "approve", clock)
        assert common.latest_decision(application) == decision, trigger
    first = event(other, "reject", clock)
    assert common.latest_decision(other) == first


def objection(application, clock, outcome=None):
    against = event(application, "approve", clock)
    row = Objection(application_id=application.id, against_event_id=against.id,
                    lodged_at=clock(), lodged_by_id=UserFactory().id, reason="Te laag",
                    decision_due_on=date(2014, 6, 1), outcome=outcome)
    db.session.add(row)
    db.session.flush()
    return row


def test_only_an_undecided_objection_is_pending(schemes, clock):
    application, other = sector_plan(schemes), sector_plan(schemes)
    objection(application, clock, ObjectionOutcome.REJECTED)
    objection(other, clock)
    assert common.pending_objection(application) is None
    assert not common.objection_pending(application, None)
    error = refusal(lambda: common.has_pending_objection(firing(application)))
    assert error.message == "Er is geen bezwaar om te beslissen."
    assert error.fields == {"objection": ["Er is geen openstaand bezwaar."]}
    pending = objection(application, clock)
    assert common.pending_objection(application) == pending
    assert common.objection_pending(application, None)
    common.has_pending_objection(firing(application))


def test_information_asked_during_the_assessment_returns_the_application_there(schemes, clock):
    application = sector_plan(schemes)
    f = firing(application)
    assert not common.asked_during_assessment(f)
    event(application, "request_information", clock, from_state=S.IN_ASSESSMENT)
    event(application, "provide_information", clock, from_state=S.INCOMPLETE)
    assert common.asked_during_assessment(f)
    event(application, "request_information", clock, from_state=S.SUBMITTED)
    assert not common.asked_during_assessment(f)
    event(application, "request_information", clock, from_state=S.IN_ASSESSMENT)
    assert common.asked_during_assessment(f)
    assert not common.asked_during_assessment(firing(sector_plan(schemes)))


def test_an_assessment_is_stored_with_who_when_what_and_why(schemes, clock):
    application = sector_plan(schemes)
    assessor = UserFactory(role=Role.ASSESSOR)
    f = firing(application, actor=assessor, now=clock(),
               data={"reasoning": "  Past bij de regeling.  "})
    f.audit_data.update(recommendation="negative", scores={"kwaliteit": 4})
    common.store_assessment(f)
    stored = db.session.scalars(sa.select(Assessment)).one()
    assert (stored.application_id, stored.assessor_id, stored.recommendation, stored.scores,
            stored.reasoning, stored.at) == (application.id, assessor.id,
                                             Recommendation.NEGATIVE, {"kwaliteit": 4},
                                             "Past bij de regeling.", clock())
    other = UserFactory(role=Role.ASSESSOR)
    f = firing(application, actor=other, now=clock(), data={})
    f.audit_data["recommendation"] = "positive"
    common.store_assessment(f)
    second = db.session.scalars(sa.select(Assessment).where(
        Assessment.assessor_id == other.id)).one()
    assert (second.recommendation, second.scores, second.reasoning) == (
        Recommendation.POSITIVE, {}, "")


# -- the canonical intake (domain.md §5) ---------------------------------------------------------

@pytest.mark.no_db
def test_the_intake_triggers_their_states_and_who_fires_them():
    rows = [(t.trigger, t.sources, t.dest, t.roles, t.guards, t.effects, t.condition,
             t.available) for t in common.intake_transitions()]
    c = common
    assert rows == [
        ("submit", (S.DRAFT,), S.SUBMITTED, frozenset({Role.APPLICANT}),
         (c.in_window, c.fields_complete), (c.receive,), None, None),
        ("request_information", (S.SUBMITTED, S.IN_ASSESSMENT), S.INCOMPLETE,
         frozenset({Role.ASSESSOR}), (c.reason_required,), (c.ask_information,), None, None),
        ("provide_information", (S.INCOMPLETE,), S.IN_ASSESSMENT, frozenset({Role.APPLICANT}),
         (c.fields_complete,), (c.information_provided,), c.asked_during_assessment, None),
        ("provide_information", (S.INCOMPLETE,), S.SUBMITTED, frozenset({Role.APPLICANT}),
         (c.fields_complete,), (c.information_provided,), None, None),
        ("close_unprocessed", (S.INCOMPLETE,), S.UNPROCESSED, frozenset({Role.ASSESSOR}),
         (c.repair_term_passed, c.reason_required), (c.decided,), None, None),
        ("start_assessment", (S.SUBMITTED,), S.IN_ASSESSMENT, frozenset({Role.ASSESSOR}),
         (), (), None, None),
    ]


# -- money through the ledger (domain.md §6) -----------------------------------------------------

@pytest.fixture
def money(schemes, clock):
    """A sector plan of T2 asking € 500.000,00, and the finance officer who books for it."""
    application = sector_plan(schemes, requested_cents=500_000_00)
    finance = UserFactory(role=Role.FINANCE)

    def fire(trigger, amount=None, *, reason="", state="", params=None, actor=finance):
        f = firing(application, trigger=trigger, actor=actor, now=clock(),
                   data={"reason": reason}, state=state, params=params)
        if amount is not None:
            f.audit_data["amount_cents"] = amount
        return f
    return SimpleNamespace(application=application, line=application.window.line_for(None),
                           finance=finance, fire=fire)


def booked(application) -> list[tuple]:
    return list(db.session.execute(
        sa.select(LedgerEntry.line_id, LedgerEntry.kind, LedgerEntry.bucket,
                  LedgerEntry.amount_cents).where(LedgerEntry.application_id == application.id)
        .order_by(LedgerEntry.id)))


def test_every_booking_says_who_when_why_and_for_which_application(money, clock):
    f = money.fire("approve", 450_000_00, reason="  Maatregel 3 valt af.  ")
    common.commit_grant(f)
    entry = db.session.scalars(sa.select(LedgerEntry)
                               .where(LedgerEntry.application_id == money.application.id)).one()
    assert (entry.line_id, entry.kind, entry.bucket, entry.amount_cents, entry.actor_id,
            entry.at, entry.cause, entry.reason) == (
        money.line.id, K.COMMIT, None, 450_000_00, money.finance.id, clock(), "approve",
        "Maatregel 3 valt af.")


def recommending(f, recommendation="positive"):
    f.audit_data["recommendation"] = recommendation
    return f


def test_a_grant_turns_the_reservation_into_its_commitment(money):
    common.reserve_when_assessed_positively(recommending(money.fire(
        "record_assessment", state="assessed", params={"reserve_on_positive_assessment": True})))
    assert booked(money.application) == [(money.line.id, K.RESERVE, None, 500_000_00)]
    common.commit_grant(money.fire("approve", 450_000_00, reason="Minder"))
    assert booked(money.application)[1:] == [
        (money.line.id, K.RELEASE, Bucket.RESERVED, 500_000_00),
        (money.line.id, K.COMMIT, None, 450_000_00)]
    held = ledger.application_balance(money.application.id)
    assert (held.reserved, held.committed) == (0, 450_000_00)


def test_only_a_positive_assessment_reserves_and_only_when_the_rules_say_so(money):
    on = {"reserve_on_positive_assessment": True}
    for f in (recommending(money.fire("record_assessment", state="assessed", params={})),
              recommending(money.fire("record_assessment", state="assessed",
                                      params={"reserve_on_positive_assessment": False})),
              recommending(money.fire("record_assessment", state="in_assessment", params=on)),
              recommending(money.fire("record_assessment", state="assessed", params=on),
                           "negative"),
              money.fire("record_assessment", state="assessed", params=on)):
        common.reserve_when_assessed_positively(f)
    assert booked(money.application) == []
    money.application.requested_cents = 0
    common.reserve_when_assessed_positively(
        recommending(money.fire("record_assessment", state="assessed", params=on)))
    assert booked(money.application) == []
    # A cent asked is a cent reserved.
    money.application.requested_cents = 1
    common.reserve_when_assessed_positively(
        recommending(money.fire("record_assessment", state="assessed", params=on)))
    assert booked(money.application) == [(money.line.id, K.RESERVE, None, 1)]


def test_a_grant_releases_only_what_is_reserved_on_the_windows_line(money, schemes, clock):
    # The balances are kept per line: a reservation the application holds on another line
    # (here T3's) is not the window's to turn into the grant.
    t3 = next(w for w in schemes["sectorplan"].windows if w.code == "T3").line_for(None)
    ledger.post(t3, K.RESERVE, 70_000_00, actor=None, now=clock(), cause="test",
                application=money.application)
    ledger.post(money.line, K.RESERVE, 500_000_00, actor=None, now=clock(), cause="test",
                application=money.application)
    common.commit_grant(money.fire("approve", 500_000_00))
    assert booked(money.application)[2:] == [
        (money.line.id, K.RELEASE, Bucket.RESERVED, 500_000_00),
        (money.line.id, K.COMMIT, None, 500_000_00)]
    assert ledger.application_balance(money.application.id, t3.id).reserved == 70_000_00


def test_a_grant_without_a_reservation_only_commits(money):
    common.commit_grant(money.fire("approve", 500_000_00))
    assert booked(money.application) == [(money.line.id, K.COMMIT, None, 500_000_00)]


def test_a_refusal_or_withdrawal_releases_every_reservation_on_every_line(schemes, clock):
    window = next(w for w in schemes["praktijkleren"].windows if w.code == "2013-2014")
    application = ApplicationFactory(window=window, requested_cents=0)
    vmbo, mbo, hbo = (window.line_for(c) for c in (window.lines[0].category,
                                                   window.lines[1].category,
                                                   window.lines[2].category))
    for line, cents in ((vmbo, 300_00), (hbo, 200_00)):
        ledger.post(line, K.RESERVE, cents, actor=None, now=clock(), cause="test",
                    application=application)
    ledger.post(mbo, K.COMMIT, 100_00, actor=None, now=clock(), cause="test",
                application=application)
    common.release_reservations(firing(application, trigger="reject", now=clock()))
    assert booked(application)[3:] == [(vmbo.id, K.RELEASE, Bucket.RESERVED, 300_00),
                                       (hbo.id, K.RELEASE, Bucket.RESERVED, 200_00)]
    assert ledger.application_balance(application.id).reserved == 0
    # Nothing held: nothing booked.
    common.release_reservations(firing(application, trigger="reject", now=clock()))
    assert len(booked(application)) == 5


def test_an_advance_and_a_recovery_are_booked_on_the_windows_line(money):
    common.commit_grant(money.fire("approve", 450_000_00, reason="Minder"))
    common.disburse_advance(money.fire("pay_advance", 360_000_00))
    common.recover_amount(money.fire("recover", 60_000_00))
    assert booked(money.application)[1:] == [(money.line.id, K.DISBURSE, None, 360_000_00),
                                             (money.line.id, K.RECOVER, None, 60_000_00)]
    assert ledger.application_balance(money.application.id).paid == 300_000_00


def test_settlement_recovers_what_was_paid_above_the_final_amount_and_releases_the_rest(money):
    common.commit_grant(money.fire("approve", 450_000_00, reason="Minder"))
    common.disburse_advance(money.fire("pay_advance", 360_000_00))
    f = money.fire("settle", 300_000_00)
    common.settle_grant(f)
    # Paid 360.000 − final 300.000 = 60.000 back; committed 450.000 − 300.000 = 150.000 freed.
    assert booked(money.application)[2:] == [
        (money.line.id, K.RECOVER, None, 60_000_00),
        (money.line.id, K.RELEASE, Bucket.COMMITTED, 150_000_00)]
    assert f.audit_data == {"amount_cents": 300_000_00, "recovered_cents": 60_000_00}
    assert type(f.audit_data["recovered_cents"]) is int
    assert money.application.settled_cents == 300_000_00
    held = ledger.application_balance(money.application.id)
    assert (held.committed, held.paid) == (300_000_00, 300_000_00)


def test_settlement_counts_only_what_the_windows_line_holds(money, schemes, clock):
    t3 = next(w for w in schemes["sectorplan"].windows if w.code == "T3").line_for(None)
    ledger.post(t3, K.COMMIT, 70_000_00, actor=None, now=clock(), cause="test",
                application=money.application)
    common.commit_grant(money.fire("approve", 450_000_00, reason="Minder"))
    common.disburse_advance(money.fire("pay_advance", 360_000_00))
    common.settle_grant(money.fire("settle", 300_000_00))
    # On the window's line: paid 360.000 − 300.000 back, committed 450.000 − 300.000 freed; the
    # € 70.000 on T3 is not this line's to release.
    assert booked(money.application)[3:] == [
        (money.line.id, K.RECOVER, None, 60_000_00),
        (money.line.id, K.RELEASE, Bucket.COMMITTED, 150_000_00)]
    assert ledger.application_balance(money.application.id, t3.id).committed == 70_000_00


def test_settlement_at_what_was_paid_recovers_nothing_and_at_the_grant_releases_nothing(money):
    common.commit_grant(money.fire("approve", 450_000_00, reason="Minder"))
    common.disburse_advance(money.fire("pay_advance", 360_000_00))
    f = money.fire("settle", 360_000_00)
    common.settle_grant(f)
    assert booked(money.application)[2:] == [
        (money.line.id, K.RELEASE, Bucket.COMMITTED, 90_000_00)]
    assert f.audit_data == {"amount_cents": 360_000_00}
    assert money.application.settled_cents == 360_000_00


def test_settlement_at_the_full_grant_books_nothing(money):
    common.commit_grant(money.fire("approve", 450_000_00, reason="Minder"))
    common.disburse_advance(money.fire("pay_advance", 100_000_00))
    f = money.fire("settle", 450_000_00)
    common.settle_grant(f)
    assert len(booked(money.application)) == 2
    assert f.audit_data == {"amount_cents": 450_000_00}
    assert money.application.settled_cents == 450_000_00


def test_after_settlement_the_unpaid_rest_of_the_commitment_is_paid(money):
    common.commit_grant(money.fire("approve", 450_000_00, reason="Minder"))
    common.disburse_advance(money.fire("pay_advance", 100_000_00))
    common.settle_grant(money.fire("settle", 400_000_00))
    # Committed 400.000 after settlement, 100.000 paid: 300.000 unpaid.
    assert common.unpaid_cents(money.application) == 300_000_00
    f = money.fire("pay")
    common.pay_balance(f)
    assert booked(money.application)[-1] == (money.line.id, K.DISBURSE, None, 300_000_00)
    assert f.audit_data == {"amount_cents": 300_000_00}
    assert common.unpaid_cents(money.application) == 0
    error = refusal(lambda: common.pay_balance(money.fire("pay")))
    assert error.message == "Er valt niets te betalen."
    assert error.fields == {"amount": ["Het vastgestelde bedrag is al betaald."]}


def test_the_balance_is_paid_on_every_line_of_the_window(schemes, clock):
    window = next(w for w in schemes["praktijkleren"].windows if w.code == "2013-2014")
    application = ApplicationFactory(window=window, requested_cents=0)
    first, second, third = window.lines[0], window.lines[1], window.lines[2]
    for line, committed, paid in ((first, 500_00, 200_00), (second, 300_00, 300_00),
                                  (third, 250_00, 0)):
        ledger.post(line, K.COMMIT, committed, actor=None, now=clock(), cause="test",
                    application=application)
        if paid:
            ledger.post(line, K.DISBURSE, paid, actor=None, now=clock(), cause="test",
                        application=application)
    # (500 − 200) + (300 − 300) + (250 − 0) = 550 unpaid.
    assert common.unpaid_cents(application) == 550_00
    assert type(common.unpaid_cents(application)) is int
    f = firing(application, trigger="pay", now=clock())
    common.pay_balance(f)
    assert booked(application)[-2:] == [(first.id, K.DISBURSE, None, 300_00),
                                        (third.id, K.DISBURSE, None, 250_00)]
    assert f.audit_data == {"amount_cents": 550_00}
    assert common.unpaid_cents(application) == 0

