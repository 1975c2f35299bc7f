"""Logout and password changes end sessions server-side (issue 14): the session cookie carries
the user's session token, and a cookie copied before the logout is refused after it."""

import re

from grants.services.accounts import session_user
from tests.accounts.conftest import post_form
from tests.conftest import login
from tests.factories import UserFactory


def copy_session(app, source):
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = source.get_cookie(name)
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie(name, cookie.value)
    return thief


def logged_in(client) -> bool:
    response = client.get("/")
    return not response.headers.get("Location", "").startswith("/login")


def test_a_cookie_copied_before_logout_is_refused_after_it(app, login_as):
    user = UserFactory()
    browser = login_as(user, client=app.test_client())
    thief = copy_session(app, browser)
    assert logged_in(thief)  # the copy works as long as the session lives

    response = post_form(browser, "/logout", {}, page="/")
    assert response.status_code == 302
    assert not logged_in(browser)
    assert not logged_in(thief)


def test_logout_ends_the_sessions_on_other_devices_too(app, login_as):
    user = UserFactory()
    laptop = login_as(user, client=app.test_client())
    phone = login_as(user, client=app.test_client())
    post_form(laptop, "/logout", {}, page="/")
    assert not logged_in(phone)
    # Logging in again makes a fresh session that works.
    assert login(phone, user.email).status_code == 302
    assert logged_in(phone)


def test_the_session_id_holds_the_token_and_only_the_current_one_loads():
    user = UserFactory()
    session_id = user.get_id()
    assert re.fullmatch(rf"{user.id}:[0-9a-f]{{64}}", session_id)
    assert session_user(session_id) is user
    # The bare id of sessions from before tokens, a wrong token, and nonsense: nobody.
    for stale in (str(user.id), f"{user.id}:{'0' * 64}", f"{user.id}:", "x:y", ""):
        assert session_user(stale) is None, stale


def test_an_inactive_user_has_no_session():
    user = UserFactory()
    session_id = user.get_id()
    user.active = False
    assert session_user(session_id) is None


def test_api_tokens_are_separate_and_outlive_a_logout(app, login_as, clock, schemes):
    from grants.services.tokens import create_token

    user = UserFactory()
    token = create_token(user, clock())[1]
    browser = login_as(user, client=app.test_client())
    post_form(browser, "/logout", {}, page="/")
    api = app.test_client().get("/api/v1/schemes", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
