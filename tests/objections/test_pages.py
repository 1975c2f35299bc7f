"""The approver decides objections and extends their term on the file's action pages."""

import sqlalchemy as sa

from grants.extensions import db
from grants.models import Objection
from tests.assess.conftest import application, ok, post, text
from tests.objections.conftest import waive_hearing
from tests.objections.test_objections import rejected_rif, rejected_sector_plan


def test_a_late_objection_is_declared_inadmissible_or_decided_when_excused(
        world, clock, login_as):
    number = rejected_sector_plan(world, clock)
    clock.advance(weeks=6, days=2)
    ok(world.applicant.fire(number, "lodge_objection", {"reason": "Ik was met vakantie."}))
    client = login_as(world.approver2.user)
    path = f"/beoordelen/aanvragen/{number}/handeling/decide_objection"
    # Not before the objector is heard or the hearing waived (Awb 7:2): not offered till then.
    assert path not in client.get(f"/aanvragen/{number}").get_data(as_text=True)
    waive_hearing(world, number)
    assert path in client.get(f"/aanvragen/{number}").get_data(as_text=True)
    page = text(client.get(path))
    for label in ("Niet-ontvankelijk", "Waarom is de termijnoverschrijding verschoonbaar?",
                  "Nieuw te verlenen bedrag"):
        assert label in page

    response = post(client, path, {"outcome": "rejected", "reason": "Geen draagvlak.",
                                   "confirm": "y"})
    assert response.status_code == 422
    assert "Verklaar het niet-ontvankelijk" in text(response)
    assert db.session.scalars(sa.select(Objection)).one().outcome is None

    response = post(client, path, {
        "outcome": "rejected", "reason": "Het draagvlak blijft onvoldoende.",
        "lateness_excused": "De aanvrager lag in het ziekenhuis.", "confirm": "y"})
    assert response.status_code == 303
    objection = db.session.scalars(sa.select(Objection)).one()
    assert (objection.outcome.value, objection.lateness_excused) == (
        "rejected", "De aanvrager lag in het ziekenhuis.")
    assert application(number).state.value == "rejected"


def test_the_approver_extends_the_term_and_upholds_with_a_grant(world, clock, login_as):
    number = rejected_rif(world, clock)
    ok(world.rif_applicant.fire(number, "lodge_objection", {"reason": "Wel voldoende."}))
    client = login_as(world.approver2.user)
    extend = f"/beoordelen/aanvragen/{number}/handeling/extend_objection_term"
    assert extend in client.get(f"/aanvragen/{number}").get_data(as_text=True)
    response = post(client, extend, {"reason": "Advies van de commissie nodig.", "confirm": "y"})
    assert response.status_code == 303
    assert db.session.scalars(sa.select(Objection)).one().extended_at is not None
    # Once only: the file no longer offers it.
    assert extend not in client.get(f"/aanvragen/{number}").get_data(as_text=True)

    waive_hearing(world, number)
    decide = f"/beoordelen/aanvragen/{number}/handeling/decide_objection"
    response = post(client, decide, {"outcome": "upheld", "reason": "Toch voldoende.",
                                     "new_amount": "600.000,00", "confirm": "y"})
    assert response.status_code == 422
    assert "Er kan niet meer worden verleend dan is aangevraagd" in text(response)
    response = post(client, decide, {"outcome": "upheld", "reason": "Toch voldoende.",
                                     "new_amount": "", "confirm": "y"})
    assert response.status_code == 303
    approved = application(number)
    assert (approved.state.value, approved.granted_cents) == ("approved", 500_000_00)
