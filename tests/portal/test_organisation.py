"""The organisation's own details: applicants keep their postal address and IBAN up to date,
each change in the admin's log (the IBAN masked), and payment runs pay to the new account once
a second person confirmed it (tests/organisations/test_iban_changes.py: the hold itself)."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from grants.extensions import db
from grants.models import AdminAction, AdminEvent, IbanChange, Ministry, Organisation
from grants.payments.runs import due_payments
from tests.payments.conftest import Grants
from tests.portal.conftest import error_for, summary_links

PAGE = "/portaal/organisatie"
GOOD = {"address": "Postbus 20401", "postcode": "2500ek", "city": "Den Haag",
        "iban": "nl91 abna 0417 1643 00"}


def organisation(number: int) -> Organisation:
    db.session.expire_all()
    return db.session.get(Organisation, number)


def details(number: int) -> tuple[str, str, str, str]:
    found = organisation(number)
    return found.address, found.postcode, found.city, found.iban


def organisation_events(number: int) -> list[AdminEvent]:
    return list(db.session.scalars(sa.select(AdminEvent).where(
        AdminEvent.organisation_id == number).order_by(AdminEvent.id)))


def confirm_new_iban(world, session_for, number: int) -> None:
    """Finance, a second person, confirms the organisation's waiting IBAN change."""
    change = db.session.scalars(sa.select(IbanChange).where(
        IbanChange.organisation_id == number, IbanChange.status == "pending")).one()
    response = session_for(world.finance.user).post(
        f"/beheer/iban-wijzigingen/{change.id}/bevestigen")
    assert response.status_code == 303


def test_an_applicant_updates_the_address_and_iban_stored_compact_and_shown_grouped(
        world, applicant, session_for):
    page = applicant.text(PAGE)
    assert "Metaalwerkgevers" in page
    assert world.employers.kvk in page
    assert "nog niet bekend" in page  # no IBAN yet

    response = applicant.post(PAGE, GOOD)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(PAGE)
    # The address at once; the IBAN (even a first one) once a second person confirms it.
    assert details(world.employers.id) == ("Postbus 20401", "2500 EK", "Den Haag", "")
    page = applicant.text(PAGE)
    assert "De gegevens van Metaalwerkgevers zijn bewaard." in page
    assert "Het nieuwe IBAN wacht op bevestiging" in page

    confirm_new_iban(world, session_for, world.employers.id)
    assert details(world.employers.id) == ("Postbus 20401", "2500 EK", "Den Haag",
                                           "NL91ABNA0417164300")
    page = applicant.text(PAGE)
    assert '<dd class="reference">NL91 ABNA 0417 1643 00</dd>' in page
    assert 'value="NL91 ABNA 0417 1643 00"' in page
    assert 'value="2500 EK"' in page
    assert "/portaal/organisatie" in applicant.text("/portaal/")


def test_the_change_is_in_the_admin_log_with_the_iban_masked(world, applicant, session_for):
    old_address = world.employers.address
    applicant.post(PAGE, GOOD)
    confirm_new_iban(world, session_for, world.employers.id)
    applicant.post(PAGE, {**GOOD, "iban": "NL20 INGB 0001 2345 67"})

    requested, changed, confirmed, second = organisation_events(world.employers.id)
    assert [requested.action, changed.action, confirmed.action, second.action] == [
        AdminAction.IBAN_CHANGE_REQUESTED, AdminAction.ORGANISATION_CHANGED,
        AdminAction.IBAN_CHANGE_CONFIRMED, AdminAction.IBAN_CHANGE_REQUESTED]
    assert changed.actor_id == world.applicant.user.id
    assert changed.data == {"organisation": {
        "address": [old_address, "Postbus 20401"], "postcode": ["8011 AB", "2500 EK"],
        "city": ["Zwolle", "Den Haag"]}}
    assert requested.data["organisation"] == {"iban": ["", "**************4300"]}
    assert second.data["organisation"] == {"iban": ["**************4300",
                                                    "**************4567"]}
    assert "NL91ABNA0417164300" not in str(requested.data)

    log = session_for(world.admin.user).text("/beheer/logboek")
    assert "Organisatiegegevens gewijzigd" in log
    assert "**************4300 → **************4567" in log
    assert "NL20INGB" not in log and "NL20 INGB" not in log


def test_saving_the_same_details_again_logs_nothing(world, applicant):
    applicant.post(PAGE, GOOD)
    logged = len(organisation_events(world.employers.id))
    applicant.post(PAGE, GOOD)
    assert len(organisation_events(world.employers.id)) == logged == 2


@pytest.mark.parametrize(("field", "value", "message"), [
    ("postcode", "2500", "Vul een Nederlandse postcode in: vier cijfers en twee letters, "
                         "bijvoorbeeld 2500 BJ."),
    ("iban", "NL91 ABNA 0417 1643 01", "Dit IBAN klopt niet: controleer het nummer, "
                                       "bijvoorbeeld NL91 ABNA 0417 1643 00."),
    ("iban", "DE89 3704 0044 0532 0130 00", "Vul een Nederlands IBAN in (het begint met NL)."),
    ("city", " ", "Vul de plaats in."),
])
def test_bad_input_names_the_field_and_changes_nothing(world, applicant, field, value, message):
    before = details(world.employers.id)
    response = applicant.post(PAGE, {**GOOD, field: value})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error_for(html, field) == message
    assert summary_links(html) == [(field, message)]
    assert f'aria-describedby="{field}-hint {field}-error"' in html or \
        f'aria-describedby="{field}-error"' in html
    assert details(world.employers.id) == before
    assert organisation_events(world.employers.id) == []


@pytest.mark.parametrize("who", ["assessor", "finance", "admin"])
def test_other_roles_are_refused(world, session_for, who):
    browser = session_for(getattr(world, who).user)
    assert browser.get(PAGE).status_code == 403
    assert browser.post(PAGE, GOOD).status_code == 403


def test_an_applicant_without_an_organisation_gets_not_found(world, session_for):
    user = world.applicant.user
    user.organisation = None
    db.session.commit()
    assert session_for(user).get(PAGE).status_code == 404


def test_the_page_only_ever_changes_the_applicants_own_organisation(world, applicant):
    other = details(world.institution.id)
    applicant.post(PAGE, {**GOOD, "organisation": str(world.institution.id)})
    assert details(world.institution.id) == other
    assert db.session.scalars(sa.select(IbanChange.organisation_id)).all() == [
        world.employers.id]


def test_a_payment_run_pays_the_organisation_once_its_iban_is_entered(
        world, clock, session_for):
    granted = Grants(world, clock).sector_plan()  # the employers have no IBAN yet
    new_year = datetime(2015, 1, 2, 9, tzinfo=UTC)
    clock.moment = new_year
    before = due_payments(Ministry.SZW, date(2015, 1, 1), world.finance.user)
    assert [s.application.id for s in before.skipped] == [granted]
    assert before.lines == []

    response = session_for(world.applicant.user).post(PAGE, GOOD)
    assert response.status_code == 303
    waiting = due_payments(Ministry.SZW, date(2015, 1, 1), world.finance.user)
    assert [s.application.id for s in waiting.skipped] == [granted]
    confirm_new_iban(world, session_for, world.employers.id)
    after = due_payments(Ministry.SZW, date(2015, 1, 1), world.finance.user)
    assert after.skipped == []
    assert after.lines
    assert {line.application.id for line in after.lines} == {granted}
    assert {line.application.organisation.iban for line in after.lines} == {
        "NL91ABNA0417164300"}


def test_the_admin_sees_the_address_and_whether_an_iban_is_set(world, applicant, session_for):
    admin = session_for(world.admin.user)
    path = f"/beheer/gebruikers/{world.applicant.user.id}"
    page = admin.text(path)
    assert "8011 AB  ZWOLLE" in page
    assert "nog niet bekend" in page
    applicant.post(PAGE, GOOD)
    confirm_new_iban(world, session_for, world.employers.id)
    page = admin.text(path)
    assert "2500 EK  DEN HAAG" in page
    assert "ingevuld" in page
    assert "NL91" not in page


def test_the_logged_change_cannot_be_altered_or_removed(world, applicant):
    applicant.post(PAGE, GOOD)
    (event, _changed) = organisation_events(world.employers.id)
    for statement in ("UPDATE admin_events SET data = '{}' WHERE id = :id",
                      "DELETE FROM admin_events WHERE id = :id"):
        with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.execute(sa.text(statement), {"id": event.id})
