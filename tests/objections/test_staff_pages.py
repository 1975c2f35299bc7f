"""Staff take the objection steps on pages of their own: a paper objection registered with its
scanned letter, the hearing invited and held with its minutes, or waived; the approver ticks the
error of the authority when upholding. Dutch pages, labelled fields, refusals at their field.

The sector plan is rejected on Tuesday 1 April 2014; objections until Tuesday 13 May 2014.
"""

import io
from datetime import date, datetime

import sqlalchemy as sa

from grants.extensions import db
from grants.models import Attachment, AuditEvent, Objection
from grants.timefmt import AMSTERDAM
from tests.assess.conftest import post, text
from tests.conftest import login
from tests.decisions.conftest import decisions_of, ok, pdf_text
from tests.objections.test_objections import rejected_sector_plan
from tests.portal.conftest import pdf_bytes


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2014, month, day, hour, tzinfo=AMSTERDAM)


def objection() -> Objection:
    db.session.expire_all()
    return db.session.scalars(sa.select(Objection)).one()


def test_an_assessor_registers_a_paper_objection_with_its_scan(world, clock, login_as):
    number = rejected_sector_plan(world, clock)
    clock.moment = at(5, 14)
    client = login_as(world.assessor.user)
    path = f"/beoordelen/aanvragen/{number}/bezwaarbrief"
    assert path in client.get(f"/aanvragen/{number}").get_data(as_text=True)
    page = text(client.get(path))
    for label in ("Datum van ontvangst", "Datum van het poststempel", "Gronden van het bezwaar",
                  "De gescande bezwaarbrief (PDF)", "artikel 6:9 Awb"):
        assert label in page, label

    form = {"received_on": "2014-05-12", "postmarked_on": "2014-05-09",
            "reason": "Het draagvlak is wel aangetoond.", "costs_requested": "y",
            "confirm": "y"}
    not_pdf = post(client, path, {**form, "letter": (io.BytesIO(b"GIF89a"), "brief.pdf")})
    assert not_pdf.status_code == 422
    assert "Alleen PDF-bestanden" in text(not_pdf)
    future = post(client, path, {**form, "received_on": "2014-05-15",
                                 "letter": (io.BytesIO(pdf_bytes()), "brief.pdf")})
    assert future.status_code == 422 and "niet na vandaag" in text(future)
    assert db.session.scalars(sa.select(Objection)).first() is None
    assert db.session.scalars(sa.select(Attachment)).first() is None  # nothing kept

    done = post(client, path, {**form, "letter": (io.BytesIO(pdf_bytes()), "brief.pdf")})
    assert done.status_code == 303, text(done)
    registered = objection()
    assert (registered.on_paper, registered.received_on, registered.postmarked_on,
            registered.late, registered.costs_requested) == (
        True, date(2014, 5, 12), date(2014, 5, 9), False, True)
    scan = db.session.get(Attachment, registered.letter_attachment_id)
    assert scan.application_id == number and scan.uploaded_by_id == world.assessor.user.id
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.trigger == "lodge_objection")).one()
    assert event.actor_id == world.assessor.user.id and event.data["on_paper"] is True


def signed_in(app, user):
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    return client


def test_the_hearing_is_held_with_minutes_and_the_approver_upholds_with_costs(
        world, clock, login_as, app):
    number = rejected_sector_plan(world, clock)
    clock.moment = at(4, 8)
    ok(world.applicant.fire(number, "lodge_objection", {
        "reason": "Het draagvlak is aangetoond.", "costs_requested": True}))
    client = login_as(world.assessor.user)
    invite = f"/beoordelen/aanvragen/{number}/hoorzitting/uitnodigen"
    assert invite in client.get(f"/aanvragen/{number}").get_data(as_text=True)
    refused = post(client, invite, {"hearing_at": "2014-04-22T14:00", "place": "",
                                    "confirm": "y"})
    assert refused.status_code == 422 and "Geef de plaats" in text(refused)
    assert post(client, invite, {"hearing_at": "2014-04-22T14:00",
                                 "place": "Parnassusplein 5, Den Haag",
                                 "confirm": "y"}).status_code == 303
    assert objection().hearing_at == datetime(2014, 4, 22, 14, tzinfo=AMSTERDAM)

    clock.moment = at(4, 22, 16)
    held = f"/beoordelen/aanvragen/{number}/hoorzitting/gehouden"
    no_minutes = post(client, held, {"held_on": "2014-04-22", "attended": "y", "confirm": "y"})
    assert no_minutes.status_code == 422 and "Voeg het verslag" in text(no_minutes)
    assert post(client, held, {"held_on": "2014-04-22", "attended": "y", "confirm": "y",
                               "minutes": (io.BytesIO(pdf_bytes()), "verslag.pdf")}
                ).status_code == 303
    assert objection().hearing_held_on == date(2014, 4, 22)
    assert objection().hearing_minutes_id is not None

    approver = signed_in(app, world.approver2.user)
    decide = f"/beoordelen/aanvragen/{number}/handeling/decide_objection"
    assert "Herroepen wegens onrechtmatigheid door het bestuursorgaan" in text(
        approver.get(decide))
    clock.moment = at(4, 29)
    assert post(approver, decide, {"outcome": "upheld", "reason": "Het draagvlak is aangetoond.",
                                   "authority_error": "y", "new_amount": "",
                                   "confirm": "y"}).status_code == 303
    # 2 points (objection, hearing attended) × € 245,00 = € 490,00.
    assert objection().costs_cents == 490_00
    on_objection = [d for d in decisions_of(number) if d.kind.value == "objection"][0]
    letter = pdf_text(on_objection.pdf)
    for fact in ("Wij hebben u op 22 april 2014 gehoord",
                 "Het verslag van de hoorzitting hoort bij het dossier", "€ 490,00"):
        assert fact in letter, f"{fact!r} missing:\n{letter}"


def test_the_hearing_is_waived_with_its_ground(world, clock, login_as):
    number = rejected_sector_plan(world, clock)
    clock.moment = at(4, 8)
    ok(world.applicant.fire(number, "lodge_objection", {"reason": "Draagvlak is aangetoond."}))
    client = login_as(world.approver.user)
    waive = f"/beoordelen/aanvragen/{number}/hoorzitting/afzien"
    page = text(client.get(waive))
    assert "Het bezwaar is kennelijk ongegrond (artikel 7:3, onder b, Awb)" in page
    missing = post(client, waive, {"reason": "", "confirm": "y"})
    assert missing.status_code == 422 and "Kies waarom van horen wordt afgezien" in text(missing)
    assert post(client, waive, {"ground": "objector_waived",
                                "reason": "Per e-mail van 9 april 2014.",
                                "confirm": "y"}).status_code == 303
    assert objection().hearing_waived == "objector_waived"


def test_others_do_not_take_the_steps(world, clock, app):
    number = rejected_sector_plan(world, clock)
    path = f"/beoordelen/aanvragen/{number}/bezwaarbrief"
    assert signed_in(app, world.finance.user).get(path).status_code == 403
    assert signed_in(app, world.applicant.user).get(path).status_code == 403
