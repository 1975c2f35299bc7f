"""Submitting with its on-screen receipt, the status page, answering a request for
information, and lodging an objection in and after its term."""

import re

import sqlalchemy as sa

from grants.extensions import db
from grants.models import Application, ApplicationState, AuditEvent, Objection
from tests.factories import consent_all
from tests.portal.conftest import draft_id, edit_form, error_for, pdf_bytes, summary_links


def application(number: int) -> Application:
    db.session.expire_all()
    return db.session.get(Application, number)


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def submit(applicant, world, number, **overrides):
    form = edit_form(application(number), world, action="submit", **overrides)
    return applicant.post(f"/portaal/aanvragen/{number}/bewerken", form)


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_submitting_shows_the_receipt_with_the_exact_moment(world, applicant, clock):
    number = draft_id(world)
    clock.advance(minutes=4, seconds=7, microseconds=250_000)
    response = submit(applicant, world, number)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(
        f"/portaal/aanvragen/{number}/ontvangstbevestiging")
    submitted = application(number)
    assert submitted.state == ApplicationState.SUBMITTED
    receipt = plain(applicant.text(response.headers["Location"]))
    assert "Uw aanvraag is ontvangen" in receipt
    assert "Kenmerk: SP-T2-00001" in receipt
    # 1 April 2014 07:04:07 UTC is 09:04:07 in Amsterdam (summer time).
    assert "Ontvangen op 1 april 2014 om 09:04:07" in receipt
    # 13 weeks after 31 May 2014: Saturday 30 August, so Monday 1 September.
    assert "Besluit uiterlijk 1 september 2014" in receipt
    assert "€ 500.166,66" in receipt


def test_an_incomplete_submission_is_kept_as_draft_with_each_gap_named(world, applicant):
    number = draft_id(world, partners=[], measures=[])
    response = submit(applicant, world, number, **{
        "partners-1-organisation": None, "partners-1-role": None,
        "measures-1-title": None, "measures-1-theme": None,
        "measures-1-eligible_cost": None, "measures-1-requested_subsidy": None,
        "measures-0-requested_subsidy": "600.000,00"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Uw aanvraag is nog niet ingediend: de aanvraag is niet volledig." in html
    assert "Wat u heeft ingevuld, is wel bewaard als concept." in html
    assert "ten hoogste € 500.000,00" in error_for(html, "measures-0-requested_subsidy")
    assert "ten minste 2 verschillende thema" in error_for(html, "measures")
    assert "werknemersorganisatie" in error_for(html, "partners")
    anchors = [anchor for anchor, _text in summary_links(html)]
    assert anchors == ["partners-error", "measures-error", "measures-0-requested_subsidy"]
    saved = application(number)
    assert saved.state == ApplicationState.DRAFT
    assert saved.details["measures"][0]["requested_subsidy"] == 60_000_000
    # The page carries the new version, so correcting and submitting again works.
    assert f'value="{saved.version}"' in html
    # The completed plan names the employees' organisation, which consents to it first.
    saved_form = edit_form(application(number), world)
    assert applicant.post(f"/portaal/aanvragen/{number}/bewerken", saved_form).status_code == 303
    consent_all(application(number))
    assert submit(applicant, world, number).status_code == 303
    assert application(number).state == ApplicationState.SUBMITTED


def test_a_submitted_application_is_no_longer_editable(world, applicant):
    number = draft_id(world)
    assert submit(applicant, world, number).status_code == 303
    response = applicant.get(f"/portaal/aanvragen/{number}/bewerken")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/portaal/aanvragen/{number}")
    again = submit(applicant, world, number)
    assert again.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 1


def test_the_status_page_shows_facts_deadlines_and_timeline(world, applicant):
    number = draft_id(world)
    submit(applicant, world, number)
    page = plain(applicant.text(f"/portaal/aanvragen/{number}"))
    assert "Ontvangen op 1 april 2014 om 09:00:00" in page
    assert "Besluit uiterlijk 1 september 2014" in page
    assert "Indienen : Ingediend, door applicant" in page
    assert "Er is nog geen besluit over deze aanvraag genomen." in page


def asked_for_information(world, applicant, reason="De begroting per maatregel ontbreekt."):
    number = draft_id(world)
    assert submit(applicant, world, number).status_code == 303
    ok(world.assessor.fire(number, "request_information", {"reason": reason}))
    return number


def test_an_information_request_is_shown_and_answered_with_an_attachment(
        world, applicant, clock):
    number = asked_for_information(world, applicant)
    page = plain(applicant.text(f"/portaal/aanvragen/{number}"))
    assert "Wij vragen u om informatie" in page
    assert "De begroting per maatregel ontbreekt." in page
    assert "Aanvullen kan tot en met 15 april 2014" in page
    assert "De termijn staat stil sinds 1 april 2014" in page
    assert "door het Ministerie van Sociale Zaken en Werkgelegenheid" in page

    clock.advance(days=3)
    response = applicant.post(f"/portaal/aanvragen/{number}/aanvullen", {
        "message": "De begroting staat in de bijlage.",
        "files": [(__import__("io").BytesIO(pdf_bytes()), "begroting 2014.pdf")]},
        content_type="multipart/form-data")
    assert response.status_code == 303
    answered = application(number)
    assert answered.state == ApplicationState.SUBMITTED
    event = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.trigger, event.reason) == ("provide_information",
                                              "De begroting staat in de bijlage.")
    page = plain(applicant.text(f"/portaal/aanvragen/{number}"))
    assert "begroting 2014.pdf" in page and "bij uw aanvulling" in page
    # Asked and answered while the window was open, before the decision term started: none
    # of those days stood still (Awb 4:15); still due Monday 1 September 2014.
    assert "Besluit uiterlijk 1 september 2014" in page


def test_an_answer_needs_a_message_and_pdfs_only(world, applicant):
    number = asked_for_information(world, applicant)
    response = applicant.post(f"/portaal/aanvragen/{number}/aanvullen", {
        "message": " ", "files": [(__import__("io").BytesIO(b"hello"), "notes.pdf")]},
        content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error_for(html, "message") == "Schrijf in een paar zinnen wat u heeft aangevuld."
    response = applicant.post(f"/portaal/aanvragen/{number}/aanvullen", {
        "message": "Zie bijlage.", "files": [(__import__("io").BytesIO(b"hello"), "notes.pdf")]},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "notes.pdf: Alleen PDF-bestanden" in error_for(response.get_data(as_text=True),
                                                          "files")
    assert application(number).state == ApplicationState.INCOMPLETE


def test_an_answer_that_leaves_the_application_incomplete_names_what_is_missing(
        world, applicant):
    number = asked_for_information(world, applicant)
    ok(world.applicant.call("PATCH", f"/applications/{number}", {"sector": None}))
    response = applicant.post(f"/portaal/aanvragen/{number}/aanvullen",
                              {"message": "Aangevuld."})
    assert response.status_code == 422
    page = plain(response.get_data(as_text=True))
    assert "Sector, branche of arbeidsmarktregio : Dit veld is verplicht." in page
    assert f'href="/portaal/aanvragen/{number}/bewerken#sector"' in response.get_data(
        as_text=True)
    assert application(number).state == ApplicationState.INCOMPLETE


def decided(world, applicant) -> int:
    number = draft_id(world)
    submit(applicant, world, number)
    ok(world.assessor.fire(number, "start_assessment"))
    ok(world.assessor.fire(number, "record_assessment",
                           {"recommendation": "negative", "reasoning": "Te algemeen."}))
    ok(world.approver.fire(number, "reject", {"reason": "De maatregelen zijn te algemeen."}))
    return number


def test_an_objection_within_its_term_is_recorded(world, applicant, clock):
    number = decided(world, applicant)
    page = plain(applicant.text(f"/portaal/aanvragen/{number}"))
    assert "U kunt tot en met 13 mei 2014 bezwaar maken" in page
    assert "Afwijzing, 1 april 2014" in page  # the decision letter, listed

    empty = applicant.post(f"/portaal/aanvragen/{number}/bezwaar", {"reason": ""})
    assert empty.status_code == 422
    assert error_for(empty.get_data(as_text=True), "reason") == \
        "Geef de gronden van uw bezwaar."

    clock.advance(weeks=6)  # 13 May: the last day
    response = applicant.post(f"/portaal/aanvragen/{number}/bezwaar",
                              {"reason": "De maatregelen zijn wel concreet: zie bijlage 2."})
    assert response.status_code == 303
    objection = db.session.scalars(sa.select(Objection)).one()
    assert objection.reason == "De maatregelen zijn wel concreet: zie bijlage 2."
    page = plain(applicant.text(f"/portaal/aanvragen/{number}"))
    assert "Bezwaar ontvangen op 13 mei 2014" in page
    assert "Wij beslissen uiterlijk 24 juni 2014 op uw bezwaar." in page
    assert "Bezwaar indienen" not in page  # one objection at a time


def test_a_late_objection_is_explained_and_recorded_as_late(world, applicant, clock):
    number = decided(world, applicant)
    clock.advance(weeks=6, days=1)
    page = plain(applicant.text(f"/portaal/aanvragen/{number}"))
    assert "De termijn om bezwaar te maken is verstreken op 13 mei 2014" in page
    assert "artikel 6:11" in page
    response = applicant.post(f"/portaal/aanvragen/{number}/bezwaar",
                              {"reason": "Ik was op vakantie."})
    assert response.status_code == 303
    objection = db.session.scalars(sa.select(Objection)).one()
    assert objection.late and objection.lodged_at == clock()
    page = plain(applicant.text(f"/portaal/aanvragen/{number}"))
    assert "Bezwaar ontvangen op 14 mei 2014" in page
    assert "Ontvangen na het einde van de bezwaartermijn." in page
    assert "Bezwaar indienen" not in page
