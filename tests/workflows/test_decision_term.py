"""The decision term of an application (Awb 4:13) as the law counts it: moved off weekends and
holidays (Algemene termijnenwet), standing still while information is asked (4:15), and
postponed with a notice to the applicant (4:14).

Sector plans of window T2 (1 April – 31 May 2014): the term is 13 weeks after the window
closes on Saturday 31 May 2014, so its own last day is Saturday 30 August 2014.
"""

from datetime import date, datetime

import sqlalchemy as sa

from grants.extensions import db
from grants.models import OutgoingMail, StatutoryDayOff
from grants.timefmt import AMSTERDAM
from tests.decisions.conftest import decisions_of, pdf_text, plain
from tests.workflows.test_lifecycles import ok

# The plan runs within the budget period (2014–2015), whatever the scenario's default.
PLAN = {"starts_on": "2014-07-01", "ends_on": "2015-12-31"}


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=AMSTERDAM)


def submitted_sector_plan(world) -> int:
    """Submitted on 1 April 2014 (the tests' clock)."""
    number = ok(world.applicant.create(world.sectorplan(**PLAN)), 201)["id"]
    ok(world.applicant.fire(number, "submit"))
    return number


def refused(response, status: int = 422) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()["error"]


# -- Algemene termijnenwet ----------------------------------------------------------------------

def test_a_decision_term_ending_on_saturday_runs_to_monday(world):
    number = submitted_sector_plan(world)
    # 31 May + 13 weeks = Saturday 30 August 2014 → Monday 1 September 2014.
    assert world.applicant.get(number).get_json()["decision_due"] == "2014-09-01"
    assert world.applicant.history(number)[0]["data"]["decision_due_on"] == "2014-09-01"


def test_a_day_made_equal_by_royal_decree_moves_the_decision_term(world):
    # Suppose a decree made Monday 1 September 2014 equal to a holiday: Tuesday 2 September.
    db.session.add(StatutoryDayOff(day=date(2014, 9, 1), reason="Besluit (voorbeeld)"))
    number = submitted_sector_plan(world)
    assert world.applicant.get(number).get_json()["decision_due"] == "2014-09-02"


# -- Awb 4:15 -----------------------------------------------------------------------------------

def test_information_asked_on_2_june_and_supplied_on_9_june_stops_the_clock_six_days(
        world, clock):
    number = submitted_sector_plan(world)
    clock.moment = at(2014, 6, 2)
    ok(world.assessor.fire(number, "request_information", {"reason": "De begroting ontbreekt."}))
    clock.moment = at(2014, 6, 9)
    supplied = ok(world.applicant.fire(number, "provide_information"))
    # Still 3 – 8 June: 6 days. 30 August + 6 = Friday 5 September 2014.
    assert supplied["decision_due"] == "2014-09-05"
    event = world.applicant.history(number)[-1]
    assert event["trigger"] == "provide_information"
    assert event["data"]["paused_days"] == 6
    assert event["data"]["decision_due_on"] == "2014-09-05"


def test_information_asked_before_the_term_started_moves_nothing(world, clock):
    number = submitted_sector_plan(world)
    ok(world.assessor.fire(number, "request_information", {"reason": "De begroting ontbreekt."}))
    clock.moment = at(2014, 4, 10)
    supplied = ok(world.applicant.fire(number, "provide_information"))
    # Asked 1 April, supplied 10 April, while the window was open: still due 1 September.
    assert supplied["decision_due"] == "2014-09-01"
    assert world.applicant.history(number)[-1]["data"]["paused_days"] == 0


def test_only_the_days_after_the_window_closed_count(world, clock):
    number = submitted_sector_plan(world)
    clock.moment = at(2014, 5, 28)
    ok(world.assessor.fire(number, "request_information", {"reason": "De begroting ontbreekt."}))
    clock.moment = at(2014, 6, 5)
    supplied = ok(world.applicant.fire(number, "provide_information"))
    # Still 29 May – 4 June; in the term only 1 – 4 June: 4 days. 30 August + 4 = Wednesday
    # 3 September 2014.
    assert supplied["decision_due"] == "2014-09-03"
    assert world.applicant.history(number)[-1]["data"]["paused_days"] == 4


# -- Awb 4:14 -----------------------------------------------------------------------------------

REASON = "Wij vragen advies aan de sociale partners over de maatregelen."


def test_the_decision_term_is_postponed_with_a_notice_and_the_new_date(world, clock, login_as):
    number = submitted_sector_plan(world)
    clock.moment = at(2014, 8, 20)
    assert refused(world.applicant.fire(number, "extend_decision_term", {
        "reason": REASON, "decision_due_on": "2014-10-15"}), 403)
    assert "reason" in refused(world.assessor.fire(number, "extend_decision_term", {
        "decision_due_on": "2014-10-15"}))["fields"]
    for given, message in (
            (None, "JJJJ-MM-DD"), ("15-10-2014", "JJJJ-MM-DD"),
            ("2014-09-01", "na de huidige: 1 september 2014"),
            ("2014-10-04", "Op 4 oktober 2014 eindigt geen termijn (zaterdag)"),
            ("2014-12-25", "(Eerste kerstdag)")):
        error = refused(world.assessor.fire(number, "extend_decision_term", {
            "reason": REASON, "decision_due_on": given}))
        assert message in error["fields"]["decision_due_on"][0], (given, error)
    assert world.applicant.get(number).get_json()["decision_due"] == "2014-09-01"

    postponed = ok(world.assessor.fire(number, "extend_decision_term", {
        "reason": REASON, "decision_due_on": "2014-10-15"}))
    assert postponed["state"] == "submitted"
    assert postponed["decision_due"] == "2014-10-15"
    event = world.applicant.history(number)[-1]
    assert (event["trigger"], event["reason"], event["data"]) == (
        "extend_decision_term", REASON,
        {"previous_due_on": "2014-09-01", "decision_due_on": "2014-10-15"})

    [notice] = decisions_of(number)
    assert notice.kind.value == "postponement" and notice.amount_cents is None
    text = pdf_text(notice.pdf)
    for part in ("Verdaging van de beslistermijn", notice.reference, "Metaalwerkgevers",
                 "t.a.v. de directie", "Sectorplan metaal", "20 augustus 2014",
                 "uiterlijk 1 september 2014", "uiterlijk 15 oktober 2014", REASON,
                 "artikel 4:14 van de Algemene wet bestuursrecht", "assessor",
                 "geen bezwaar tegen maken"):
        assert part in text, f"{part!r} missing:\n{text}"
    # A notice is no decision: no objection clause.
    assert "Niet eens met dit besluit" not in text and "Waarop dit besluit rust" not in text

    [mail] = db.session.scalars(sa.select(OutgoingMail).where(
        OutgoingMail.application_id == number, OutgoingMail.kind == "decision"))
    assert mail.subject.startswith("Bericht over aanvraag")
    assert "een brief gestuurd" in mail.body and "besluit genomen" not in mail.body
    assert "bezwaar" not in mail.body

    page = plain(login_as(world.applicant.user).get(f"/portaal/aanvragen/{number}")
                 .get_data(as_text=True))
    assert "15 oktober 2014" in page and "Beslistermijn verdagen" in page


def test_a_suspension_after_a_postponement_adds_to_the_new_date(world, clock):
    number = submitted_sector_plan(world)
    clock.moment = at(2014, 8, 20)
    ok(world.assessor.fire(number, "extend_decision_term", {
        "reason": REASON, "decision_due_on": "2014-10-15"}))
    clock.moment = at(2014, 9, 1)
    ok(world.assessor.fire(number, "request_information", {"reason": "Een handtekening."}))
    clock.moment = at(2014, 9, 4)
    # Still 2 and 3 September: 2 days. 15 October + 2 = Friday 17 October 2014.
    assert ok(world.applicant.fire(number, "provide_information"))["decision_due"] == "2014-10-17"


def test_the_approver_may_postpone_until_the_decision_and_not_after(world, clock):
    number = submitted_sector_plan(world)
    ok(world.assessor.fire(number, "start_assessment"))
    ok(world.assessor.fire(number, "record_assessment", {
        "recommendation": "negative", "reasoning": "Te weinig draagvlak."}))
    clock.moment = at(2014, 8, 25)
    ok(world.approver.fire(number, "extend_decision_term", {
        "reason": REASON, "decision_due_on": "2014-09-30"}))
    assert "extend_decision_term" in world.assessor.get(number).get_json()["allowed_triggers"]
    ok(world.approver.fire(number, "reject", {"reason": "Het draagvlak is niet aangetoond."}))
    assert "extend_decision_term" not in world.approver.get(number).get_json()[
        "allowed_triggers"]
    refused(world.approver.fire(number, "extend_decision_term", {
        "reason": REASON, "decision_due_on": "2014-10-30"}), 409)
