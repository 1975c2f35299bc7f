"""Admins make accounts (with a first password shown once), change roles, deactivate accounts
(who then cannot log in, and whose tokens stop working), and issue and revoke API tokens (shown
once, then only their hash is kept)."""

import re

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import AdminAction, AdminEvent, ApiToken, Role, User
from tests.admin.conftest import field_errors, post_form, summary_links, text_of
from tests.conftest import login
from tests.factories import OrganisationFactory, UserFactory

GENERIC_LOGIN_FAILURE = "Het e-mailadres of het wachtwoord is onjuist."


def secret_on(html: str) -> str:
    [secret] = re.findall(r'<p class="secret__value"><code>([^<]+)</code></p>', html)
    return secret


def events(action: AdminAction) -> list[AdminEvent]:
    return list(db.session.scalars(sa.select(AdminEvent).where(AdminEvent.action == action)))


def user_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(User.id)))


def schemes_status(app, token: str) -> int:
    # A fresh client: the API must accept the token on its own, without any session.
    return app.test_client().get("/api/v1/schemes",
                                 headers={"Authorization": f"Bearer {token}"}).status_code


# -- accounts -----------------------------------------------------------------------------------

def test_admin_makes_an_account_whose_first_password_is_shown_once(app, client, admin):
    response = post_form(client, "/beheer/gebruikers/nieuw", {
        "name": "Nina Visser", "email": " Nina.Visser@Ministerie.NL ",
        "roles": ["assessor", "approver"], "organisation": ""})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = secret_on(response.get_data(as_text=True))
    assert len(password) >= 12

    user = db.session.scalars(sa.select(User).where(User.email == "nina.visser@ministerie.nl")
                              ).one()
    assert user.name == "Nina Visser" and user.roles == {Role.ASSESSOR, Role.APPROVER}
    assert password not in user.password_hash
    [event] = events(AdminAction.USER_CREATED)
    assert (event.actor_id, event.user_id) == (admin.id, user.id)
    assert event.data["roles"] == ["approver", "assessor"]

    # Shown once: the user's page and the list do not show it again.
    assert password not in client.get(f"/beheer/gebruikers/{user.id}").get_data(as_text=True)
    assert password not in client.get("/beheer/gebruikers").get_data(as_text=True)
    # And it works.
    fresh = app.test_client()
    assert login(fresh, "nina.visser@ministerie.nl", password).status_code == 302


def test_an_applicant_account_belongs_to_an_organisation_by_kvk(client, admin):
    organisation = OrganisationFactory(kvk="40001001", name="Metaal & Techniek Noord")
    response = post_form(client, "/beheer/gebruikers/nieuw", {
        "name": "Anouk de Vries", "email": "anouk@metaal.nl", "roles": ["applicant"],
        "organisation": "4000 1001"})
    assert response.status_code == 200
    user = db.session.scalars(sa.select(User).where(User.email == "anouk@metaal.nl")).one()
    assert user.organisation_id == organisation.id and user.roles == {Role.APPLICANT}
    # The admin's pages that show the log name the organisation (they once answered 500).
    for page in ("/beheer/", "/beheer/logboek", f"/beheer/gebruikers/{user.id}"):
        response = client.get(page)
        assert response.status_code == 200, page
        assert "40001001" in response.get_data(as_text=True), page


def test_bad_account_input_is_named_at_each_field_at_once(client, admin):
    existing = UserFactory(role=Role.FINANCE)
    before = user_count()
    response = post_form(client, "/beheer/gebruikers/nieuw", {
        "name": "", "email": existing.email.upper(), "roles": ["applicant", "finance"],
        "organisation": "12345678"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html) == {
        "name": ["Vul een naam in."],
        "email": ["Er bestaat al een account met dit e-mailadres."],
        "roles": ["Een aanvrager kan geen medewerkersrol van het ministerie hebben."],
        "organisation": ["Er is geen organisatie met KvK-nummer 12345678."],
    }
    assert summary_links(html) == ["name", "email", "roles", "organisation"]
    # What was typed stays in the form.
    assert re.search(r'checked [^>]*value="applicant"', html) and 'value="12345678"' in html
    assert user_count() == before and events(AdminAction.USER_CREATED) == []


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"email": "geen-adres"}, "email", "Vul een geldig e-mailadres in."),
    ({"roles": []}, "roles", "Kies minstens één rol."),
    ({"roles": ["applicant"]}, "organisation", "Een aanvrager hoort bij een organisatie."),
    ({"roles": ["boss"]}, "roles", "Kies uit de rollen in de lijst."),
    ({"organisation": "1234"}, "organisation", "Een KvK-nummer bestaat uit 8 cijfers."),
])
def test_each_account_rule_names_its_field(client, admin, data, field, message):
    before = user_count()
    response = post_form(client, "/beheer/gebruikers/nieuw", {
        "name": "Iemand", "email": "iemand@ministerie.nl", "roles": ["finance"],
        "organisation": "", **data})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True))[field] == [message]
    assert user_count() == before


# -- roles --------------------------------------------------------------------------------------

def test_admin_gives_and_takes_roles(client, admin):
    user = UserFactory(role=Role.FINANCE, name="Esther")
    page = client.get(f"/beheer/gebruikers/{user.id}").get_data(as_text=True)
    assert re.search(r'checked [^>]*value="finance"', page)
    response = post_form(client, f"/beheer/gebruikers/{user.id}/rollen",
                         {"roles": ["assessor", "approver"]}, page=f"/beheer/gebruikers/{user.id}")
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.roles == {Role.ASSESSOR, Role.APPROVER}
    [event] = events(AdminAction.ROLES_CHANGED)
    assert event.data == {"roles": [["finance"], ["approver", "assessor"]]}
    page = text_of(client.get(f"/beheer/gebruikers/{user.id}").get_data(as_text=True))
    assert "De rollen van Esther zijn gewijzigd." in page
    assert "Financiën → Beslisser, Beoordelaar" in page


@pytest.mark.parametrize(("roles", "message"), [
    ([], "Kies minstens één rol."),
    (["assessor"], "Dit account hoort bij Buitenstaander B.V.: het kan alleen aanvrager zijn."),
])
def test_an_applicant_stays_an_applicant(client, admin, roles, message):
    user = UserFactory(organisation=OrganisationFactory(name="Buitenstaander B.V."))
    response = post_form(client, f"/beheer/gebruikers/{user.id}/rollen", {"roles": roles},
                         page=f"/beheer/gebruikers/{user.id}")
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True)) == {"roles": [message]}
    db.session.refresh(user)
    assert user.roles == {Role.APPLICANT}


def test_a_staff_member_cannot_become_an_applicant(client, admin):
    user = UserFactory(role=Role.ASSESSOR)
    response = post_form(client, f"/beheer/gebruikers/{user.id}/rollen",
                         {"roles": ["applicant"]}, page=f"/beheer/gebruikers/{user.id}")
    assert response.status_code == 422
    assert "Een aanvrager hoort bij een organisatie" in field_errors(
        response.get_data(as_text=True))["roles"][0]


def test_an_admin_cannot_drop_their_own_admin_role(client, admin):
    response = post_form(client, f"/beheer/gebruikers/{admin.id}/rollen",
                         {"roles": ["finance"]}, page=f"/beheer/gebruikers/{admin.id}")
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True))["roles"] == [
        "U kunt uw eigen beheerdersrol niet intrekken; laat dat een andere beheerder doen."]
    db.session.refresh(admin)
    assert admin.roles == {Role.ADMIN}


# -- deactivating -------------------------------------------------------------------------------

def test_a_deactivated_user_cannot_log_in_and_their_session_ends(app, client, admin, clock):
    from grants.services.tokens import create_token

    user = UserFactory(role=Role.ASSESSOR, name="Bram")
    token = create_token(user, clock())[1]
    theirs = app.test_client()
    assert login(theirs, user.email).status_code == 302
    assert theirs.get("/aanvragen/").status_code == 200

    response = post_form(client, f"/beheer/gebruikers/{user.id}/deactiveren", {},
                         page=f"/beheer/gebruikers/{user.id}")
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.active is False
    [event] = events(AdminAction.USER_DEACTIVATED)
    assert (event.actor_id, event.user_id) == (admin.id, user.id)

    # The open session ends at the next request, a new login fails like a wrong password,
    # and the token is refused.
    assert theirs.get("/aanvragen/").status_code == 302
    again = app.test_client()
    refused = login(again, user.email)
    assert refused.status_code == 401
    assert GENERIC_LOGIN_FAILURE in refused.get_data(as_text=True)
    assert schemes_status(app, token) == 401

    page = text_of(client.get(f"/beheer/gebruikers/{user.id}").get_data(as_text=True))
    assert "Bram is gedeactiveerd: inloggen en API-tokens werken niet meer." in page
    assert "Werkt niet: de gebruiker is gedeactiveerd" in page

    # Activated again, the same password works.
    post_form(client, f"/beheer/gebruikers/{user.id}/activeren", {},
              page=f"/beheer/gebruikers/{user.id}")
    assert login(app.test_client(), user.email).status_code == 302
    assert len(events(AdminAction.USER_REACTIVATED)) == 1


def test_an_admin_cannot_deactivate_themselves(client, admin):
    page = client.get(f"/beheer/gebruikers/{admin.id}").get_data(as_text=True)
    assert "/deactiveren" not in page
    response = post_form(client, f"/beheer/gebruikers/{admin.id}/deactiveren", {},
                         page=f"/beheer/gebruikers/{admin.id}")
    assert response.status_code == 422
    assert "U kunt uw eigen account niet deactiveren." in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.active


# -- tokens -------------------------------------------------------------------------------------

def test_a_token_is_shown_once_and_works_until_revoked(app, client, admin):
    user = UserFactory(role=Role.FINANCE, email="financien@ministerie.nl")
    response = post_form(client, "/beheer/tokens", {"email": "Financien@Ministerie.nl",
                                                    "label": "Rapportage"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    token = secret_on(response.get_data(as_text=True))
    [record] = db.session.scalars(sa.select(ApiToken)).all()
    assert record.user_id == user.id and record.label == "Rapportage"
    assert token not in record.token_hash
    assert schemes_status(app, token) == 200

    # Never again on a page.
    for path in ("/beheer/tokens", f"/beheer/gebruikers/{user.id}", "/beheer/logboek"):
        assert token not in client.get(path).get_data(as_text=True)

    response = post_form(client, f"/beheer/tokens/{record.id}/intrekken", {},
                         page="/beheer/tokens")
    assert response.status_code == 302
    assert schemes_status(app, token) == 401
    db.session.refresh(record)
    assert record.is_revoked
    [created] = events(AdminAction.TOKEN_CREATED)
    [revoked] = events(AdminAction.TOKEN_REVOKED)
    assert created.token_id == revoked.token_id == record.id
    assert revoked.actor_id == admin.id
    page = text_of(client.get("/beheer/tokens").get_data(as_text=True))
    assert f"Token {record.id} (Rapportage) van financien@ministerie.nl is ingetrokken." in page

    # Revoking twice changes nothing more.
    post_form(client, f"/beheer/tokens/{record.id}/intrekken", {}, page="/beheer/tokens")
    assert len(events(AdminAction.TOKEN_REVOKED)) == 1


def test_revoking_from_the_users_page_returns_there(client, admin, clock):
    from grants.services.tokens import create_token

    user = UserFactory(role=Role.FINANCE)
    record = create_token(user, clock(), "Excel")[0]
    db.session.commit()
    page = f"/beheer/gebruikers/{user.id}"
    response = post_form(client, f"/beheer/tokens/{record.id}/intrekken", {"next": page},
                         page=page)
    assert response.headers["Location"] == page
    response = post_form(client, f"/beheer/tokens/{record.id}/intrekken",
                         {"next": "//evil.example/"}, page=page)
    assert response.headers["Location"] == "/beheer/tokens"


@pytest.mark.parametrize(("email", "message"), [
    ("", "Vul het e-mailadres in van de gebruiker voor wie het token is."),
    ("niemand@ministerie.nl", "Er is geen gebruiker met dit e-mailadres."),
    ("weg@ministerie.nl", "weg@ministerie.nl is gedeactiveerd; een token zou niet werken."),
])
def test_a_token_needs_an_active_user(client, admin, email, message):
    UserFactory(role=Role.FINANCE, email="weg@ministerie.nl", active=False)
    response = post_form(client, "/beheer/tokens", {"email": email, "label": ""})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True)) == {"email": [message]}
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


def test_revoking_an_unknown_token_is_404(client, admin):
    response = post_form(client, "/beheer/tokens/999999/intrekken", {}, page="/beheer/tokens")
    assert response.status_code == 404


# -- who may ------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ASSESSOR, Role.FINANCE])
def test_only_admins_manage_users_and_tokens(client, login_as, schemes, role):
    from tests.conftest import csrf_token

    other = UserFactory(role=Role.ASSESSOR)
    login_as(UserFactory(role=role))
    for path in ("/beheer/gebruikers", "/beheer/gebruikers/nieuw",
                 f"/beheer/gebruikers/{other.id}", "/beheer/tokens"):
        assert client.get(path).status_code == 403, path
    token = csrf_token(client, "/regelingen")
    for path, data in ((f"/beheer/gebruikers/{other.id}/deactiveren", {}),
                       (f"/beheer/gebruikers/{other.id}/rollen", {"roles": ["admin"]}),
                       ("/beheer/tokens", {"email": other.email}),
                       ("/beheer/gebruikers/nieuw", {"name": "X", "email": "x@x.nl",
                                                     "roles": ["admin"]})):
        assert client.post(path, data={**data, "csrf_token": token}).status_code == 403, path
    db.session.refresh(other)
    assert other.active and other.roles == {Role.ASSESSOR}
    assert db.session.scalar(sa.select(sa.func.count(AdminEvent.id))) == 0


def test_unknown_user_is_404(client, admin):
    assert client.get("/beheer/gebruikers/999999").status_code == 404


def test_the_log_lists_every_admin_action_newest_first(client, admin):
    user = UserFactory(role=Role.FINANCE, name="Esther")
    post_form(client, f"/beheer/gebruikers/{user.id}/rollen", {"roles": ["finance", "admin"]},
              page=f"/beheer/gebruikers/{user.id}")
    post_form(client, f"/beheer/gebruikers/{user.id}/deactiveren", {},
              page=f"/beheer/gebruikers/{user.id}")
    page = text_of(client.get("/beheer/logboek").get_data(as_text=True))
    assert page.index("Gebruiker gedeactiveerd") < page.index("Rollen gewijzigd")
    assert "Financiën → Beheerder, Financiën" in page


def test_the_log_refuses_changes(admin, clock):
    from sqlalchemy.exc import DatabaseError

    from grants.services.admin import set_active

    user = UserFactory(role=Role.FINANCE)
    set_active(user, False, actor=admin, now=clock())
    with pytest.raises(DatabaseError), db.session.begin_nested():
        db.session.execute(sa.update(AdminEvent).values(reason="weggepoetst"))
    with pytest.raises(DatabaseError), db.session.begin_nested():
        db.session.execute(sa.delete(AdminEvent))
