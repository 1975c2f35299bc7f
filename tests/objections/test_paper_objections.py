"""A paper objection registered by staff on behalf of the applicant: the day it came in decides
whether it is on time (Awb 6:7, 6:9), the audit row says who registered it and that it came on
paper, and the decision on it counts from that day.

The sector plan is rejected on Tuesday 1 April 2014; objections until Tuesday 13 May 2014.
"""

from datetime import date, datetime

import sqlalchemy as sa

from grants.extensions import db
from grants.models import Objection
from grants.timefmt import AMSTERDAM
from tests.decisions.conftest import decisions_of, ok, pdf_text
from tests.objections.conftest import waive_hearing
from tests.objections.test_objections import refused, rejected_sector_plan


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2014, month, day, hour, tzinfo=AMSTERDAM)


def only_objection() -> Objection:
    db.session.expire_all()
    return db.session.scalars(sa.select(Objection)).one()


def test_staff_register_a_letter_received_in_time_after_the_term(world, clock):
    number = rejected_sector_plan(world, clock)
    # Received Monday 12 May, registered Wednesday 14 May: the day after the term ended.
    clock.moment = at(5, 14)
    ok(world.assessor.fire(number, "lodge_objection", {
        "reason": "Bij brief: het draagvlak is wel aangetoond.", "received_on": "2014-05-12"}))

    objection = only_objection()
    assert (objection.on_paper, objection.received_on, objection.late) == (
        True, date(2014, 5, 12), False)
    assert objection.lodged_by_id == world.assessor.user.id
    # Six weeks after the objection term ended (13 May): Tuesday 24 June 2014.
    assert objection.decision_due_on == date(2014, 6, 24)
    event = world.applicant.history(number)[-1]
    assert (event["trigger"], event["actor"]) == ("lodge_objection", world.assessor.user.name)
    assert event["data"]["on_paper"] is True and event["data"]["received_on"] == "2014-05-12"
    assert event["data"]["registered_by"] == world.assessor.user.name

    waive_hearing(world, number)
    ok(world.approver2.fire(number, "decide_objection", {
        "outcome": "rejected", "reason": "Het draagvlak blijft onvoldoende aangetoond."}))
    text = pdf_text(decisions_of(number)[-1].pdf)
    assert "Wij ontvingen uw bezwaarschrift per post op 12 mei 2014" in text
    assert "U maakte op 12 mei 2014 bezwaar" in text


def test_a_letter_received_after_the_term_is_late_whenever_it_is_registered(world, clock):
    number = rejected_sector_plan(world, clock)
    clock.moment = at(5, 19)
    ok(world.approver.fire(number, "lodge_objection", {
        "reason": "Bij brief: wij waren met vakantie.", "received_on": "2014-05-15",
        "postmarked_on": "2014-05-14"}))
    objection = only_objection()
    assert objection.late and objection.postmarked_on == date(2014, 5, 14)
    # A late objection's six weeks run from its receipt (Thursday 15 May): 26 June 2014.
    assert objection.decision_due_on == date(2014, 6, 26)
    assert world.applicant.history(number)[-1]["data"]["objection_term_ended_on"] == "2014-05-13"


def test_the_received_date_is_required_real_and_not_after_today(world, clock):
    number = rejected_sector_plan(world, clock)
    clock.moment = at(5, 6)
    cases = (({}, "Geef de datum waarop de bezwaarbrief is ontvangen."),
             ({"received_on": "6 mei"}, "JJJJ-MM-DD"),
             ({"received_on": "2014-05-07"}, "niet na vandaag (6 mei 2014)"),
             ({"received_on": "2014-03-31"}, "niet vóór het besluit"))
    for given, message in cases:
        error = refused(world.assessor.fire(number, "lodge_objection", {
            "reason": "Bij brief.", **given}))
        assert message in error["fields"]["received_on"][0].replace("\xa0", " ")
    postmark = refused(world.assessor.fire(number, "lodge_objection", {
        "reason": "Bij brief.", "received_on": "2014-05-05", "postmarked_on": "2014-05-06"}))
    assert "niet na de ontvangst (5 mei 2014)" in postmark["fields"]["postmarked_on"][0]
    scan = refused(world.assessor.fire(number, "lodge_objection", {
        "reason": "Bij brief.", "received_on": "2014-05-05", "letter_attachment": 999999}))
    assert "letter_attachment" in scan["fields"]
    assert db.session.scalars(sa.select(Objection)).first() is None


def test_the_applicant_lodges_online_and_gives_no_received_date(world, clock):
    number = rejected_sector_plan(world, clock)
    clock.moment = at(5, 6)
    error = refused(world.applicant.fire(number, "lodge_objection", {
        "reason": "Draagvlak is aangetoond.", "received_on": "2014-05-01"}))
    assert "received_on" in error["fields"]
    # Finance registers no objections.
    assert world.finance.fire(number, "lodge_objection", {
        "reason": "Bij brief.", "received_on": "2014-05-05"}).status_code == 403
    assert db.session.scalars(sa.select(Objection)).first() is None
