"""The admin's pages for organisations (/beheer/organisaties): list, new, edit, verify a
pending one, deactivate and activate again, each with its reason in the admin's log; refused
input is named at its field and in the error summary, and changes nothing."""

import re

import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    AdminAction,
    AdminEvent,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Region,
    Role,
)
from tests.admin.conftest import field_errors, post_form, summary_links, text_of
from tests.conftest import csrf_token, rows
from tests.factories import OrganisationFactory, UserFactory

LIST = "/beheer/organisaties"
NEW = "/beheer/organisaties/nieuw"
GOOD = {"name": "Stichting Bouw & Techniek", "kvk": "12345678", "kind": "om_fund",
        "region": "Zuidoost", "contact_name": "", "address": "", "postcode": "", "city": "",
        "iban": ""}


def page(organisation) -> str:
    return f"/beheer/organisaties/{organisation.id}"


def events_of(organisation) -> list[AdminEvent]:
    return list(db.session.scalars(sa.select(AdminEvent).where(
        AdminEvent.organisation_id == organisation.id).order_by(AdminEvent.id)))


def test_the_admin_index_links_to_the_organisations(client, admin):
    assert f'href="{LIST}"' in client.get("/beheer/").get_data(as_text=True)


def test_the_list_shows_each_organisation_and_counts_the_pending(client, admin, pending):
    verified = OrganisationFactory(name="Metaalunie")
    html = client.get(LIST).get_data(as_text=True)
    text = text_of(html)
    assert "Metaalunie" in text and verified.kvk in text
    assert "Stichting Techniek Oost" in text and "Wacht op controle" in text
    assert "1 organisatie wacht op controle" in text
    only_pending = text_of(client.get(f"{LIST}?status=pending").get_data(as_text=True))
    assert "Stichting Techniek Oost" in only_pending and "Metaalunie" not in only_pending
    by_kvk = text_of(client.get(f"{LIST}?q={verified.kvk}").get_data(as_text=True))
    assert "Metaalunie" in by_kvk and "Stichting Techniek Oost" not in by_kvk


def test_a_new_organisation_is_verified_and_logged(client, admin, clock):
    response = post_form(client, NEW, {**GOOD, "kvk": "12.34.56.78", "postcode": "5611ab",
                                       "city": "Eindhoven", "address": "Markt 1",
                                       "iban": "NL91 ABNA 0417 1643 00"})
    assert response.status_code == 303, response.get_data(as_text=True)
    organisation = db.session.scalars(sa.select(Organisation).where(
        Organisation.kvk == "12345678")).one()
    assert response.headers["Location"].endswith(page(organisation))
    assert organisation.kind == OrganisationKind.OM_FUND
    assert organisation.region == Region.ZUIDOOST
    assert organisation.postcode == "5611 AB" and organisation.iban == "NL91ABNA0417164300"
    assert organisation.status == OrganisationStatus.VERIFIED
    assert organisation.verified_at == clock() and organisation.verified_by_name == admin.name
    (event,) = events_of(organisation)
    assert event.action == AdminAction.ORGANISATION_CREATED and event.actor_id == admin.id

    text = text_of(client.get(page(organisation)).get_data(as_text=True))
    assert "Organisatie aangemaakt" in text
    assert "NL91 ABNA 0417 1643 00" in text and "5611 AB EINDHOVEN" in text
    # The admin's log names it too, and still renders.
    assert "Organisatie aangemaakt" in text_of(client.get("/beheer/logboek").get_data(
        as_text=True))


def test_a_refused_new_organisation_names_every_field_and_changes_nothing(client, admin):
    before = rows(Organisation.__table__)
    response = post_form(client, NEW, {**GOOD, "name": "", "kvk": "1234", "kind": "",
                                       "region": "", "postcode": "99", "iban": "NL00"},
                         page=NEW)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    errors = field_errors(html)
    assert set(errors) == {"name", "kvk", "kind", "region", "postcode", "iban"}
    assert "8 cijfers" in errors["kvk"][0]
    # The summary leads to each field, in the form's order.
    assert summary_links(html) == ["name", "kvk", "kind", "region", "postcode", "iban"]
    assert "<title>Fout:" in html
    assert rows(Organisation.__table__) == before


def test_a_duplicate_kvk_number_names_the_organisation_that_has_it(client, admin):
    OrganisationFactory(name="Metaalunie", kvk="12345678")
    response = post_form(client, NEW, GOOD)
    assert response.status_code == 422
    assert "Metaalunie" in field_errors(response.get_data(as_text=True))["kvk"][0]


def test_editing_changes_the_register_and_logs_old_and_new(client, admin):
    organisation = OrganisationFactory(name="Metaalunie", kvk="11223344",
                                       region=Region.NOORD)
    edit = f"{page(organisation)}/wijzigen"
    form = client.get(edit).get_data(as_text=True)
    assert 'value="Metaalunie"' in form and 'value="11223344"' in form
    response = post_form(client, edit, {
        **GOOD, "name": "Koninklijke Metaalunie", "kvk": "11223344",
        "kind": organisation.kind.value, "region": "Noordvleugel",
        "address": organisation.address, "postcode": organisation.postcode,
        "city": organisation.city, "contact_name": "mevrouw A. Bakker"})
    assert response.status_code == 303
    db.session.expire_all()
    organisation = db.session.get(Organisation, organisation.id)
    assert organisation.name == "Koninklijke Metaalunie"
    assert organisation.region == Region.NOORDVLEUGEL
    (event,) = events_of(organisation)
    assert event.action == AdminAction.ORGANISATION_CHANGED
    assert event.data["registration"] == {"name": ["Metaalunie", "Koninklijke Metaalunie"],
                                          "region": ["Noord", "Noordvleugel"]}
    assert event.data["organisation"] == {"contact_name": ["", "mevrouw A. Bakker"]}
    text = text_of(client.get(page(organisation)).get_data(as_text=True))
    assert "Metaalunie → Koninklijke Metaalunie" in text
    assert "Noord → Noordvleugel" in text
    assert "— → mevrouw A. Bakker" in text
    assert client.get("/beheer/logboek").status_code == 200


def test_editing_to_another_organisations_kvk_number_is_refused(client, admin):
    OrganisationFactory(name="Metaalunie", kvk="11223344")
    other = OrganisationFactory(name="Techniekfonds")
    response = post_form(client, f"{page(other)}/wijzigen", {
        **GOOD, "name": other.name, "kvk": "11223344"})
    assert response.status_code == 422
    assert "Metaalunie" in field_errors(response.get_data(as_text=True))["kvk"][0]
    db.session.expire_all()
    assert db.session.get(Organisation, other.id).kvk != "11223344"
    assert events_of(other) == []


def test_saving_without_changes_logs_nothing(client, admin):
    organisation = OrganisationFactory()
    edit = f"{page(organisation)}/wijzigen"
    response = post_form(client, edit, {
        "name": organisation.name, "kvk": organisation.kvk, "kind": organisation.kind.value,
        "region": organisation.region.value, "contact_name": "", "address": organisation.address,
        "postcode": organisation.postcode, "city": organisation.city, "iban": ""})
    assert response.status_code == 303
    assert events_of(organisation) == []


def verify_data(**changes) -> dict:
    return {"controle-signatory": "J. de Vries, bestuurder",
            "controle-kvk_checked": "y", "controle-signatory_checked": "y",
            "controle-reason": "Uittreksel Handelsregister van 1-4-2014.", **changes}


def post_verify(client, organisation, data):
    path = page(organisation)
    token_page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="controle-csrf_token" type="hidden" value="([^"]+)"', token_page)
    assert token, "no verification form on the page"
    return client.post(f"{path}/controleren",
                       data={**data, "controle-csrf_token": token.group(1)})


def test_staff_verify_a_pending_organisation_with_both_checks_and_a_reason(
        client, admin, pending, clock):
    html = client.get(page(pending)).get_data(as_text=True)
    assert "Wacht op controle" in text_of(html)
    assert 'for="controle-kvk_checked"' in html
    response = post_verify(client, pending, verify_data())
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.expire_all()
    organisation = db.session.get(Organisation, pending.id)
    assert organisation.status == OrganisationStatus.VERIFIED
    assert organisation.verified_at == clock()
    assert organisation.verified_by_name == "Beheerder Bart"
    assert organisation.signatory == "J. de Vries, bestuurder"
    (event,) = events_of(organisation)
    assert event.action == AdminAction.ORGANISATION_VERIFIED
    assert event.reason == "Uittreksel Handelsregister van 1-4-2014."
    assert event.data["checked"] == ["kvk", "signatory"]
    text = text_of(client.get(page(organisation)).get_data(as_text=True))
    assert "Organisatie gecontroleerd" in text and "J. de Vries, bestuurder" in text
    # Verified: the form is gone.
    assert "controle-kvk_checked" not in client.get(page(organisation)).get_data(as_text=True)


def test_verifying_without_the_checks_names_each_missing_one(client, admin, pending):
    response = post_verify(client, pending, {"controle-signatory": "",
                                             "controle-reason": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert set(field_errors(html)) == {"controle-signatory", "controle-kvk_checked",
                                       "controle-signatory_checked", "controle-reason"}
    assert summary_links(html) == ["controle-signatory", "controle-kvk_checked",
                                   "controle-signatory_checked", "controle-reason"]
    db.session.expire_all()
    assert db.session.get(Organisation, pending.id).status == OrganisationStatus.PENDING
    assert events_of(pending) == []


def test_a_verified_organisation_cannot_be_verified_again(client, admin):
    organisation = OrganisationFactory()
    token = csrf_token(client, page(organisation))
    response = client.post(f"{page(organisation)}/controleren", data={
        **verify_data(), "controle-csrf_token": token}, follow_redirects=True)
    assert "wacht niet op controle" in text_of(response.get_data(as_text=True))
    assert events_of(organisation) == []


def test_deactivating_needs_a_reason_and_is_logged_with_it(client, admin):
    organisation = OrganisationFactory(name="Metaalunie")
    path = page(organisation)
    refused = post_form(client, f"{path}/deactiveren", {"reason": "  "}, page=path)
    assert refused.status_code == 422
    assert set(field_errors(refused.get_data(as_text=True))) == {"reason"}
    db.session.expire_all()
    assert db.session.get(Organisation, organisation.id).status == OrganisationStatus.VERIFIED

    done = post_form(client, f"{path}/deactiveren", {"reason": "Gefuseerd met FME."},
                     page=path)
    assert done.status_code == 303
    db.session.expire_all()
    organisation = db.session.get(Organisation, organisation.id)
    assert organisation.status == OrganisationStatus.DEACTIVATED
    assert organisation.status_reason == "Gefuseerd met FME."
    (event,) = events_of(organisation)
    assert event.action == AdminAction.ORGANISATION_DEACTIVATED
    assert event.reason == "Gefuseerd met FME."
    log = text_of(client.get("/beheer/logboek").get_data(as_text=True))
    assert "Organisatie gedeactiveerd" in log and "Gefuseerd met FME." in log

    again = post_form(client, f"{path}/activeren", {"reason": "Fusie ging niet door."},
                      page=path)
    assert again.status_code == 303
    db.session.expire_all()
    # It was verified before, so it is verified again.
    assert db.session.get(Organisation, organisation.id).status == OrganisationStatus.VERIFIED
    assert [e.action for e in events_of(organisation)] == [
        AdminAction.ORGANISATION_DEACTIVATED, AdminAction.ORGANISATION_REACTIVATED]


def test_a_pending_organisation_made_active_again_waits_for_its_check_again(
        client, admin, pending):
    path = page(pending)
    post_form(client, f"{path}/deactiveren", {"reason": "Dubbele aanmelding."}, page=path)
    post_form(client, f"{path}/activeren", {"reason": "Toch geen dubbele."}, page=path)
    db.session.expire_all()
    assert db.session.get(Organisation, pending.id).status == OrganisationStatus.PENDING


def test_the_page_lists_the_organisations_users(client, admin):
    organisation = OrganisationFactory()
    user = UserFactory(organisation=organisation, name="Petra Pieters")
    html = client.get(page(organisation)).get_data(as_text=True)
    assert f'href="/beheer/gebruikers/{user.id}"' in html and "Petra Pieters" in html


def test_only_admins_reach_the_pages(client, login_as, schemes):
    organisation = OrganisationFactory()
    login_as(UserFactory(role=Role.ASSESSOR))
    for path in (LIST, NEW, page(organisation), f"{page(organisation)}/wijzigen"):
        assert client.get(path).status_code == 403


def test_an_unknown_organisation_is_404(client, admin):
    assert client.get("/beheer/organisaties/999999").status_code == 404
