"""The applicant's own file: withdrawing a submitted application, deleting a draft, seeing and
downloading exactly what was sent with its receipt, and the payments of a grant."""

import hashlib
import io
import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationState,
    Attachment,
    AuditEvent,
    BudgetLine,
    LedgerEntry,
    Ministry,
    Submission,
)
from grants.services.receipts import mask_iban
from tests.payments.conftest import EMPLOYERS_IBAN, Grants, pay_run
from tests.portal.conftest import draft_id, edit_form, pdf_bytes
from tests.workflows.scenarios import PARTLY


def application(number: int) -> Application | None:
    db.session.expire_all()
    return db.session.get(Application, number)


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def submit_on_the_portal(web, world, number, **overrides):
    form = edit_form(application(number), world, action="submit", **overrides)
    response = web.post(f"/portaal/aanvragen/{number}/bewerken", form)
    assert response.status_code == 303, response.get_data(as_text=True)


def upload(web, number, body: bytes, name: str):
    response = web.post(f"/portaal/aanvragen/{number}/bijlagen",
                        {"file": (io.BytesIO(body), name)}, content_type="multipart/form-data")
    assert response.status_code in (200, 303), response.get_data(as_text=True)


def ledger(number: int) -> list[tuple]:
    return [(k.value, b.value if b else None, a, c) for k, b, a, c in db.session.execute(
        sa.select(LedgerEntry.kind, LedgerEntry.bucket, LedgerEntry.amount_cents,
                  LedgerEntry.cause).where(LedgerEntry.application_id == number)
        .order_by(LedgerEntry.id))]


def audit(number: int) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.application_id == number).order_by(AuditEvent.id)))


def assessed_positively(world) -> int:
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(world.applicant.fire(number, "submit"))
    ok(world.assessor.fire(number, "start_assessment"))
    ok(world.assessor.fire(number, "record_assessment",
                           {"recommendation": "positive", "reasoning": "Goed plan."}))
    return number


# -- withdrawing ------------------------------------------------------------------------------

def test_withdrawing_stops_the_application_and_releases_what_was_reserved(
        world, applicant, schemes, clock):
    scheme = schemes["sectorplan"]
    scheme.rules = {**scheme.rules, "reserve_on_positive_assessment": True}
    db.session.commit()
    number = assessed_positively(world)
    # The sector plan asks € 500.000,00 + € 166,66 = € 500.166,66, reserved when assessed.
    assert ledger(number) == [("reserve", None, 500_166_66, "record_assessment")]

    status = plain(applicant.text(f"/portaal/aanvragen/{number}"))
    assert "Aanvraag intrekken" in status
    page = plain(applicant.text(f"/portaal/aanvragen/{number}/intrekken"))
    assert "De behandeling van uw aanvraag stopt." in page
    assert "Voor uw aanvraag is € 500.166,66 gereserveerd." in page

    clock.advance(days=2)
    response = applicant.post(f"/portaal/aanvragen/{number}/intrekken", {
        "reason": "Wij voeren het plan niet meer uit.",
        "version": str(application(number).version)})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/portaal/aanvragen/{number}")

    withdrawn = application(number)
    assert withdrawn.state == ApplicationState.WITHDRAWN
    last = audit(number)[-1]
    assert (last.trigger, last.from_state, last.to_state) == (
        "withdraw", ApplicationState.ASSESSED, ApplicationState.WITHDRAWN)
    assert last.actor_id == world.applicant.user.id
    assert last.reason == "Wij voeren het plan niet meer uit."
    assert last.at == clock()
    # Released in full: the reservation of € 500.166,66 comes back, T2 holds nothing for it.
    assert ledger(number)[-1] == ("release", "reserved", 500_166_66, "withdraw")
    t2 = db.session.scalars(sa.select(BudgetLine).where(BudgetLine.code == "T2")).one()
    assert t2.reserved_cents == 0

    after = plain(applicant.text(f"/portaal/aanvragen/{number}"))
    assert f"Aanvraag {withdrawn.reference} is ingetrokken." in after
    assert "Aanvraag intrekken" not in after
    # Not offered any more, so the form is not shown again either.
    again = applicant.get(f"/portaal/aanvragen/{number}/intrekken")
    assert again.status_code == 303


def test_withdrawing_is_offered_only_when_it_can_succeed(world, applicant):
    draft = draft_id(world)
    page = plain(applicant.text(f"/portaal/aanvragen/{draft}"))
    assert "Aanvraag intrekken" not in page  # a draft is deleted, not withdrawn
    assert "Concept verwijderen" in page
    assert applicant.get(f"/portaal/aanvragen/{draft}/intrekken").status_code == 303

    number = assessed_positively(world)
    ok(world.approver.fire(number, "approve", {"amount": "400000.00", **PARTLY}))
    decided = plain(applicant.text(f"/portaal/aanvragen/{number}"))
    assert "Aanvraag intrekken" not in decided
    events = len(audit(number))
    response = applicant.post(f"/portaal/aanvragen/{number}/intrekken", {"reason": "Toch niet"})
    assert response.status_code == 303
    assert application(number).state == ApplicationState.APPROVED
    assert len(audit(number)) == events


def test_a_withdrawal_of_a_changed_application_is_refused(world, applicant):
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(world.applicant.fire(number, "submit"))
    seen = application(number).version
    ok(world.assessor.fire(number, "start_assessment"))
    response = applicant.post(f"/portaal/aanvragen/{number}/intrekken",
                              {"reason": "", "version": str(seen)})
    assert response.status_code == 303
    assert application(number).state == ApplicationState.IN_ASSESSMENT
    page = plain(applicant.text(f"/portaal/aanvragen/{number}"))
    assert "De aanvraag is niet ingetrokken" in page


def test_another_organisation_cannot_withdraw(world, applicant, session_for):
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(world.applicant.fire(number, "submit"))
    other = session_for(world.rif_applicant.user)
    assert other.get(f"/portaal/aanvragen/{number}/intrekken").status_code == 404
    assert other.post(f"/portaal/aanvragen/{number}/intrekken", {"reason": "x"}) \
        .status_code == 404
    assert application(number).state == ApplicationState.SUBMITTED


# -- deleting a draft -------------------------------------------------------------------------

def test_a_draft_is_deleted_with_its_attachments_after_confirmation(world, applicant):
    number = draft_id(world)
    upload(applicant, number, pdf_bytes(), "begroting.pdf")
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 1
    reference = application(number).reference

    page = plain(applicant.text(f"/portaal/aanvragen/{number}/verwijderen"))
    assert "Concept verwijderen" in page
    assert "begroting.pdf" in page
    assert application(number) is not None  # asking is not deleting

    response = applicant.post(f"/portaal/aanvragen/{number}/verwijderen")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/portaal/")
    assert application(number) is None
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0
    assert f"Concept {reference} is verwijderd" in plain(applicant.text("/portaal/"))


def test_only_a_draft_can_be_deleted(world, applicant):
    number = draft_id(world)
    submit_on_the_portal(applicant, world, number)
    assert applicant.get(f"/portaal/aanvragen/{number}/verwijderen").status_code == 303
    response = applicant.post(f"/portaal/aanvragen/{number}/verwijderen")
    assert response.status_code == 303
    assert application(number).state == ApplicationState.SUBMITTED


def test_another_organisations_draft_is_not_found(world, applicant, session_for):
    number = draft_id(world)
    other = session_for(world.rif_applicant.user)
    assert other.get(f"/portaal/aanvragen/{number}/verwijderen").status_code == 404
    assert other.post(f"/portaal/aanvragen/{number}/verwijderen").status_code == 404
    assert application(number) is not None


# -- what was submitted -----------------------------------------------------------------------

def test_the_submitted_page_shows_what_was_sent_not_what_was_changed_since(
        world, applicant, clock):
    number = draft_id(world)
    plan = pdf_bytes(2)
    upload(applicant, number, plan, "plan van aanpak.pdf")
    submit_on_the_portal(applicant, world, number)
    ok(world.assessor.fire(number, "request_information",
                           {"reason": "De begroting per maatregel ontbreekt."}))
    # While incomplete the fields are editable again: today's title and amount differ.
    changed = edit_form(application(number), world, action="save", title="Gewijzigde titel",
                        **{"measures-0-requested_subsidy": "400.000,00"})
    assert applicant.post(f"/portaal/aanvragen/{number}/bewerken", changed).status_code == 303
    assert application(number).title == "Gewijzigde titel"

    page = plain(applicant.text(f"/portaal/aanvragen/{number}/ingediend"))
    assert "Wat u heeft ingediend" in page
    assert "Sectorplan metaal" in page and "Gewijzigde titel" not in page
    # As sent: € 500.000,00 + € 166,66 requested.
    assert "€ 500.166,66" in page
    assert "€ 400.000,00" not in page
    # 1 April 2014 07:00:00 UTC is 09:00:00 in Amsterdam (summer time).
    assert "Ontvangen op 1 april 2014 om 09:00:00" in page
    assert "Metaalwerkgevers" in page
    assert "plan van aanpak.pdf" in page
    assert hashlib.sha256(plan).hexdigest() in page
    status = plain(applicant.text(f"/portaal/aanvragen/{number}"))
    assert "Wat u heeft ingediend" in status


def test_an_answer_is_frozen_too_and_each_version_can_be_seen(world, applicant, clock):
    number = draft_id(world)
    submit_on_the_portal(applicant, world, number)
    ok(world.assessor.fire(number, "request_information", {"reason": "Graag een begroting."}))
    changed = edit_form(application(number), world, action="save", title="Aangevuld plan")
    assert applicant.post(f"/portaal/aanvragen/{number}/bewerken", changed).status_code == 303
    clock.advance(days=3)
    answer = applicant.post(f"/portaal/aanvragen/{number}/aanvullen", {
        "message": "De begroting staat in de bijlage.",
        "files": [(io.BytesIO(pdf_bytes()), "begroting.pdf")]},
        content_type="multipart/form-data")
    assert answer.status_code == 303

    copies = list(db.session.scalars(sa.select(Submission).where(
        Submission.application_id == number).order_by(Submission.id)))
    assert [(c.trigger, c.title) for c in copies] == [
        ("submit", "Sectorplan metaal"), ("provide_information", "Aangevuld plan")]
    assert [a["filename"] for a in copies[1].attachments] == ["begroting.pdf"]
    newest = plain(applicant.text(f"/portaal/aanvragen/{number}/ingediend"))
    assert "Aangevuld plan" in newest and "Aanvulling verstuurd" in newest
    # The receipt's moment stays the first submission's (Awb 4:3a): 1 April 2014 09:00:00.
    assert "Ontvangen op 1 april 2014 om 09:00:00" in newest
    first = plain(applicant.text(
        f"/portaal/aanvragen/{number}/ingediend?versie={copies[0].id}"))
    assert "Sectorplan metaal" in first and "Aangevuld plan" not in first


def test_the_pdf_holds_the_receipt_and_what_was_sent(world, applicant):
    number = draft_id(world)
    plan = pdf_bytes()
    upload(applicant, number, plan, "plan.pdf")
    submit_on_the_portal(applicant, world, number)
    response = applicant.get(f"/portaal/aanvragen/{number}/ingediend.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "Ontvangstbevestiging" in text
    assert "SP-T2-00001" in text
    assert "1 april 2014 om 09:00:00" in text
    assert "Metaalwerkgevers" in text
    sent = application(number)
    assert f"Regeling {sent.scheme.name}" in text
    assert f"Tijdvak {sent.window.name}" in text
    assert "€ 500.166,66" in text
    assert "plan.pdf" in text
    # A 64-digit hash may be broken over lines in the PDF; compare without the breaks.
    assert hashlib.sha256(plan).hexdigest() in text.replace(" ", "")


def test_what_was_submitted_is_for_the_organisation_only(world, applicant, session_for):
    number = draft_id(world)
    # Nothing was sent yet: nothing to show.
    assert applicant.get(f"/portaal/aanvragen/{number}/ingediend").status_code == 404
    submit_on_the_portal(applicant, world, number)
    other = session_for(world.rif_applicant.user)
    assert other.get(f"/portaal/aanvragen/{number}/ingediend").status_code == 404
    assert other.get(f"/portaal/aanvragen/{number}/ingediend.pdf").status_code == 404
    copy = db.session.scalars(sa.select(Submission)).one()
    # Naming the copy does not step around the scope either.
    assert other.get(f"/portaal/aanvragen/{number}/ingediend?versie={copy.id}") \
        .status_code == 404


# -- payments -----------------------------------------------------------------------------------

def test_iban_is_masked_but_for_the_country_and_the_last_four():
    # NL91ABNA0417164300: 18 characters, the 12 between country code and last four hidden.
    assert mask_iban(EMPLOYERS_IBAN) == "NL** **** **** **43 00"
    assert mask_iban("nl91 abna 0417 1643 00") == "NL** **** **** **43 00"
    assert mask_iban("") == ""


@pytest.fixture
def granted(world, clock):
    world.employers.iban = EMPLOYERS_IBAN
    db.session.commit()
    return Grants(world, clock)


def test_the_payments_page_shows_schedule_paid_and_still_to_come(
        world, applicant, granted, clock):
    # Granted € 450.000,00 on 10 April 2014; the plan runs 1 July 2014 – 31 December 2015:
    # 18 months, half-yearly, 80% = € 360.000,00 in three instalments of € 120.000,00 on
    # 1 July 2014, 1 January 2015 and 1 July 2015.
    number = granted.sector_plan("450000.00")
    clock.moment = datetime(2014, 7, 1, 10, tzinfo=UTC)  # a Tuesday: a TARGET2 business day
    pay_run(world, clock, Ministry.SZW, date(2014, 7, 1))
    db.session.commit()

    page = plain(applicant.text(f"/portaal/aanvragen/{number}/betalingen"))
    assert "Voorschotten volgens het betaalschema" in page
    assert "1 van 3 1 juli 2014 € 120.000,00 betaald" in page
    assert "2 van 3 1 januari 2015 € 120.000,00 nog te betalen" in page
    assert "3 van 3 1 juli 2015 € 120.000,00 nog te betalen" in page
    # Paid: the first instalment, executed the day of the run, to the masked account.
    assert "1 juli 2014 voorschot 1 van 3 € 120.000,00 NL** **** **** **43 00" in page
    assert EMPLOYERS_IBAN not in page and "0417 1643" not in page
    # Still to come: 2 × € 120.000,00 = € 240.000,00.
    assert "Nog te ontvangen € 240.000,00" in page
    assert "1 januari 2015 voorschot 2 van 3 € 120.000,00" in page
    assert "Ontvangen € 120.000,00" in page
    status = plain(applicant.text(f"/portaal/aanvragen/{number}"))
    assert "Betalingen" in status


def test_payments_are_for_the_organisation_only(world, granted, session_for):
    number = granted.sector_plan()
    other = session_for(world.rif_applicant.user)
    assert other.get(f"/portaal/aanvragen/{number}/betalingen").status_code == 404
