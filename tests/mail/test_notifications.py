"""Which notifications transitions write, to whom, and what they say; none when rolled back."""

from datetime import UTC, datetime

import pytest

from grants.extensions import db
from grants.models import Application, MailKind, Role
from grants.services.applications import create_application, fire_trigger
from tests.conftest import START
from tests.decisions.conftest import ok
from tests.factories import UserFactory, consent_all
from tests.mail.conftest import one_line, outbox

R = MailKind


@pytest.fixture
def colleagues(world):
    """Besides world.applicant: an active colleague, a blocked one, and staff who get nothing."""
    UserFactory(organisation=world.employers, email="collega@metaalwerkgevers.nl",
                name="Carla Collega")
    UserFactory(organisation=world.employers, email="vertrokken@metaalwerkgevers.nl",
                active=False)
    return sorted([world.applicant.user.email, "collega@metaalwerkgevers.nl"])


def test_a_submission_is_confirmed_to_the_organisations_active_applicants(
        world, clock, colleagues):
    clock.moment = START.replace(second=7)  # receipt to the second: 09:00:07 in Amsterdam
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    assert outbox() == []  # a draft is nobody's business yet
    ok(world.applicant.fire(number, "submit"))

    mails = outbox(R.RECEIPT, number)
    assert sorted(mail.recipient for mail in mails) == colleagues
    assert outbox() == mails  # the outsider, the staff and the blocked colleague get nothing
    reference = db.session.get(Application, number).reference
    carla = next(mail for mail in mails if mail.recipient.startswith("collega"))
    assert carla.subject == f"Ontvangstbevestiging aanvraag {reference}"
    assert carla.body.startswith("Beste Carla Collega,\n")
    body = one_line(carla.body)
    for fact in (f"Kenmerk: {reference}", "Titel: Sectorplan metaal",
                 "Regeling: Cofinanciering sectorplannen", "Aangevraagd: € 500.166,66",
                 "Ontvangen op: 1 april 2014 om 09:00:07 (Nederlandse tijd)",
                 "Wij beslissen uiterlijk op 1 september 2014.",
                 f"http://127.0.0.1:5000/portaal/aanvragen/{number}",
                 "Ministerie van Sociale Zaken en Werkgelegenheid"):
        assert fact in body, fact
    assert all(mail.sent_at is not None for mail in mails)  # sent after the commit


def test_a_request_for_information_says_what_is_asked_and_until_when(world, clock):
    clock.moment = START
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(world.applicant.fire(number, "submit"))
    clock.advance(days=2)
    ok(world.assessor.fire(number, "request_information", {
        "reason": "Stuur de begroting per maatregel mee.", "repair_due_on": "2014-04-17"}))

    (mail,) = outbox(R.INFORMATION_REQUESTED, number)
    reference = db.session.get(Application, number).reference
    assert mail.recipient == world.applicant.user.email
    assert mail.subject == f"Aanvulling nodig: aanvraag {reference}"
    body = one_line(mail.body)
    for fact in ("Wat wij vragen: Stuur de begroting per maatregel mee.",
                 "Vul de aanvraag aan tot en met 17 april 2014.",
                 f"http://127.0.0.1:5000/portaal/aanvragen/{number}"):
        assert fact in body, fact


@pytest.mark.parametrize(("walk", "expected"), [
    ("granted", [("verlening", "/1", "€ 450.000,00")]),
    ("settled", [("verlening", "/1", "€ 450.000,00"), ("vaststelling", "/2", "€ 300.000,00"),
                 ("terugvordering", "/3", "€ 60.000,00")]),
    ("rejected", [("afwijzing", "/1", None)]),
    ("not_processed", [("buiten behandeling", "/1", None)]),
])
def test_every_decision_is_announced_with_a_link_to_its_letter(world, steps, walk, expected):
    number = {"granted": steps.granted,
              "settled": lambda: steps.settled("360000.00", "300000.00"),
              "rejected": lambda: steps.rejected("De maatregelen passen niet bij de regeling."),
              "not_processed": steps.not_processed}[walk]()
    reference = db.session.get(Application, number).reference
    mails = outbox(R.DECISION, number)
    assert [(m.subject, m.recipient) for m in mails] == [
        (f"Besluit over aanvraag {reference}: {kind}", world.applicant.user.email)
        for kind, _, _ in expected]
    for mail, (kind, suffix, amount) in zip(mails, expected, strict=True):
        body = one_line(mail.body)
        assert f"Kenmerk: {reference}{suffix}" in body
        assert f"Soort besluit: {kind.capitalize()}" in body
        assert (f"Bedrag: {amount}" in body) if amount else ("Bedrag:" not in body)
        assert ("De besluitbrief kunt u downloaden op de pagina van de aanvraag: "
                f"http://127.0.0.1:5000/portaal/aanvragen/{number}") in body
        assert "bezwaar maken" in body


def test_a_grant_names_its_date_and_the_objection_term_in_dutch(world, steps):
    number = steps.granted()  # approved 10 April 2014; objection term six weeks
    (mail,) = outbox(R.DECISION, number)
    body = one_line(mail.body)
    assert "Op 10 april 2014 is een besluit genomen" in body
    assert "Besluit: u krijgt subsidie." in body
    assert "tot en met 22 mei 2014 bezwaar maken" in body


def test_a_direct_settlement_by_finance_reaches_the_employer(world, steps):
    number = steps.praktijkleren_settled()
    (mail,) = outbox(R.DECISION, number)
    assert mail.recipient == world.employer_applicant.user.email
    assert mail.subject.endswith(": directe vaststelling")
    assert "Ministerie van Onderwijs, Cultuur en Wetenschap" in mail.body


def test_the_services_the_pages_call_write_the_same_mails(world, clock):
    """Portal and assessor pages fire triggers through the services, not the API: the hooks
    sit on what every transition writes, so their actions notify just the same."""
    clock.moment = START
    application = create_application(world.applicant.user, world.sectorplan(), clock())
    consent_all(application)
    fire_trigger(application.id, "submit", world.applicant.user, {}, clock())
    fire_trigger(application.id, "request_information", world.assessor.user,
                 {"reason": "Welke partners doen mee?"}, clock())
    db.session.commit()
    assert [mail.kind for mail in outbox(application_id=application.id)] == [
        R.RECEIPT, R.INFORMATION_REQUESTED]
    assert all(mail.sent_at is not None for mail in outbox())


def test_a_refused_transition_writes_no_mail(world, clock):
    clock.moment = START
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(world.applicant.fire(number, "submit"))
    before = outbox()
    refused = world.assessor.fire(number, "request_information", {
        "reason": "Stuur de begroting mee.", "repair_due_on": "2014-03-01"})
    assert refused.status_code == 422
    assert world.applicant.fire(number, "submit").status_code == 409
    assert outbox() == before


def test_a_rolled_back_transaction_takes_its_mail_with_it(world, clock, mail_folder):
    clock.moment = START
    application = create_application(world.applicant.user, world.sectorplan(), clock())
    consent_all(application)
    application_id = application.id
    fire_trigger(application_id, "submit", world.applicant.user, {}, clock())
    assert [mail.kind for mail in outbox(application_id=application_id)] == [R.RECEIPT]
    db.session.rollback()  # e.g. a later step of the same request failed

    assert outbox() == []
    db.session.commit()  # a later commit has nothing to send for it
    assert not mail_folder.exists() or list(mail_folder.iterdir()) == []


def test_a_failed_firing_inside_a_larger_transaction_leaves_no_mail(world, clock):
    """A savepoint rolled back (as an allocation run does for one refused application)."""
    clock.moment = datetime(2014, 4, 1, 7, tzinfo=UTC)
    first = create_application(world.applicant.user, world.sectorplan(), clock())
    second = create_application(world.applicant.user, world.sectorplan(), clock())
    consent_all(first)
    consent_all(second)
    with pytest.raises(RuntimeError), db.session.begin_nested():
        fire_trigger(first.id, "submit", world.applicant.user, {}, clock())
        raise RuntimeError("the rest of this step failed")
    fire_trigger(second.id, "submit", world.applicant.user, {}, clock())
    db.session.commit()
    assert [(mail.application_id, mail.kind) for mail in outbox()] == [(second.id, R.RECEIPT)]


def test_only_applicants_of_the_organisation_are_written_to(world, clock):
    staff_in_organisation = UserFactory(role=Role.ASSESSOR, organisation=world.employers)
    clock.moment = START
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(world.applicant.fire(number, "submit"))
    recipients = {mail.recipient for mail in outbox()}
    assert recipients == {world.applicant.user.email}
    assert staff_in_organisation.email not in recipients
