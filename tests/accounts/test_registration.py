"""Self-registration (issue 14): an organisation and its first user register themselves; a
mailed link (24 hours, once) lets them choose a password, and only then are the organisation
(pending) and the account (its administrator) made. The form answers the same whether or not
the address has an account, names a KvK number already registered, and is throttled per client
address."""

import hashlib
import re

import sqlalchemy as sa
from werkzeug.security import check_password_hash

from grants.extensions import db
from grants.models import (
    AdminAction,
    AdminEvent,
    MailKind,
    Organisation,
    OrganisationStatus,
    OutgoingMail,
    Registration,
    Role,
    User,
)
from grants.services.registration import MAX_REGISTRATIONS_PER_ADDRESS
from tests.accounts.conftest import field_errors, post_form, text_of
from tests.conftest import login
from tests.factories import OrganisationFactory, UserFactory

REGISTER = "/registreren"
NEW = "zeven blauwe fietsen"
GOOD = {"organisation_name": "Stichting Techniek Twente", "kvk": "41 23 45 67",
        "kind": "om_fund", "region": "Oost-Nederland", "address": "Hengelosestraat 1",
        "postcode": "7521ag", "city": "Enschede", "name": "Anna de Vries",
        "email": "Anna@TechniekTwente.nl"}


def count(statement) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(statement.subquery()))


def register(client, **changes):
    return post_form(client, REGISTER, {**GOOD, **changes})


def registration_mails() -> list[OutgoingMail]:
    return list(db.session.scalars(
        sa.select(OutgoingMail).where(OutgoingMail.kind == MailKind.REGISTRATION)
        .order_by(OutgoingMail.id).execution_options(populate_existing=True)))


def confirm_link(mail: OutgoingMail) -> str:
    match = re.search(r"https?://[^/\s]+(/registreren/bevestigen/[A-Za-z0-9_\-]+)", mail.body)
    assert match, mail.body
    return match.group(1)


def set_password(client, path, new=NEW, repeat=None):
    return post_form(client, path, {"new_password": new,
                                    "new_password_repeat": new if repeat is None else repeat})


def test_the_login_page_links_to_it(client):
    assert f'href="{REGISTER}"' in client.get("/login").get_data(as_text=True)


def test_registering_sends_a_link_and_makes_nothing_yet(client, clock):
    response = register(client)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "anna@techniektwente.nl" in text_of(response.get_data(as_text=True))
    [mail] = registration_mails()
    assert (mail.recipient, mail.user_id) == ("anna@techniektwente.nl", None)
    assert "Stichting Techniek Twente" in mail.subject
    # Asked at 09:00 in Amsterdam: valid for 24 hours.
    assert "24 uur geldig (tot 2 april 2014 09:00 uur)" in mail.body
    path = confirm_link(mail)
    [registration] = db.session.scalars(sa.select(Registration)).all()
    token = path.rsplit("/", 1)[1]
    assert registration.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert (registration.kvk, registration.postcode) == ("41234567", "7521 AG")
    assert registration.expires_at == clock().replace(day=2)
    # Neither the organisation nor the account exists before the link is opened.
    assert count(sa.select(Organisation).where(Organisation.kvk == "41234567")) == 0
    assert count(sa.select(User).where(User.email == "anna@techniektwente.nl")) == 0


def test_the_link_makes_a_pending_organisation_and_its_administrator_once(app, client, clock):
    register(client)
    path = confirm_link(registration_mails()[0])
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "Stichting Techniek Twente" in text_of(page.get_data(as_text=True))
    clock.advance(hours=2)
    response = set_password(client, path)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"] == "/login"

    organisation = db.session.scalars(sa.select(Organisation).where(
        Organisation.kvk == "41234567")).one()
    assert organisation.status == OrganisationStatus.PENDING and not organisation.may_submit
    assert (organisation.name, organisation.address, organisation.postcode,
            organisation.city) == ("Stichting Techniek Twente", "Hengelosestraat 1", "7521 AG",
                                   "Enschede")
    user = db.session.scalars(sa.select(User).where(
        User.email == "anna@techniektwente.nl")).one()
    assert user.roles == {Role.APPLICANT} and user.organisation_id == organisation.id
    assert user.manages_organisation and not user.must_change_password
    assert check_password_hash(user.password_hash, NEW)
    [event] = db.session.scalars(sa.select(AdminEvent).where(
        AdminEvent.organisation_id == organisation.id)).all()
    assert (event.action, event.actor_id, event.user_id) == (
        AdminAction.ORGANISATION_REGISTERED, user.id, user.id)
    assert event.at == clock()

    # The portal tells them the organisation waits for verification.
    browser = app.test_client()
    assert login(browser, user.email, NEW).status_code == 302
    home = text_of(browser.get("/portaal/").get_data(as_text=True))
    assert "wacht op controle door het ministerie" in home

    # Used: it says so, and makes nothing more.
    again = client.get(path)
    assert again.status_code == 410 and "al bevestigd" in text_of(again.get_data(as_text=True))
    assert set_password(app.test_client(), path, new="acht rode fietsen").status_code == 410
    assert count(sa.select(User).where(User.organisation_id == organisation.id)) == 1


def test_the_link_expires_after_24_hours(client, clock):
    register(client)
    path = confirm_link(registration_mails()[0])
    clock.advance(hours=23, minutes=59, seconds=59)
    assert client.get(path).status_code == 200
    clock.advance(seconds=1)
    response = client.get(path)
    assert response.status_code == 410
    assert "verlopen" in text_of(response.get_data(as_text=True))
    assert set_password(client, path).status_code == 410
    assert count(sa.select(Organisation).where(Organisation.kvk == "41234567")) == 0


def test_an_unknown_link_is_not_found(client):
    response = client.get("/registreren/bevestigen/verzonnen")
    assert response.status_code == 404
    assert "ongeldig" in text_of(response.get_data(as_text=True))


def test_the_password_rules_apply_at_the_field(client):
    register(client)
    path = confirm_link(registration_mails()[0])
    response = set_password(client, path, new="anna@techniektwente.nl-1")
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True))
    assert list(errors) == ["new_password"] and "e-mailadres" in errors["new_password"][0]
    assert count(sa.select(Organisation).where(Organisation.kvk == "41234567")) == 0
    # A refused password does not spend the link.
    assert set_password(client, path).status_code == 303


def test_a_known_address_gets_the_same_page_and_a_mail_saying_so(client):
    user = UserFactory(email="anna@techniektwente.nl")
    known = register(client)
    unknown = register(client, email="bert@techniektwente.nl", kvk="41234568")
    assert known.status_code == unknown.status_code == 200
    mask = {"anna@techniektwente.nl": "X", "bert@techniektwente.nl": "X"}
    texts = [text_of(r.get_data(as_text=True)) for r in (known, unknown)]
    for address, replacement in mask.items():
        texts = [text.replace(address, replacement) for text in texts]
    assert texts[0] == texts[1]
    first, second = registration_mails()
    # The account's owner learns that an account exists; the mail carries no link to use.
    assert (first.recipient, first.user_id) == (user.email, user.id)
    assert "al een account" in first.body and "/registreren/bevestigen/" not in first.body
    assert (second.recipient, second.user_id) == ("bert@techniektwente.nl", None)
    assert "/registreren/bevestigen/" in second.body


def test_a_registered_kvk_number_is_named_with_whom_to_ask(client):
    OrganisationFactory(name="Techniek Twente", kvk="41234567")
    response = register(client)
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True))
    assert list(errors) == ["kvk"]
    assert "al aangemeld" in errors["kvk"][0] and "uitnodiging" in errors["kvk"][0]
    assert registration_mails() == []
    assert count(sa.select(Registration)) == 0


def test_each_bad_field_is_named_and_nothing_is_kept(client):
    response = register(client, organisation_name="", kvk="1234", kind="", region="Mars",
                        address="", postcode="12345", city="", name=" ", email="anna@")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    errors = field_errors(html)
    assert set(errors) == {"organisation_name", "kvk", "kind", "region", "address", "postcode",
                           "city", "name", "email"}
    assert "Er is een probleem" in text_of(html)
    assert 'href="#organisation_name"' in html
    assert count(sa.select(Registration)) == 0 and registration_mails() == []


def test_a_kvk_number_taken_meanwhile_is_refused_at_the_link(client):
    register(client)
    path = confirm_link(registration_mails()[0])
    OrganisationFactory(name="Techniek Twente", kvk="41234567")
    response = set_password(client, path)
    assert response.status_code == 422
    assert "al aangemeld" in text_of(response.get_data(as_text=True))
    assert count(sa.select(User).where(User.email == "anna@techniektwente.nl")) == 0


def test_registrations_are_throttled_per_client_address(app, client, clock):
    for number in range(MAX_REGISTRATIONS_PER_ADDRESS):
        assert register(client, kvk=f"5000000{number}").status_code == 200
        clock.advance(minutes=1)
    refused = register(client, kvk="50000009")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "te vaak" in text_of(refused.get_data(as_text=True))
    assert count(sa.select(Registration)) == MAX_REGISTRATIONS_PER_ADDRESS
    # Another client address is not held up.
    other = app.test_client()
    response = other.post(REGISTER, data={**GOOD, "kvk": "50000010",
                                          "csrf_token": _token(other)},
                          environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert response.status_code == 200
    # An hour after the first one, one more is let through.
    clock.advance(minutes=56)
    assert register(client, kvk="50000011").status_code == 200


def test_one_mailbox_gets_at_most_three_mails_a_day(app, client, clock):
    for number in range(4):
        client = app.test_client()
        response = client.post(REGISTER, data={**GOOD, "kvk": f"6000000{number}",
                                               "csrf_token": _token(client)},
                               environ_base={"REMOTE_ADDR": f"10.0.0.{number}"})
        assert response.status_code == 200
    assert len(registration_mails()) == 3
    clock.advance(hours=24, seconds=1)
    response = client.post(REGISTER, data={**GOOD, "kvk": "60000009",
                                           "csrf_token": _token(client)},
                           environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert response.status_code == 200
    assert len(registration_mails()) == 4


def _token(client) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client, REGISTER)
