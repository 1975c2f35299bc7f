"""Changing one's own password (/account/wachtwoord), and the forced change at the first login
with a password an administrator chose."""

import sqlalchemy as sa
from werkzeug.security import check_password_hash

from grants.extensions import db
from grants.models import Role, User
from tests.accounts.conftest import field_errors, post_form, text_of
from tests.conftest import login
from tests.factories import PASSWORD, UserFactory

PAGE = "/account/wachtwoord"
NEW = "zeven blauwe fietsen"


def still_logged_in(client) -> bool:
    # The home page answers, or sends each role to its own start page; never to the login.
    response = client.get("/")
    return not response.headers.get("Location", "").startswith("/login")


def change(client, current=PASSWORD, new=NEW, repeat=None):
    return post_form(client, PAGE, {"current_password": current, "new_password": new,
                                    "new_password_repeat": new if repeat is None else repeat})


def test_every_role_can_change_its_password(app, client, login_as):
    for role in Role:
        user = UserFactory(role=role)
        browser = login_as(user, client=app.test_client())
        assert browser.get(PAGE).status_code == 200
        response = change(browser)
        assert response.status_code == 302, (role, response.get_data(as_text=True))
        assert check_password_hash(user.password_hash, NEW)
        # The session that changed it goes on; the old password no longer logs in.
        assert still_logged_in(browser), role
        assert login(app.test_client(), user.email, PASSWORD).status_code == 401
        assert login(app.test_client(), user.email, NEW).status_code == 302


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_wrong_current_password_is_named_at_its_field_and_changes_nothing(client, login_as):
    user = UserFactory()
    before = user.password_hash
    response = change(login_as(user), current="niet mijn wachtwoord")
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True))
    assert errors == {"current_password": ["Het huidige wachtwoord is onjuist."]}
    db.session.refresh(user)
    assert user.password_hash == before


def test_a_new_password_that_breaks_the_rules_is_named_at_its_field(client, login_as):
    user = UserFactory(email="piet.post@example.nl")
    before = user.password_hash
    client = login_as(user)
    for new, message in [("kort", "minstens 12 tekens"),
                         ("password1234", "te bekend"),
                         ("piet.post-is-de-baas", "e-mailadres")]:
        response = change(client, new=new)
        assert response.status_code == 422
        errors = field_errors(response.get_data(as_text=True))
        assert list(errors) == ["new_password"], errors
        assert any(message in text for text in errors["new_password"]), errors
    db.session.refresh(user)
    assert user.password_hash == before


def test_the_repeat_must_match(client, login_as):
    user = UserFactory()
    response = change(login_as(user), repeat="zeven blauwe fietsjes")
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True)) == {
        "new_password_repeat": ["De twee nieuwe wachtwoorden zijn niet gelijk."]}


def test_the_same_password_again_is_no_change(client, login_as):
    user = UserFactory()
    response = change(login_as(user), new=PASSWORD)
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True)) == {
        "new_password": ["Kies een ander wachtwoord dan het huidige."]}


def test_a_change_ends_the_other_sessions(app, login_as):
    user = UserFactory()
    laptop = login_as(user, client=app.test_client())
    phone = login_as(user, client=app.test_client())
    assert change(laptop).status_code == 302
    assert still_logged_in(laptop)
    assert not still_logged_in(phone)


def created_by_admin(app, login_as, schemes):
    admin = UserFactory(role=Role.ADMIN)
    browser = login_as(admin, client=app.test_client())
    response = post_form(browser, "/beheer/gebruikers/nieuw", {
        "name": "Nina Visser", "email": "nina.visser@ministerie.nl",
        "roles": ["assessor"], "organisation": ""})
    assert response.status_code == 200
    import re
    password = re.search(r'<p class="secret__value"><code>([^<]+)</code>',
                         response.get_data(as_text=True)).group(1)
    return db.session.scalars(sa.select(User).where(
        User.email == "nina.visser@ministerie.nl")).one(), password


def test_an_account_an_admin_made_must_choose_its_own_password_first(app, login_as, schemes):
    user, handed_over = created_by_admin(app, login_as, schemes)
    assert user.must_change_password

    nina = app.test_client()
    response = login(nina, user.email, handed_over)
    assert response.status_code == 302
    assert response.headers["Location"] == PAGE
    # Nothing else before the new password: every page leads back to the form.
    for path in ("/", "/beoordelen/", "/regelingen"):
        response = nina.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == PAGE
    page = nina.get(PAGE)
    assert page.status_code == 200
    assert "Kies eerst een eigen wachtwoord" in text_of(page.get_data(as_text=True))

    assert change(nina, current=handed_over).status_code == 302
    db.session.refresh(user)
    assert not user.must_change_password
    # Next, as staff, two-factor authentication (and nothing else before it).
    assert nina.get("/beoordelen/").headers["Location"] == "/account/tweestapsverificatie"
    # The password the admin saw no longer works.
    assert login(app.test_client(), user.email, handed_over).status_code == 401


def test_a_forced_user_can_still_log_out(app, login_as, schemes):
    user, handed_over = created_by_admin(app, login_as, schemes)
    nina = app.test_client()
    login(nina, user.email, handed_over)
    response = post_form(nina, "/logout", {}, page=PAGE)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
