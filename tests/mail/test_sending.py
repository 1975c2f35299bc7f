"""Sending: the mail folder by default, SMTP when configured; failures kept and retried."""

import socket
from datetime import timedelta

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.jobs.mail import send_waiting_mail
from grants.jobs.queue import queue_for
from grants.models import Application, MailKind, MailStatus, OutgoingMail
from tests.conftest import START
from tests.decisions.conftest import ok
from tests.factories import UserFactory
from tests.mail.conftest import one_line, outbox, read_eml

SENDER = "Subsidies Techniekpact <noreply@localhost>"


def submitted(world, clock) -> int:
    clock.moment = START
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(world.applicant.fire(number, "submit"))
    return number


def test_without_smtp_each_mail_is_an_eml_file_in_the_instance(world, clock, mail_folder):
    number = submitted(world, clock)
    (mail,) = outbox()
    (path,) = mail_folder.iterdir()
    assert path.name == f"20140401-090000-{mail.id:06d}-receipt.eml"
    message = read_eml(path)
    reference = db.session.get(Application, number).reference
    assert message["To"] == world.applicant.user.email
    assert message["From"] == SENDER
    assert message["Subject"] == f"Ontvangstbevestiging aanvraag {reference}"
    assert message["Date"] == "Tue, 01 Apr 2014 07:00:00 +0000"
    assert message["Message-ID"] == f"<20140401070000.{mail.id}.grants@localhost>"
    assert message["Auto-Submitted"] == "auto-generated"
    text = message.get_content()
    assert text == mail.body
    assert "€ 500.166,66" in one_line(text) and "1 april 2014 om 09:00:00" in text
    assert mail.status is MailStatus.SENT

    again = send_waiting_mail()
    assert (again.sent, again.failed) == (0, {})
    assert list(mail_folder.iterdir()) == [path]


def test_with_smtp_the_mails_go_to_the_server(world, clock, smtp, app, monkeypatch):
    server = smtp(auth=True)
    monkeypatch.setitem(app.config, "MAIL_SMTP_USER", "grants")
    monkeypatch.setitem(app.config, "MAIL_SMTP_PASSWORD", "geheim")
    UserFactory(organisation=world.employers, email="tweede@metaalwerkgevers.nl")
    number = submitted(world, clock)

    mails = outbox(MailKind.RECEIPT, number)
    assert len(mails) == 2 and all(mail.status is MailStatus.SENT for mail in mails)
    assert sorted(r.recipients for r in server.received) == sorted(
        (mail.recipient,) for mail in mails)
    for received in server.received:
        assert received.mail_from == "noreply@localhost" and received.user == "grants"
        message = received.message
        (mail,) = [m for m in mails if m.recipient == message["To"]]
        assert message["Subject"] == mail.subject
        assert message.get_content().replace("\r\n", "\n") == mail.body


def test_a_refused_recipient_is_recorded_and_sent_by_the_next_run(world, clock, smtp, app):
    refused = world.applicant.user.email
    UserFactory(organisation=world.employers, email="tweede@metaalwerkgevers.nl")
    server = smtp(refuse=frozenset({refused}))
    submitted(world, clock)

    by_address = {mail.recipient: mail for mail in outbox()}
    failed = by_address[refused]
    assert failed.status is MailStatus.FAILED and failed.attempts == 1
    assert f"550 5.1.1 <{refused}>: mailbox unavailable" in failed.last_error
    assert by_address["tweede@metaalwerkgevers.nl"].status is MailStatus.SENT
    assert [r.recipients for r in server.received] == [("tweede@metaalwerkgevers.nl",)]

    runner = app.test_cli_runner()
    listing = runner.invoke(args=["grants", "mail", "--status", "failed"])
    assert listing.exit_code == 0, listing.output
    assert "verstuurd: 1, wachtend: 0, mislukt: 1" in listing.output
    assert refused in listing.output and "1 poging(en): " in listing.output
    assert "mailbox unavailable" in listing.output
    assert "tweede@" not in listing.output

    server.refuse = frozenset()  # the mailbox is back
    sent = runner.invoke(args=["grants", "mail", "send"])
    assert sent.exit_code == 0, sent.output
    assert "1 verstuurd, 0 mislukt" in sent.output
    retried = next(mail for mail in outbox() if mail.recipient == refused)
    assert retried.status is MailStatus.SENT and retried.attempts == 1
    assert retried.last_error == ""
    assert sorted(r.recipients for r in server.received) == sorted(
        [("tweede@metaalwerkgevers.nl",), (refused,)])


def test_a_server_that_is_down_leaves_the_mail_waiting_with_the_reason(
        world, clock, smtp, app, monkeypatch):
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "MAIL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_SMTP_PORT", closed_port)
    monkeypatch.setitem(app.config, "MAIL_SMTP_STARTTLS", False)
    submitted(world, clock)
    (mail,) = outbox()
    assert mail.status is MailStatus.FAILED and mail.attempts == 1
    assert f"SMTP 127.0.0.1:{closed_port} niet bereikbaar" in mail.last_error
    recipient = mail.recipient

    server = smtp()
    outcome = send_waiting_mail()
    assert (outcome.sent, outcome.failed) == (1, {})
    assert [r.recipients for r in server.received] == [(recipient,)]
    (mail,) = outbox()
    assert mail.status is MailStatus.SENT


def test_starttls_is_required_when_configured_so_nothing_goes_in_clear(world, clock, smtp, app,
                                                                        monkeypatch):
    server = smtp()  # offers no STARTTLS
    monkeypatch.setitem(app.config, "MAIL_SMTP_STARTTLS", True)
    submitted(world, clock)
    (mail,) = outbox()
    assert mail.status is MailStatus.FAILED and "STARTTLS" in mail.last_error
    assert server.received == []


def test_the_outbox_on_the_command_line(world, clock, app, mail_folder):
    number = submitted(world, clock)
    (mail,) = outbox()
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["grants", "mail"])
    assert listing.exit_code == 0, listing.output
    assert "verstuurd: 1, wachtend: 0, mislukt: 0" in listing.output
    reference = db.session.get(Application, number).reference
    assert f"{mail.id:>6}  2014-04-01 09:00  verstuurd" in listing.output
    assert f"Ontvangstbevestiging aanvraag {reference}" in listing.output

    shown = runner.invoke(args=["grants", "mail", "show", str(mail.id)])
    assert shown.exit_code == 0, shown.output
    assert "Status: verstuurd" in shown.output
    assert f"To: {mail.recipient}" in shown.output and mail.body in shown.output
    missing = runner.invoke(args=["grants", "mail", "show", "999999"])
    assert missing.exit_code == 1 and "Er is geen bericht 999999." in missing.output

    sent = runner.invoke(args=["grants", "mail", "send"])
    assert "0 verstuurd, 0 mislukt (map " in sent.output


@pytest.mark.parametrize("status", ["sent", "waiting", "failed"])
def test_the_listing_filters_by_status(world, clock, app, status):
    submitted(world, clock)
    listing = app.test_cli_runner().invoke(args=["grants", "mail", "--status", status])
    assert ("Ontvangstbevestiging" in listing.output) is (status == "sent")


@pytest.fixture
def queued(app):
    """Jobs go on the queue instead of running at the commit: the mails stay waiting."""
    huey = queue_for(app).huey
    huey.immediate = False
    huey.flush()  # start from an empty queue, whatever earlier tests left on it
    try:
        yield huey
    finally:
        huey.flush()
        huey.immediate = True


def test_a_mail_another_sender_holds_is_left_to_it_until_its_lease_runs_out(
        world, clock, app, queued, mail_folder):
    submitted(world, clock)
    (mail,) = outbox()
    assert mail.status is MailStatus.WAITING and queued.pending_count() == 1
    assert "verstuurd: 0, wachtend: 1, mislukt: 0" in app.test_cli_runner().invoke(
        args=["grants", "mail"]).output
    mail_id = mail.id
    db.session.execute(sa.update(OutgoingMail).where(OutgoingMail.id == mail_id).values(
        sending_by="elders.example:4242:1", sending_until=clock() + timedelta(seconds=60)))
    db.session.commit()

    assert send_waiting_mail().sent == 0  # the other sender may be sending it right now
    assert not mail_folder.exists()
    clock.advance(seconds=61)  # it stopped renewing its lease: it is gone
    assert send_waiting_mail().sent == 1
    (mail,) = outbox()
    assert mail.id == mail_id and mail.status is MailStatus.SENT
    assert len(list(mail_folder.iterdir())) == 1
