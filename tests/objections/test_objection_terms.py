"""The terms around an objection as the law counts them: the objection term (Awb 6:7), the
decision on it (7:10) and its extension, the term for appeal the decision on it states, each
moved off weekends and holidays (Algemene termijnenwet); and an objection posted in time (6:9).
"""

from datetime import date, datetime

import sqlalchemy as sa

from grants.extensions import db
from grants.models import Objection
from grants.timefmt import AMSTERDAM
from tests.decisions.conftest import decisions_of, ok, pdf_text
from tests.objections.conftest import waive_hearing
from tests.workflows.scenarios import PARTLY

PLAN = {"starts_on": "2014-07-01", "ends_on": "2015-12-31"}


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=AMSTERDAM)


def assessed(world, recommendation: str = "positive") -> int:
    number = ok(world.applicant.create(world.sectorplan(**PLAN)), 201)["id"]
    ok(world.applicant.fire(number, "submit"))
    ok(world.assessor.fire(number, "start_assessment"))
    ok(world.assessor.fire(number, "record_assessment", {
        "recommendation": recommendation, "reasoning": "Beoordeeld."}))
    return number


def rejected_on(world, clock, moment: datetime) -> int:
    number = assessed(world, "negative")
    clock.moment = moment
    ok(world.approver.fire(number, "reject", {"reason": "Het draagvlak is niet aangetoond."}))
    return number


def objection_of(number: int) -> Objection:
    db.session.expire_all()
    return db.session.scalars(sa.select(Objection).where(Objection.application_id == number)).one()


def test_a_decision_sent_on_14_november_2014_can_be_objected_to_until_29_december(
        world, clock):
    number = assessed(world)
    clock.moment = at(2014, 11, 14)
    granted = ok(world.approver.fire(number, "approve", {"amount": "450000.00", **PARTLY}))
    # Six weeks end Friday 26 December (Boxing Day), then the weekend: Monday 29 December.
    assert granted["objection_due"] == "2014-12-29"
    letter = pdf_text(decisions_of(number)[0].pdf)
    assert "Dat kan tot en met 29 december 2014" in letter

    clock.moment = at(2014, 12, 29, 16)
    ok(world.applicant.fire(number, "lodge_objection", {"reason": "De korting klopt niet."}))
    objection = objection_of(number)
    assert not objection.late
    # Its decision is due six weeks after the term ended: Monday 9 February 2015.
    assert objection.decision_due_on == date(2015, 2, 9)


def test_an_objection_on_the_first_day_after_the_moved_term_is_late(world, clock):
    number = assessed(world)
    clock.moment = at(2014, 11, 14)
    ok(world.approver.fire(number, "approve", {"amount": "450000.00", **PARTLY}))
    clock.moment = at(2014, 12, 30)
    ok(world.applicant.fire(number, "lodge_objection", {"reason": "De korting klopt niet."}))
    assert objection_of(number).late
    assert world.applicant.history(number)[-1]["data"]["objection_term_ended_on"] == "2014-12-29"


def test_the_decision_on_an_objection_due_on_christmas_day_is_due_on_monday(world, clock):
    # Rejected Thursday 2 October 2014: objections until Thursday 13 November 2014.
    number = rejected_on(world, clock, at(2014, 10, 2))
    assert world.applicant.get(number).get_json()["objection_due"] == "2014-11-13"
    clock.moment = at(2014, 10, 20)
    ok(world.applicant.fire(number, "lodge_objection", {"reason": "Draagvlak is aangetoond."}))
    # 13 November + 6 weeks = Thursday 25 December (Christmas), Boxing Day, the weekend:
    # Monday 29 December 2014.
    assert objection_of(number).decision_due_on == date(2014, 12, 29)

    clock.moment = at(2014, 12, 1)
    ok(world.approver.fire(number, "extend_objection_term", {
        "reason": "Wij vragen advies aan de sociale partners."}))
    # Six weeks more, counted from the term's own end (25 December): Thursday 5 February 2015.
    assert objection_of(number).decision_due_on == date(2015, 2, 5)
    assert world.applicant.history(number)[-1]["data"] == {
        "previous_due_on": "2014-12-29", "decision_due_on": "2015-02-05"}


def test_the_decision_on_the_objection_states_the_moved_term_for_appeal(world, clock):
    number = rejected_on(world, clock, at(2014, 10, 2))
    clock.moment = at(2014, 10, 20)
    ok(world.applicant.fire(number, "lodge_objection", {"reason": "Draagvlak is aangetoond."}))
    clock.moment = at(2014, 11, 14)
    waive_hearing(world, number)
    ok(world.approver2.fire(number, "decide_objection", {
        "outcome": "rejected", "reason": "Het draagvlak blijft onvoldoende aangetoond."}))
    # Decided Friday 14 November 2014: appeal within six weeks, until Monday 29 December.
    assert world.applicant.history(number)[-1]["data"]["appeal_due_on"] == "2014-12-29"
    text = pdf_text(decisions_of(number)[-1].pdf)
    assert "U kunt dan tot en met 29 december 2014 beroep instellen" in text


# -- Awb 6:9: staff register a paper objection with its postmark -----------------------------------

def lodge_by_post(world, clock, number: int, received: datetime,
                  postmarked_on: str | None):
    """Staff register the letter the day it came in, with the postmark off its envelope."""
    clock.moment = received
    return world.assessor.fire(number, "lodge_objection", {
        "reason": "Per post: het draagvlak is aangetoond.",
        "received_on": received.date().isoformat(), "postmarked_on": postmarked_on})


def test_an_objection_posted_on_the_last_day_and_received_within_a_week_is_on_time(
        world, clock):
    number = rejected_on(world, clock, at(2014, 10, 2))  # objections until 13 November
    # Received Thursday 20 November, a week after the term; posted Thursday 13 November.
    ok(lodge_by_post(world, clock, number, at(2014, 11, 20), "2014-11-13"))
    objection = objection_of(number)
    assert not objection.late and objection.postmarked_on == date(2014, 11, 13)
    # Its decision is due six weeks after the objection term ended: Monday 29 December 2014.
    assert objection.decision_due_on == date(2014, 12, 29)


def test_an_objection_posted_after_the_term_is_late(world, clock):
    number = rejected_on(world, clock, at(2014, 10, 2))
    ok(lodge_by_post(world, clock, number, at(2014, 11, 18), "2014-11-14"))
    assert objection_of(number).late


def test_an_objection_posted_in_time_but_received_after_the_week_is_late(world, clock):
    number = rejected_on(world, clock, at(2014, 10, 2))
    ok(lodge_by_post(world, clock, number, at(2014, 11, 21), "2014-11-13"))
    objection = objection_of(number)
    # Late: its six weeks run from its receipt (Friday 21 November): Friday 2 January 2015.
    assert objection.late and objection.decision_due_on == date(2015, 1, 2)


def test_a_postmark_is_a_date_not_after_the_receipt(world, clock):
    number = rejected_on(world, clock, at(2014, 10, 2))
    for given, message in (("13-11-2014", "JJJJ-MM-DD"),
                           ("2014-11-21", "niet na de ontvangst (20 november 2014)")):
        refused = lodge_by_post(world, clock, number, at(2014, 11, 20), given)
        assert refused.status_code == 422, refused.get_json()
        assert message in refused.get_json()["error"]["fields"]["postmarked_on"][0]
    assert db.session.scalars(sa.select(Objection)).first() is None


def test_an_applicant_lodging_online_gives_no_postmark(world, clock):
    number = rejected_on(world, clock, at(2014, 10, 2))
    clock.moment = at(2014, 11, 20)
    response = world.applicant.fire(number, "lodge_objection", {
        "reason": "Draagvlak is aangetoond.", "postmarked_on": "2014-11-13"})
    assert response.status_code == 422, response.get_json()
    assert "postmarked_on" in response.get_json()["error"]["fields"]
    assert db.session.scalars(sa.select(Objection)).first() is None
