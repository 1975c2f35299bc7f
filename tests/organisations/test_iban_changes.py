"""A new IBAN waits until a second person confirms it: a colleague of the same organisation, or
staff (admin or finance), never the one who asked. Until then the organisation keeps its IBAN
and payment runs pay to it; every user of the organisation gets a mail at each step, with the
IBAN masked; every step is in the admin log."""

import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from grants.extensions import db
from grants.models import (
    AdminAction,
    AdminEvent,
    IbanChange,
    IbanChangeStatus,
    MailKind,
    Ministry,
    Organisation,
    OutgoingMail,
    Role,
)
from grants.payments.runs import due_payments
from tests.factories import UserFactory
from tests.payments.conftest import EMPLOYERS_IBAN, Grants, pay_run
from tests.portal.conftest import session_for  # noqa: F401  (a fixture)

PAGE = "/portaal/organisatie"
NEW_IBAN = "NL20INGB0001234567"
OTHER_IBAN = "NL44RABO0123456789"


def details(iban: str, **changes) -> dict:
    organisation = db.session.get(Organisation, changes.pop("organisation_id"))
    return {"contact_name": organisation.contact_name, "address": organisation.address,
            "postcode": organisation.postcode, "city": organisation.city, "iban": iban,
            **changes}


def current_iban(organisation_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Organisation, organisation_id).iban


def changes_of(organisation_id: int) -> list[IbanChange]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(IbanChange).where(
        IbanChange.organisation_id == organisation_id).order_by(IbanChange.id)))


def log_of(organisation_id: int) -> list[AdminEvent]:
    return list(db.session.scalars(sa.select(AdminEvent).where(
        AdminEvent.organisation_id == organisation_id).order_by(AdminEvent.id)))


def mails(kind: MailKind) -> list[OutgoingMail]:
    return list(db.session.scalars(sa.select(OutgoingMail).where(OutgoingMail.kind == kind)
                                   .order_by(OutgoingMail.recipient)))


@pytest.fixture
def employers(world):
    world.employers.iban = EMPLOYERS_IBAN
    db.session.commit()
    return world.employers


@pytest.fixture
def colleague(world, employers):
    return UserFactory(role=Role.APPLICANT, organisation=employers, name="Collega Carla",
                       email="carla@metaalwerkgevers.nl")


@pytest.fixture
def requester(world, employers, session_for):  # noqa: F811
    return session_for(world.applicant.user)


def request_change(browser, employers, iban: str = NEW_IBAN):
    return browser.post(PAGE, details(iban, organisation_id=employers.id))


@pytest.fixture
def pending(requester, employers, colleague) -> IbanChange:
    response = request_change(requester, employers, "NL20 INGB 0001 2345 67")
    assert response.status_code == 303, response.get_data(as_text=True)
    (change,) = changes_of(employers.id)
    return change


def action(change: IbanChange, step: str) -> str:
    return f"{PAGE}/iban/{change.id}/{step}"


def test_a_new_iban_waits_and_the_organisation_keeps_the_old_one(
        world, employers, pending, requester, clock):
    assert current_iban(employers.id) == EMPLOYERS_IBAN
    assert (pending.status, pending.old_iban, pending.new_iban) == (
        IbanChangeStatus.PENDING, EMPLOYERS_IBAN, NEW_IBAN)
    assert pending.requested_by_id == world.applicant.user.id
    assert pending.requested_at == clock()

    page = requester.text(PAGE)
    assert "Het nieuwe IBAN wacht op bevestiging" in page
    assert "Nieuw IBAN wacht op bevestiging" in page
    assert '<dd class="reference">NL91 ABNA 0417 1643 00</dd>' in page
    assert '<dd class="reference">NL20 INGB 0001 2345 67</dd>' in page
    # The form still holds the IBAN in force: saving the address again asks for nothing.
    assert 'value="NL91 ABNA 0417 1643 00"' in page

    (event,) = log_of(employers.id)
    assert event.action == AdminAction.IBAN_CHANGE_REQUESTED
    assert event.actor_id == world.applicant.user.id
    assert event.data == {"organisation": {"iban": ["**************4300",
                                                    "**************4567"]},
                          "iban_change": pending.id}


def test_other_details_change_at_once_beside_a_held_iban(world, employers, requester,
                                                          colleague):
    old_address = employers.address
    response = requester.post(PAGE, details(NEW_IBAN, organisation_id=employers.id,
                                            address="Postbus 20401"))
    assert response.status_code == 303
    db.session.expire_all()
    organisation = db.session.get(Organisation, employers.id)
    assert organisation.address == "Postbus 20401"
    assert organisation.iban == EMPLOYERS_IBAN
    assert [event.action for event in log_of(employers.id)] == [
        AdminAction.IBAN_CHANGE_REQUESTED, AdminAction.ORGANISATION_CHANGED]
    assert log_of(employers.id)[1].data == {"organisation": {
        "address": [old_address, "Postbus 20401"]}}


def test_a_payment_run_while_the_change_waits_pays_the_old_iban_and_after_it_the_new(
        world, employers, colleague, clock, session_for):  # noqa: F811
    granted = Grants(world, clock).sector_plan()
    request_change(session_for(world.applicant.user), employers)
    (change,) = changes_of(employers.id)

    clock.moment = datetime(2015, 1, 2, 9, tzinfo=UTC)
    run = pay_run(world, clock, Ministry.SZW, date(2015, 1, 1))
    assert run.lines and {line.application_id for line in run.lines} == {granted}
    assert {line.creditor_iban for line in run.lines} == {EMPLOYERS_IBAN}

    response = session_for(colleague).post(action(change, "bevestigen"))
    assert response.status_code == 303
    assert current_iban(employers.id) == NEW_IBAN
    later = due_payments(Ministry.SZW, date(2015, 12, 31), world.finance.user)
    assert later.lines
    assert {line.creditor_iban for line in later.lines} == {NEW_IBAN}


def test_a_colleague_confirms_and_the_new_iban_is_in_force(
        world, employers, pending, colleague, session_for, clock):  # noqa: F811
    browser = session_for(colleague)
    page = browser.text(PAGE)
    assert "Nieuw IBAN bevestigen" in page and "Wijziging afwijzen" in page
    assert "Wijziging intrekken" not in page

    clock.advance(hours=2)
    response = browser.post(action(pending, "bevestigen"))
    assert response.status_code == 303
    assert current_iban(employers.id) == NEW_IBAN
    (change,) = changes_of(employers.id)
    assert (change.status, change.decided_by_id, change.decided_at) == (
        IbanChangeStatus.CONFIRMED, colleague.id, clock())
    confirmed = log_of(employers.id)[-1]
    assert confirmed.action == AdminAction.IBAN_CHANGE_CONFIRMED
    assert confirmed.actor_id == colleague.id
    assert confirmed.data["organisation"] == {"iban": ["**************4300",
                                                       "**************4567"]}
    page = browser.text(PAGE)
    assert "Het nieuwe IBAN is bevestigd" in page
    assert "Nieuw IBAN wacht op bevestiging" not in page
    assert '<dd class="reference">NL20 INGB 0001 2345 67</dd>' in page


def test_the_requester_cannot_confirm_nor_reject_their_own_change(
        world, employers, pending, requester):
    page = requester.text(PAGE)
    assert "Nieuw IBAN bevestigen" not in page and "Wijziging afwijzen" not in page
    assert "Wijziging intrekken" in page
    assert requester.post(action(pending, "bevestigen")).status_code == 403
    assert requester.post(action(pending, "afwijzen"),
                          {"afwijzen-reason": "Toch niet."}).status_code == 403
    assert current_iban(employers.id) == EMPLOYERS_IBAN
    assert changes_of(employers.id)[0].status == IbanChangeStatus.PENDING


def test_a_colleague_rejects_with_a_reason_and_the_iban_stays(
        world, employers, pending, colleague, session_for):  # noqa: F811
    browser = session_for(colleague)
    response = browser.post(action(pending, "afwijzen"), {"afwijzen-reason": "  "})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    message = "Vul de reden in waarom u de wijziging van het IBAN afwijst."
    assert f'<a href="#afwijzen-reason">{message}</a>' in html
    assert 'id="afwijzen-reason-error"' in html
    assert changes_of(employers.id)[0].status == IbanChangeStatus.PENDING

    response = browser.post(action(pending, "afwijzen"),
                            {"afwijzen-reason": "Dit rekeningnummer kennen wij niet."})
    assert response.status_code == 303
    (change,) = changes_of(employers.id)
    assert (change.status, change.reason, change.decided_by_id) == (
        IbanChangeStatus.REJECTED, "Dit rekeningnummer kennen wij niet.", colleague.id)
    assert current_iban(employers.id) == EMPLOYERS_IBAN
    rejected = log_of(employers.id)[-1]
    assert rejected.action == AdminAction.IBAN_CHANGE_REJECTED
    assert rejected.reason == "Dit rekeningnummer kennen wij niet."


def test_every_active_user_gets_a_mail_with_the_iban_masked(
        world, employers, colleague, requester, session_for):  # noqa: F811
    gone = UserFactory(role=Role.APPLICANT, organisation=employers, active=False)
    request_change(requester, employers)
    requested = mails(MailKind.IBAN_CHANGE_REQUESTED)
    assert sorted(mail.recipient for mail in requested) == sorted(
        [world.applicant.user.email, colleague.email])
    assert gone.email not in {mail.recipient for mail in requested}
    for mail in requested:
        assert mail.subject == "Wijziging van het IBAN van Metaalwerkgevers aangevraagd"
        assert "NL** **** **** **45 67" in mail.body
        assert "NL** **** **** **43 00" in mail.body
        assert world.applicant.user.name in mail.body
        assert "/portaal/organisatie" in mail.body
        assert NEW_IBAN not in mail.body and "0001 2345" not in mail.body
        assert EMPLOYERS_IBAN not in mail.body and "0417 1643" not in mail.body

    (change,) = changes_of(employers.id)
    session_for(colleague).post(action(change, "bevestigen"))
    confirmed = mails(MailKind.IBAN_CHANGE_CONFIRMED)
    assert len(confirmed) == 2
    assert all("Collega Carla" in mail.body and "NL** **** **** **45 67" in mail.body
               and NEW_IBAN not in mail.body for mail in confirmed)


def test_the_rejection_mail_gives_the_reason(world, employers, pending, colleague,
                                             session_for):  # noqa: F811
    session_for(colleague).post(action(pending, "afwijzen"),
                                {"afwijzen-reason": "Onbekende rekening."})
    rejected = mails(MailKind.IBAN_CHANGE_REJECTED)
    assert len(rejected) == 2
    assert all("Reden:          Onbekende rekening." in mail.body
               and "Het IBAN blijft NL** **** **** **43 00" in mail.body
               for mail in rejected)


def test_one_change_waits_at_a_time(world, employers, pending, requester, colleague,
                                    session_for):  # noqa: F811
    for browser in (requester, session_for(colleague)):
        response = browser.post(PAGE, details(OTHER_IBAN, organisation_id=employers.id,
                                              address="Postbus 1"))
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert re.search(r"Er wacht al een wijziging van het IBAN naar NL20 INGB 0001 2345 "
                         r"67, aangevraagd door [^<]+ op [^<]+\. Die moet eerst worden "
                         r"bevestigd of afgewezen", html)
        assert 'href="#iban"' in html
    assert [change.new_iban for change in changes_of(employers.id)] == [NEW_IBAN]
    db.session.expire_all()
    assert db.session.get(Organisation, employers.id).address == employers.address
    # Asking for the same IBAN again is no second change.
    assert request_change(requester, employers).status_code == 303
    assert len(changes_of(employers.id)) == 1


def test_the_database_holds_one_pending_change_per_organisation(world, employers, pending):
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(IbanChange(organisation_id=employers.id, old_iban=EMPLOYERS_IBAN,
                                  new_iban=OTHER_IBAN, requested_by_id=world.applicant.user.id,
                                  requested_at=pending.requested_at))
        db.session.flush()


def test_the_requester_withdraws_and_may_then_ask_again(
        world, employers, pending, requester, colleague, session_for):  # noqa: F811
    assert session_for(colleague).post(action(pending, "intrekken")).status_code == 403
    response = requester.post(action(pending, "intrekken"))
    assert response.status_code == 303
    (change,) = changes_of(employers.id)
    assert change.status == IbanChangeStatus.WITHDRAWN
    assert current_iban(employers.id) == EMPLOYERS_IBAN
    assert log_of(employers.id)[-1].action == AdminAction.IBAN_CHANGE_WITHDRAWN
    assert len(mails(MailKind.IBAN_CHANGE_WITHDRAWN)) == 2
    assert "Nieuw IBAN wacht op bevestiging" not in requester.text(PAGE)

    assert request_change(requester, employers, OTHER_IBAN).status_code == 303
    assert [c.status for c in changes_of(employers.id)] == [IbanChangeStatus.WITHDRAWN,
                                                            IbanChangeStatus.PENDING]


def test_a_decided_change_cannot_be_decided_again(world, employers, pending, colleague,
                                                  session_for, requester):  # noqa: F811
    browser = session_for(colleague)
    browser.post(action(pending, "bevestigen"))
    response = browser.post(action(pending, "afwijzen"), {"afwijzen-reason": "Te laat."})
    assert response.status_code == 303
    assert "Deze IBAN-wijziging wacht niet meer: zij is bevestigd." in browser.text(PAGE)
    requester.post(action(pending, "intrekken"))
    assert changes_of(employers.id)[0].status == IbanChangeStatus.CONFIRMED
    assert [event.action for event in log_of(employers.id)] == [
        AdminAction.IBAN_CHANGE_REQUESTED, AdminAction.IBAN_CHANGE_CONFIRMED]
    assert current_iban(employers.id) == NEW_IBAN


def test_an_applicant_of_another_organisation_gets_not_found(world, pending, session_for):  # noqa: F811
    outsider = session_for(world.rif_applicant.user)
    for step, data in (("bevestigen", {}), ("afwijzen", {"afwijzen-reason": "Nee."}),
                       ("intrekken", {})):
        assert outsider.post(action(pending, step), data).status_code == 404
    assert "NL20 INGB" not in outsider.text(PAGE)
    assert changes_of(pending.organisation_id)[0].status == IbanChangeStatus.PENDING


@pytest.mark.parametrize("who", ["finance", "admin"])
def test_staff_confirm_from_the_list(world, employers, pending, session_for, who):  # noqa: F811
    staff = session_for(getattr(world, who).user)
    listing = staff.text("/beheer/iban-wijzigingen")
    assert "Metaalwerkgevers" in listing and "NL20 INGB 0001 2345 67" in listing
    page = staff.text(f"/beheer/iban-wijzigingen/{pending.id}")
    assert "Nieuw IBAN bevestigen" in page
    response = staff.post(f"/beheer/iban-wijzigingen/{pending.id}/bevestigen")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/beheer/iban-wijzigingen/{pending.id}")
    assert current_iban(employers.id) == NEW_IBAN
    assert changes_of(employers.id)[0].decided_by_id == getattr(world, who).user.id
    assert "Er wacht geen IBAN-wijziging op bevestiging." in staff.text(
        "/beheer/iban-wijzigingen")


def test_other_staff_and_applicants_do_not_get_the_list(world, pending, session_for):  # noqa: F811
    for who in ("assessor", "approver", "applicant"):
        browser = session_for(getattr(world, who).user)
        assert browser.get("/beheer/iban-wijzigingen").status_code == 403
        assert browser.post(
            f"/beheer/iban-wijzigingen/{pending.id}/bevestigen").status_code == 403


def test_the_admin_rejects_from_the_organisation_page_and_it_is_in_its_history(
        world, employers, pending, session_for):  # noqa: F811
    admin = session_for(world.admin.user)
    organisation_page = f"/beheer/organisaties/{employers.id}"
    page = admin.text(organisation_page)
    assert "Nieuw IBAN wacht op bevestiging" in page and "NL20 INGB 0001 2345 67" in page

    response = admin.post(f"/beheer/iban-wijzigingen/{pending.id}/afwijzen",
                          {"terug": "organisatie"})
    assert response.status_code == 422
    assert '<a href="#afwijzen-reason">' in response.get_data(as_text=True)

    response = admin.post(f"/beheer/iban-wijzigingen/{pending.id}/afwijzen",
                          {"terug": "organisatie",
                           "afwijzen-reason": "Tekenbevoegde weet van niets."})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(organisation_page)
    assert current_iban(employers.id) == EMPLOYERS_IBAN
    page = admin.text(organisation_page)
    assert "Nieuw IBAN wacht op bevestiging" not in page
    for label in ("IBAN-wijziging aangevraagd", "IBAN-wijziging afgewezen",
                  "**************4300 → **************4567", "Tekenbevoegde weet van niets."):
        assert label in page
    assert "NL20INGB" not in page.split('aria-labelledby="geschiedenis"')[1]


def test_an_iban_entered_by_an_admin_waits_for_someone_else(world, employers, colleague,
                                                            session_for):  # noqa: F811
    admin = session_for(world.admin.user)
    organisation = db.session.get(Organisation, employers.id)
    response = admin.post(f"/beheer/organisaties/{employers.id}/wijzigen", {
        "name": organisation.name, "kvk": organisation.kvk, "kind": organisation.kind.value,
        "region": organisation.region.value, "contact_name": "", "address": organisation.address,
        "postcode": organisation.postcode, "city": organisation.city, "iban": NEW_IBAN})
    assert response.status_code == 303
    assert current_iban(employers.id) == EMPLOYERS_IBAN
    (change,) = changes_of(employers.id)
    assert change.requested_by_id == world.admin.user.id
    page = admin.text(f"/beheer/iban-wijzigingen/{change.id}")
    assert "Nieuw IBAN bevestigen" not in page
    assert "U hebt deze wijziging zelf aangevraagd" in page
    assert admin.post(f"/beheer/iban-wijzigingen/{change.id}/bevestigen").status_code == 403

    assert session_for(colleague).post(action(change, "bevestigen")).status_code == 303
    assert current_iban(employers.id) == NEW_IBAN
