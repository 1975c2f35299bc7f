import sqlalchemy as sa

from grants.extensions import db
from grants.models import LoginFailure, Role
from tests.conftest import csrf_token, login
from tests.factories import UserFactory

GENERIC = "Het e-mailadres of het wachtwoord is onjuist."
THROTTLED = "Te veel mislukte pogingen"


def test_login_page_answers_in_dutch(client):
    response = client.get("/login")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="nl">' in html
    assert 'name="csrf_token"' in html


def test_login_success_lands_on_the_role_page(client, clock):
    user = UserFactory(role=Role.ASSESSOR, name="Bram Jansen")
    response = login(client, user.email.upper())
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Welkom, Bram Jansen" in page
    assert "beoordelaar" in page
    assert user.last_login_at == clock()


def test_wrong_password_and_unknown_email_get_the_same_answer(client):
    user = UserFactory()
    wrong = login(client, user.email, "not the password")
    unknown = login(client, "nobody@example.nl", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert GENERIC in wrong.get_data(as_text=True)
    assert GENERIC in unknown.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still not logged in


def test_inactive_user_cannot_log_in(client):
    user = UserFactory(active=False)
    response = login(client, user.email)
    assert response.status_code == 401
    assert GENERIC in response.get_data(as_text=True)


def test_throttling_after_five_failures_even_with_the_right_password(client, clock):
    # The rule: no hard lock, a delay. After 5 failures in a row the next try waits the first
    # delay (1 minute) counted from the 5th failure, whatever the password; then it is checked.
    user = UserFactory()
    for _ in range(5):
        assert login(client, user.email, "guess").status_code == 401
    response = login(client, user.email)
    assert response.status_code == 429
    assert THROTTLED in response.get_data(as_text=True)
    assert "over 1 minuut opnieuw" in response.get_data(as_text=True)

    clock.advance(minutes=1)
    assert login(client, user.email).status_code == 302


def test_throttling_does_not_reveal_whether_an_account_exists(client):
    for _ in range(5):
        login(client, "nobody@example.nl", "guess")
    response = login(client, "nobody@example.nl", "guess")
    assert response.status_code == 429
    assert THROTTLED in response.get_data(as_text=True)


def test_throttling_per_client_address_across_accounts(client, app):
    users = UserFactory.create_batch(3)
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    for attempt in range(limit):
        login(client, f"guess{attempt}@example.nl", "guess")
    response = login(client, users[0].email)
    assert response.status_code == 429


def test_successful_login_forgets_earlier_failures(client):
    user = UserFactory()
    for _ in range(4):
        login(client, user.email, "guess")
    assert login(client, user.email).status_code == 302
    remaining = db.session.scalar(
        sa.select(sa.func.count()).where(LoginFailure.email == user.email))
    assert remaining == 0


def test_failures_outside_the_window_do_not_count(client, clock):
    user = UserFactory()
    for _ in range(4):
        login(client, user.email, "guess")
    clock.advance(minutes=16)
    for _ in range(4):
        login(client, user.email, "guess")
    assert login(client, user.email).status_code == 302


def test_login_without_csrf_token_is_rejected(client):
    user = UserFactory()
    response = client.post("/login", data={"email": user.email, "password": "x" * 20})
    assert response.status_code == 400
    assert "formulier is verlopen" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_logout_needs_a_csrf_token(client, login_as):
    login_as(UserFactory())
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200
    token = csrf_token(client, "/")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_next_parameter_only_redirects_within_the_site(app):
    user = UserFactory()
    for target, expected in [("/regelingen", "/regelingen"), ("//evil.example/x", "/"),
                             ("https://evil.example/", "/"), ("/\\evil.example", "/")]:
        client = app.test_client()
        response = client.post(f"/login?next={target}", data={
            "email": user.email, "password": "correct horse battery staple",
            "csrf_token": csrf_token(client)})
        assert response.headers["Location"] == expected, target


def test_session_cookie_is_http_only_and_same_site(client):
    user = UserFactory()
    response = login(client, user.email)
    cookie = next(v for k, v in response.headers.items()
                  if k == "Set-Cookie" and v.startswith("grants_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/aanvragen/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
