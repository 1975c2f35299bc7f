"""A praktijkleren application names an IBAN of its own, but the grant goes only to the
organisation's confirmed IBAN (grants.services.payee): sending it with another account is
refused on the field ``iban``, a waiting IBAN change makes nothing usable, and payment runs pay
the confirmed account, whatever the application says."""

from datetime import UTC, date, datetime

import sqlalchemy as sa

from grants.extensions import db
from grants.models import Application, ApplicationState, Ministry, Scheme, Window
from grants.payments.runs import due_payments
from grants.services.iban_changes import confirm_iban_change, request_iban_change
from tests.payments.conftest import PRAKTIJKLEREN_IBAN, ok, pay_run, praktijkleren_settled
from tests.portal.conftest import error_for, session_for, summary_links  # noqa: F401

IN_WINDOW = datetime(2014, 9, 1, 10, tzinfo=UTC)  # window 2013-2014: 2 June – 15 September
NEW_IBAN = "NL20INGB0001234567"
FOREIGN_IBAN = "NL81RABO0312345678"
# PRAKTIJKLEREN_IBAN, NL44RABO0123456789, as the payments view and the IBAN mails show it.
MASKED = "NL** **** **** **67 89"


def refused(response) -> dict:
    assert response.status_code == 422, response.get_json()
    return response.get_json()["error"]


def state_of(number: int) -> ApplicationState:
    db.session.expire_all()
    return db.session.get(Application, number).state


def draft(world, clock, **changes) -> int:
    clock.moment = IN_WINDOW
    body = world.praktijkleren(**{"iban": PRAKTIJKLEREN_IBAN, **changes})
    return ok(world.employer_applicant.create(body), 201)["id"]


def test_submitting_with_another_iban_is_refused_naming_the_confirmed_one(grants, world, clock):
    number = draft(world, clock, iban=FOREIGN_IBAN)
    error = refused(world.employer_applicant.fire(number, "submit"))
    assert list(error["fields"]) == ["iban"]
    (message,) = error["fields"]["iban"]
    assert MASKED in message and PRAKTIJKLEREN_IBAN not in message
    assert "Organisatie (/portaal/organisatie)" in message
    assert "een collega of het ministerie bevestigt" in message
    assert state_of(number) == ApplicationState.DRAFT


def test_submitting_with_the_confirmed_iban_is_accepted(grants, world, clock):
    number = draft(world, clock, iban="nl44 rabo 0123 4567 89")
    assert ok(world.employer_applicant.fire(number, "submit"))["state"] == "submitted"


def test_without_a_confirmed_iban_the_refusal_says_so(world, clock):
    world.employer.iban = ""
    db.session.commit()
    number = draft(world, clock, iban=PRAKTIJKLEREN_IBAN)
    (message,) = refused(world.employer_applicant.fire(number, "submit"))["fields"]["iban"]
    assert "Uw organisatie heeft nog geen bevestigd IBAN" in message
    assert "/portaal/organisatie" in message
    assert state_of(number) == ApplicationState.DRAFT


def test_the_refusal_names_every_field_still_wrong(grants, world, clock):
    number = draft(world, clock, iban=FOREIGN_IBAN, places=[])
    fields = refused(world.employer_applicant.fire(number, "submit"))["fields"]
    assert set(fields) == {"places", "iban"}
    assert MASKED in fields["iban"][0]


def test_patching_the_iban_through_the_api_then_submitting_is_refused(grants, world, clock):
    number = draft(world, clock)
    api = world.employer_applicant
    assert ok(api.call("PATCH", f"/applications/{number}", {"iban": FOREIGN_IBAN}))
    error = refused(api.fire(number, "submit"))
    assert MASKED in error["fields"]["iban"][0]
    assert state_of(number) == ApplicationState.DRAFT


def test_a_completion_on_request_may_not_change_the_account_either(grants, world, clock):
    number = draft(world, clock)
    api = world.employer_applicant
    ok(api.fire(number, "submit"))
    ok(world.assessor.fire(number, "request_information", {"reason": "Klopt het aantal weken?"}))
    ok(api.call("PATCH", f"/applications/{number}", {"iban": FOREIGN_IBAN}))
    assert MASKED in refused(api.fire(number, "provide_information"))["fields"]["iban"][0]
    assert state_of(number) == ApplicationState.INCOMPLETE
    ok(api.call("PATCH", f"/applications/{number}", {"iban": PRAKTIJKLEREN_IBAN}))
    ok(api.fire(number, "provide_information"))


def test_a_waiting_iban_change_does_not_make_the_new_iban_usable(grants, world, clock):
    number = draft(world, clock, iban=NEW_IBAN)
    change = request_iban_change(world.employer, NEW_IBAN, actor=world.employer_applicant.user,
                                 now=clock())
    db.session.commit()
    assert MASKED in refused(world.employer_applicant.fire(number, "submit"))["fields"]["iban"][0]
    # Once a second person confirms it, the new IBAN is the one to file with.
    confirm_iban_change(change.id, actor=world.finance.user, now=clock())
    db.session.commit()
    assert ok(world.employer_applicant.fire(number, "submit"))["state"] == "submitted"


def test_after_confirmation_the_next_run_pays_the_new_iban(grants, world, clock):
    number = praktijkleren_settled(world, clock)
    change = request_iban_change(world.employer, NEW_IBAN, actor=world.employer_applicant.user,
                                 now=clock())
    db.session.commit()
    waiting = due_payments(Ministry.OCW, date(2014, 11, 20), world.finance.user)
    assert [(line.application.id, line.creditor_iban) for line in waiting.lines] == [
        (number, PRAKTIJKLEREN_IBAN)]
    confirm_iban_change(change.id, actor=world.finance.user, now=clock())
    db.session.commit()
    # The application still names the old account; the confirmed one is paid.
    assert db.session.get(Application, number).details["iban"] == PRAKTIJKLEREN_IBAN
    run = pay_run(world, clock, Ministry.OCW, date(2014, 11, 20))
    assert [(line.application_id, line.creditor_iban) for line in run.lines] == [
        (number, NEW_IBAN)]
    assert NEW_IBAN.encode() in run.sepa_xml and PRAKTIJKLEREN_IBAN.encode() not in run.sepa_xml


def test_an_application_naming_another_account_is_paid_to_the_confirmed_one(
        grants, world, clock):
    number = praktijkleren_settled(world, clock)
    # As an application sent before the rule could name any account.
    application = db.session.get(Application, number)
    application.details = {**application.details, "iban": FOREIGN_IBAN}
    db.session.commit()
    run = pay_run(world, clock, Ministry.OCW, date(2014, 11, 20))
    assert [line.creditor_iban for line in run.lines] == [PRAKTIJKLEREN_IBAN]
    assert FOREIGN_IBAN.encode() not in run.sepa_xml


def test_without_a_confirmed_iban_the_line_is_skipped_with_the_reason(grants, world, clock):
    number = praktijkleren_settled(world, clock)
    world.employer.iban = ""
    db.session.commit()
    due = due_payments(Ministry.OCW, date(2014, 11, 20), world.finance.user)
    assert due.lines == []
    assert [(s.application.id, s.reason) for s in due.skipped] == [(number, (
        "Geen bevestigd IBAN van Installatiebedrijf Noord. Het IBAN op de aanvraag "
        f"({MASKED}) is door niemand bevestigd en wordt niet gebruikt; de organisatie vult haar "
        "IBAN in en een tweede persoon bevestigt het."))]


# -- the portal form -------------------------------------------------------------------------

def _praktijkleren_window() -> Window:
    return db.session.scalars(sa.select(Window).join(Scheme).where(
        Scheme.code == "praktijkleren", Window.code == "2013-2014")).one()


def test_a_new_draft_names_the_confirmed_iban_and_says_where_payments_go(
        grants, world, clock, session_for):  # noqa: F811
    clock.moment = IN_WINDOW
    browser = session_for(world.employer_applicant.user)
    response = browser.post("/portaal/nieuw", {"window": str(_praktijkleren_window().id),
                                               "title": "Praktijkleren 2013/14"})
    assert response.status_code == 303
    created = db.session.scalars(sa.select(Application).where(
        Application.organisation_id == world.employer.id)).one()
    assert created.details["iban"] == PRAKTIJKLEREN_IBAN
    page = browser.text(f"/portaal/aanvragen/{created.id}/bewerken")
    assert f'value="{PRAKTIJKLEREN_IBAN}"' in page
    assert ("De subsidie wordt betaald op het bevestigde IBAN van uw organisatie, "
            f"{MASKED}.") in page
    assert 'aria-describedby="iban-hint"' in page
    assert 'href="/portaal/organisatie"' in page


def test_the_form_without_a_confirmed_iban_says_to_set_it_first(
        world, clock, session_for):  # noqa: F811
    world.employer.iban = ""
    db.session.commit()
    number = draft(world, clock, iban=None)
    page = session_for(world.employer_applicant.user).text(
        f"/portaal/aanvragen/{number}/bewerken")
    assert "Uw organisatie heeft nog geen bevestigd IBAN." in page


def test_the_portal_refuses_another_iban_at_the_field(grants, world, clock,
                                                      session_for):  # noqa: F811
    number = draft(world, clock)
    browser = session_for(world.employer_applicant.user)
    application = db.session.get(Application, number)
    response = browser.post(f"/portaal/aanvragen/{number}/bewerken", {
        "version": str(application.version), "title": application.title,
        "employer_id": "100234", "iban": "NL81 RABO 0312 3456 78", "action": "submit"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert MASKED in error_for(html, "iban")
    assert [anchor for anchor, _text in summary_links(html)] == ["iban"]
    assert state_of(number) == ApplicationState.DRAFT
