"""The hearing (Awb 7:2, 7:3): the objector is heard before the objection is decided, unless the
hearing is waived with its ground; the decision on the objection says which.

The sector plan is rejected on Tuesday 1 April 2014; objections until Tuesday 13 May 2014.
"""

from datetime import date, datetime

import sqlalchemy as sa

from grants.extensions import db
from grants.models import Objection
from grants.timefmt import AMSTERDAM
from tests.decisions.conftest import decisions_of, ok, pdf_text
from tests.objections.test_objections import refused, rejected_sector_plan


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2014, month, day, hour, tzinfo=AMSTERDAM)


def objection() -> Objection:
    db.session.expire_all()
    return db.session.scalars(sa.select(Objection)).one()


def lodged(world, clock) -> int:
    number = rejected_sector_plan(world, clock)
    clock.moment = at(4, 8)
    ok(world.applicant.fire(number, "lodge_objection", {"reason": "Draagvlak is aangetoond."}))
    return number


def test_the_objection_is_decided_only_after_the_hearing(world, clock):
    number = lodged(world, clock)
    clock.moment = at(4, 10)
    early = refused(world.approver2.fire(number, "decide_objection", {
        "outcome": "rejected", "reason": "Het draagvlak blijft onvoldoende."}))
    assert "artikel 7:2 Awb" in early["fields"]["hearing"][0]
    assert objection().outcome is None

    # The invitation: a moment after now, and a place.
    error = refused(world.assessor.fire(number, "invite_to_hearing", {
        "hearing_at": "2014-04-09T10:00", "place": ""}))
    assert set(error["fields"]) == {"hearing_at", "place"}
    ok(world.assessor.fire(number, "invite_to_hearing", {
        "hearing_at": "2014-04-22T14:00", "place": "Parnassusplein 5, Den Haag"}))
    invited = objection()
    assert invited.hearing_at == datetime(2014, 4, 22, 14, tzinfo=AMSTERDAM)
    assert invited.hearing_place == "Parnassusplein 5, Den Haag"
    still = refused(world.approver2.fire(number, "decide_objection", {
        "outcome": "rejected", "reason": "Het draagvlak blijft onvoldoende."}))
    assert "22 april 2014 14:00" in still["fields"]["hearing"][0].replace("\xa0", " ")

    # Held on 22 April: not recorded before that day.
    too_soon = refused(world.assessor.fire(number, "record_hearing", {"held_on": "2014-04-22"}))
    assert "niet na vandaag" in too_soon["fields"]["held_on"][0]
    clock.moment = at(4, 22, 16)
    ok(world.assessor.fire(number, "record_hearing", {"held_on": "2014-04-22",
                                                      "attended": True}))
    assert objection().hearing_held_on == date(2014, 4, 22) and objection().heard
    again = refused(world.assessor.fire(number, "waive_hearing", {
        "ground": "objector_waived", "reason": "x"}))
    assert "al gehouden" in again["fields"]["hearing"][0]

    clock.moment = at(4, 29)
    ok(world.approver2.fire(number, "decide_objection", {
        "outcome": "rejected", "reason": "Het draagvlak blijft onvoldoende aangetoond."}))
    trail = [(e["trigger"], e["actor"]) for e in world.applicant.history(number)][-4:]
    assert trail == [("lodge_objection", world.applicant.user.name),
                     ("invite_to_hearing", world.assessor.user.name),
                     ("record_hearing", world.assessor.user.name),
                     ("decide_objection", world.approver2.user.name)]
    text = pdf_text(decisions_of(number)[-1].pdf)
    assert "Wij hebben u op 22 april 2014 gehoord over uw bezwaar" in text
    assert "artikel 7:2" in text


def test_a_waived_hearing_is_explained_in_the_decision(world, clock):
    number = lodged(world, clock)
    error = refused(world.assessor.fire(number, "waive_hearing", {"ground": "geen zin"}))
    assert "ground" in error["fields"]
    error = refused(world.assessor.fire(number, "waive_hearing", {
        "ground": "manifestly_unfounded"}))
    assert "reason" in error["fields"]
    ok(world.assessor.fire(number, "waive_hearing", {
        "ground": "manifestly_unfounded",
        "reason": "Het bezwaar herhaalt de aanvraag zonder nieuwe feiten."}))
    assert objection().hearing_waived == "manifestly_unfounded"

    # Waived as manifestly unfounded, it cannot be upheld without hearing the objector.
    upheld = refused(world.approver2.fire(number, "decide_objection", {
        "outcome": "upheld", "reason": "Toch gegrond."}))
    assert "kennelijk ongegrond" in upheld["fields"]["outcome"][0]
    ok(world.approver2.fire(number, "decide_objection", {
        "outcome": "rejected", "reason": "Het draagvlak blijft onvoldoende aangetoond."}))
    text = pdf_text(decisions_of(number)[-1].pdf)
    for fact in ("De hoorzitting", "Uw bezwaar is kennelijk ongegrond. Daarom hebben wij u niet "
                 "gehoord (artikel 7:3, onder b,", "herhaalt de aanvraag zonder nieuwe feiten"):
        assert fact in text, f"{fact!r} missing:\n{text}"


def test_only_staff_hold_the_hearing_and_only_after_inviting(world, clock):
    number = lodged(world, clock)
    for who in (world.applicant, world.finance):
        assert who.fire(number, "invite_to_hearing", {
            "hearing_at": "2014-04-22T14:00", "place": "Den Haag"}).status_code == 403
    allowed = world.assessor.get(number).get_json()["allowed_triggers"]
    assert {"invite_to_hearing", "waive_hearing"} <= set(allowed)
    assert "record_hearing" not in allowed  # nobody was invited yet
    error = refused(world.assessor.fire(number, "record_hearing", {"held_on": "2014-04-08"}))
    assert "eerst uit" in error["fields"]["hearing"][0]
    assert not objection().heard


def test_a_hearing_without_the_objector_is_held_all_the_same(world, clock):
    number = lodged(world, clock)
    ok(world.approver.fire(number, "invite_to_hearing", {
        "hearing_at": "2014-04-15T10:00:00+02:00", "place": "Telefonisch"}))
    clock.moment = at(4, 15, 12)
    ok(world.approver.fire(number, "record_hearing", {"held_on": "2014-04-15",
                                                      "attended": False}))
    ok(world.approver2.fire(number, "decide_objection", {
        "outcome": "rejected", "reason": "Het draagvlak blijft onvoldoende aangetoond."}))
    text = pdf_text(decisions_of(number)[-1].pdf)
    assert ("Wij hebben u uitgenodigd om op 15 april 2014 te worden gehoord over uw bezwaar"
            in text)
    assert "U was niet aanwezig op de hoorzitting." in text
