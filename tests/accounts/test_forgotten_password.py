"""Forgotten password (issue 14): the same answer whether or not the address has an account; a
mail through the outbox with a link that works once, for one hour; only its hash is stored."""

import hashlib

import sqlalchemy as sa
from werkzeug.security import check_password_hash

from grants.extensions import db
from grants.models import MailKind, PasswordResetToken
from tests.accounts.conftest import field_errors, link_in, post_form, reset_mails, text_of
from tests.conftest import login
from tests.factories import PASSWORD, UserFactory

FORGOT = "/wachtwoord-vergeten"
NEW = "zeven blauwe fietsen"


def ask(client, email):
    return post_form(client, FORGOT, {"email": email})


def set_new(client, path, new=NEW, repeat=None):
    return post_form(client, path, {"new_password": new,
                                    "new_password_repeat": new if repeat is None else repeat})


def test_the_login_page_links_to_it(client):
    assert f'href="{FORGOT}"' in client.get("/login").get_data(as_text=True)


def test_known_and_unknown_addresses_get_the_same_page(client):
    user = UserFactory()
    known = ask(client, user.email.upper())
    unknown = ask(client, "niemand@example.nl")
    assert known.status_code == unknown.status_code == 200
    assert text_of(known.get_data(as_text=True)) == text_of(unknown.get_data(as_text=True))
    # Only the account's address gets a mail.
    [mail] = reset_mails()
    assert (mail.recipient, mail.user_id, mail.kind) == (user.email, user.id,
                                                         MailKind.PASSWORD_RESET)


def test_an_inactive_account_gets_no_mail(client):
    user = UserFactory(active=False)
    assert ask(client, user.email).status_code == 200
    assert reset_mails() == []


def test_an_empty_address_is_named_at_its_field(client):
    response = ask(client, "")
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True)) == {
        "email": ["Vul uw e-mailadres in."]}


def test_the_link_sets_a_new_password_once(app, client, clock):
    user = UserFactory()
    ask(client, user.email)
    [mail] = reset_mails()
    path = link_in(mail)
    assert mail.body.count(path) == 1
    # Asked at 07:00 UTC, 09:00 in Amsterdam (summer time, UTC+2), so valid until 10:00.
    assert "1 uur geldig (tot 10:00 uur)" in mail.body

    # Only the SHA-256 of the token is kept.
    token = path.rsplit("/", 1)[1]
    [row] = db.session.scalars(sa.select(PasswordResetToken)).all()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in row.token_hash
    # 07:00 UTC plus one hour.
    assert row.expires_at == clock().replace(hour=8)

    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    response = set_new(client, path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    db.session.refresh(user)
    assert check_password_hash(user.password_hash, NEW)
    assert login(app.test_client(), user.email, PASSWORD).status_code == 401
    assert login(app.test_client(), user.email, NEW).status_code == 302

    # Used: it says so, and does nothing.
    again = client.get(path)
    assert again.status_code == 410
    assert "al gebruikt" in text_of(again.get_data(as_text=True))
    assert set_new(app.test_client(), path, new="acht rode fietsen!").status_code == 410


def test_the_link_expires_after_one_hour(client, clock):
    user = UserFactory()
    ask(client, user.email)
    path = link_in(reset_mails()[0])
    clock.advance(minutes=59, seconds=59)
    assert client.get(path).status_code == 200
    clock.advance(seconds=1)  # exactly one hour after it was made
    response = client.get(path)
    assert response.status_code == 410
    assert "verlopen" in text_of(response.get_data(as_text=True))
    before = user.password_hash
    assert set_new(client, path).status_code == 410
    db.session.refresh(user)
    assert user.password_hash == before


def test_an_unknown_link_says_it_is_invalid(client):
    response = client.get("/wachtwoord-herstellen/verzonnen-token")
    assert response.status_code == 404
    assert "ongeldig" in text_of(response.get_data(as_text=True))


def test_the_rules_apply_and_are_named_at_the_field(client):
    user = UserFactory(email="piet.post@example.nl")
    ask(client, user.email)
    path = link_in(reset_mails()[0])
    response = set_new(client, path, new="password1234")
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True))
    assert list(errors) == ["new_password"] and "te bekend" in errors["new_password"][0]
    mismatch = set_new(client, path, repeat="iets heel anders hier")
    assert field_errors(mismatch.get_data(as_text=True)) == {
        "new_password_repeat": ["De twee nieuwe wachtwoorden zijn niet gelijk."]}
    # Refused attempts do not spend the link.
    assert set_new(client, path).status_code == 302


def test_a_reset_ends_every_session_and_spends_the_other_links(app, client, login_as):
    user = UserFactory()
    browser = login_as(user, client=app.test_client())
    ask(client, user.email)
    ask(client, user.email)
    first, second = (link_in(mail) for mail in reset_mails())
    assert set_new(client, second).status_code == 302
    assert browser.get("/").headers.get("Location", "").startswith("/login")
    assert client.get(first).status_code == 410


def test_a_reset_also_lifts_a_forced_change(client):
    user = UserFactory(must_change_password=True)
    ask(client, user.email)
    set_new(client, link_in(reset_mails()[0]))
    db.session.refresh(user)
    assert not user.must_change_password


def test_at_most_three_links_an_hour_per_account(client, clock):
    user = UserFactory()
    for _ in range(4):
        assert ask(client, user.email).status_code == 200
    assert len(reset_mails()) == 3
    clock.advance(hours=1, seconds=1)
    ask(client, user.email)
    assert len(reset_mails()) == 4
