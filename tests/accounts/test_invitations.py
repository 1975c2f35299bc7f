"""Invitations (issue 14): the organisation's administrator, or staff, invite a colleague by name
and address; the link works once, for 7 days, and makes the account with a password the invitee
chooses. The inviter sees and revokes open invitations; the administrator sees the colleagues
and deactivates their accounts. Another organisation's invitation or colleague is 404, an
applicant who is not the administrator gets 403, and nothing tells whether an address already
has an account before its owner opens the link."""

import hashlib
import re

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from grants.errors import ValidationFailed
from grants.extensions import db
from grants.models import (
    AdminAction,
    AdminEvent,
    Invitation,
    MailKind,
    OrganisationStatus,
    OutgoingMail,
    Role,
    User,
)
from grants.services.registration import deactivate_colleague
from tests.accounts.conftest import field_errors, post_form, text_of
from tests.conftest import csrf_token, login
from tests.factories import OrganisationFactory, UserFactory

COLLEAGUES = "/portaal/organisatie/collegas"
NEW = "zeven blauwe fietsen"


def count(statement) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(statement.subquery()))


def invitation_mails() -> list[OutgoingMail]:
    return list(db.session.scalars(
        sa.select(OutgoingMail).where(OutgoingMail.kind == MailKind.INVITATION)
        .order_by(OutgoingMail.id).execution_options(populate_existing=True)))


def invitation_link(mail: OutgoingMail) -> str:
    match = re.search(r"https?://[^/\s]+(/uitnodiging/[A-Za-z0-9_\-]+)", mail.body)
    assert match, mail.body
    return match.group(1)


def invitation_of(mail: OutgoingMail) -> Invitation:
    token = invitation_link(mail).rsplit("/", 1)[1]
    return db.session.scalars(sa.select(Invitation).where(
        Invitation.token_hash == hashlib.sha256(token.encode()).hexdigest())).one()


def invite(client, name="Bert Jansen", email="bert@example.nl", as_administrator=False):
    data = {"name": name, "email": email}
    if as_administrator:
        data["as_administrator"] = "y"
    return post_form(client, COLLEAGUES, data)


def set_password(client, path, new=NEW):
    return post_form(client, path, {"new_password": new, "new_password_repeat": new})


def events(organisation, action) -> list[AdminEvent]:
    return list(db.session.scalars(sa.select(AdminEvent).where(
        AdminEvent.organisation_id == organisation.id, AdminEvent.action == action)
        .order_by(AdminEvent.id)))


def manager(**kwargs) -> User:
    return UserFactory(name="Anna Beheer", manages_organisation=True, **kwargs)


def test_the_administrator_invites_and_the_link_makes_the_account_once(app, client, login_as,
                                                                       clock):
    anna = manager()
    login_as(anna)
    organisation = anna.organisation
    assert f'href="{COLLEAGUES}"' in client.get("/portaal/organisatie").get_data(as_text=True)
    response = invite(client, email="Bert@Example.nl", as_administrator=True)
    assert response.status_code == 303, response.get_data(as_text=True)

    [mail] = invitation_mails()
    assert (mail.recipient, mail.user_id) == ("bert@example.nl", None)
    assert "Anna Beheer" in mail.body and organisation.name in mail.body
    assert "7 dagen geldig" in mail.body
    path = invitation_link(mail)
    [invitation] = db.session.scalars(sa.select(Invitation)).all()
    assert invitation.token_hash == hashlib.sha256(
        path.rsplit("/", 1)[1].encode()).hexdigest()
    assert invitation.expires_at == clock().replace(day=8)
    page = text_of(client.get(COLLEAGUES).get_data(as_text=True))
    assert "Openstaande uitnodigingen" in page and "bert@example.nl" in page
    [sent] = events(organisation, AdminAction.INVITATION_SENT)
    assert sent.actor_id == anna.id and sent.data["invitation"]["email"] == "bert@example.nl"

    invitee = app.test_client()
    assert invitee.get(path).status_code == 200
    response = set_password(invitee, path)
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    bert = db.session.scalars(sa.select(User).where(User.email == "bert@example.nl")).one()
    assert bert.roles == {Role.APPLICANT} and bert.organisation_id == organisation.id
    assert bert.manages_organisation and check_password_hash(bert.password_hash, NEW)
    [accepted] = events(organisation, AdminAction.INVITATION_ACCEPTED)
    assert (accepted.actor_id, accepted.user_id) == (bert.id, bert.id)
    assert login(app.test_client(), "bert@example.nl", NEW).status_code == 302

    # Once only.
    again = app.test_client().get(path)
    assert again.status_code == 410 and "al gebruikt" in text_of(again.get_data(as_text=True))
    assert set_password(app.test_client(), path, new="acht rode fietsen").status_code == 410
    assert count(sa.select(User).where(User.organisation_id == organisation.id)) == 2


def test_an_invitation_expires_after_seven_days(app, client, login_as, clock):
    login_as(manager())
    invite(client)
    assert "bert@example.nl" in client.get(COLLEAGUES).get_data(as_text=True)
    path = invitation_link(invitation_mails()[0])
    clock.advance(days=6, hours=23, minutes=59, seconds=59)
    assert app.test_client().get(path).status_code == 200
    clock.advance(seconds=1)
    response = app.test_client().get(path)
    assert response.status_code == 410
    assert "verlopen" in text_of(response.get_data(as_text=True))
    assert set_password(app.test_client(), path).status_code == 410
    assert count(sa.select(User).where(User.email == "bert@example.nl")) == 0
    # Expired ones are no longer listed as open.
    assert "bert@example.nl" not in client.get(COLLEAGUES).get_data(as_text=True)


def test_a_revoked_invitation_no_longer_works(app, client, login_as):
    anna = manager()
    login_as(anna)
    invite(client)
    path = invitation_link(invitation_mails()[0])
    [invitation] = db.session.scalars(sa.select(Invitation)).all()
    response = post_form(client, f"{COLLEAGUES}/uitnodigingen/{invitation.id}/intrekken", {},
                         page=COLLEAGUES)
    assert response.status_code == 303
    response = app.test_client().get(path)
    assert response.status_code == 410
    assert "ingetrokken" in text_of(response.get_data(as_text=True))
    assert set_password(app.test_client(), path).status_code == 410
    [revoked] = events(anna.organisation, AdminAction.INVITATION_REVOKED)
    assert revoked.actor_id == anna.id
    # A second revocation changes nothing and says why.
    again = post_form(client, f"{COLLEAGUES}/uitnodigingen/{invitation.id}/intrekken", {},
                      page=COLLEAGUES)
    assert again.status_code == 303
    assert len(events(anna.organisation, AdminAction.INVITATION_REVOKED)) == 1


def test_another_organisations_invitation_cannot_be_revoked(app, client, login_as):
    other_manager = manager()
    other = app.test_client()
    login_as(other_manager, client=other)
    invite(other)
    [invitation] = db.session.scalars(sa.select(Invitation)).all()
    login_as(manager())
    response = post_form(client, f"{COLLEAGUES}/uitnodigingen/{invitation.id}/intrekken", {},
                         page=COLLEAGUES)
    assert response.status_code == 404
    db.session.refresh(invitation)
    assert invitation.revoked_at is None
    # Nor is their colleague deactivated.
    response = post_form(client, f"{COLLEAGUES}/{other_manager.id}/deactiveren", {},
                         page=COLLEAGUES)
    assert response.status_code == 404
    db.session.refresh(other_manager)
    assert other_manager.active


def test_an_applicant_who_is_not_the_administrator_cannot_invite(client, login_as):
    colleague = UserFactory()
    login_as(colleague)
    assert client.get(COLLEAGUES).status_code == 403
    token = csrf_token(client, "/portaal/organisatie")
    response = client.post(COLLEAGUES, data={"name": "Bert", "email": "bert@example.nl",
                                             "csrf_token": token})
    assert response.status_code == 403
    assert count(sa.select(Invitation)) == 0 and invitation_mails() == []
    assert f'href="{COLLEAGUES}"' not in client.get("/portaal/organisatie").get_data(
        as_text=True)


def test_staff_other_than_admins_cannot_reach_it(client, login_as):
    login_as(UserFactory(role=Role.ASSESSOR))
    assert client.get(COLLEAGUES).status_code == 403


def test_inviting_a_known_address_looks_the_same_and_the_link_refuses_it(app, client,
                                                                         login_as):
    known = UserFactory(email="bekend@example.nl")
    login_as(manager())
    first = invite(client, name="Bekend", email="bekend@example.nl")
    second = invite(client, name="Onbekend", email="onbekend@example.nl")
    assert first.status_code == second.status_code == 303
    listed = text_of(client.get(COLLEAGUES).get_data(as_text=True))
    assert "bekend@example.nl" in listed and "onbekend@example.nl" in listed
    known_mail, unknown_mail = invitation_mails()
    # The same mail with a link, whether or not the address has an account.
    assert known_mail.subject == unknown_mail.subject
    assert known_mail.body.count("/uitnodiging/") == unknown_mail.body.count("/uitnodiging/") == 1

    path = invitation_link(known_mail)
    page = app.test_client().get(path)
    assert page.status_code == 200
    assert "al een account" in text_of(page.get_data(as_text=True))
    refused = set_password(app.test_client(), path)
    assert refused.status_code == 422
    assert "al een account" in text_of(refused.get_data(as_text=True))
    db.session.refresh(known)
    assert known.organisation_id != invitation_of(known_mail).organisation_id
    assert count(sa.select(User).where(User.email == "bekend@example.nl")) == 1
    assert events(invitation_of(known_mail).organisation, AdminAction.INVITATION_ACCEPTED) == []


def test_bad_fields_are_named_and_a_second_open_invitation_refused(client, login_as):
    login_as(manager())
    response = invite(client, name="", email="geen-adres")
    assert response.status_code == 422
    assert set(field_errors(response.get_data(as_text=True))) == {"name", "email"}
    invite(client)
    twice = invite(client)
    assert twice.status_code == 422
    assert "al een uitnodiging open" in field_errors(twice.get_data(as_text=True))["email"][0]
    assert count(sa.select(Invitation)) == 1


def test_the_administrator_deactivates_a_colleague_but_not_the_last_administrator(
        app, client, login_as):
    anna = manager()
    bert = UserFactory(organisation=anna.organisation, name="Bert")
    bert_browser = login_as(bert, client=app.test_client())
    login_as(anna)
    page = text_of(client.get(COLLEAGUES).get_data(as_text=True))
    assert "Bert" in page and "Anna Beheer" in page

    response = post_form(client, f"{COLLEAGUES}/{bert.id}/deactiveren", {}, page=COLLEAGUES)
    assert response.status_code == 303
    db.session.refresh(bert)
    assert not bert.active
    # Bert's session ends at once.
    assert bert_browser.get("/portaal/").headers.get("Location", "").startswith("/login")
    [event] = events(anna.organisation, AdminAction.USER_DEACTIVATED)
    assert (event.actor_id, event.user_id) == (anna.id, bert.id)

    # Not their own account.
    own = post_form(client, f"{COLLEAGUES}/{anna.id}/deactiveren", {}, page=COLLEAGUES)
    assert own.status_code == 303
    assert "eigen account" in text_of(client.get(COLLEAGUES).get_data(as_text=True))
    db.session.refresh(anna)
    assert anna.active


def test_a_co_administrator_may_go_but_not_the_last_administrator(client, login_as, clock):
    anna = manager()
    carla = UserFactory(organisation=anna.organisation, manages_organisation=True)
    login_as(anna)
    post_form(client, f"{COLLEAGUES}/{carla.id}/deactiveren", {}, page=COLLEAGUES)
    db.session.refresh(carla)
    assert not carla.active
    # Now Anna is the last one: not even staff deactivate her here.
    staff = UserFactory(role=Role.ADMIN)
    with pytest.raises(ValidationFailed, match="laatste beheerder"):
        deactivate_colleague(anna.organisation, anna.id, actor=staff, now=clock())


def test_staff_invite_from_the_organisation_page_and_see_the_log(app, client, login_as,
                                                                 schemes):
    admin = UserFactory(role=Role.ADMIN, name="Beheerder Bart")
    organisation = OrganisationFactory(status=OrganisationStatus.PENDING)
    login_as(admin)
    page = f"/beheer/organisaties/{organisation.id}"
    response = post_form(client, f"{page}/uitnodigen",
                         {"uitnodiging-name": "Dirk", "uitnodiging-email": "dirk@example.nl",
                          "uitnodiging-as_administrator": "y"}, page=page)
    assert response.status_code == 303, response.get_data(as_text=True)
    [invitation] = db.session.scalars(sa.select(Invitation)).all()
    assert invitation.as_administrator and invitation.invited_by_id == admin.id
    html = client.get(page).get_data(as_text=True)
    assert "dirk@example.nl" in text_of(html) and "Collega uitgenodigd" in text_of(html)

    bad = post_form(client, f"{page}/uitnodigen",
                    {"uitnodiging-name": "", "uitnodiging-email": "x"}, page=page)
    assert bad.status_code == 422
    assert set(field_errors(bad.get_data(as_text=True))) == {"uitnodiging-name",
                                                             "uitnodiging-email"}

    response = post_form(client, f"{page}/uitnodigingen/{invitation.id}/intrekken", {},
                         page=page)
    assert response.status_code == 303
    db.session.refresh(invitation)
    assert invitation.revoked_at is not None
    assert "Uitnodiging ingetrokken" in text_of(client.get(page).get_data(as_text=True))
    # An invitation of another organisation is not found under this one.
    other = OrganisationFactory()
    response = post_form(client,
                         f"/beheer/organisaties/{other.id}/uitnodigingen/{invitation.id}"
                         "/intrekken", {}, page=page)
    assert response.status_code == 404
