"""Reminders of terms that run out: once per term and person, however often they are run."""

from datetime import UTC, date, datetime

import pytest

from grants.extensions import db
from grants.mail.reminders import write_reminders
from grants.models import Application, MailKind, MailStatus, Role
from tests.conftest import START
from tests.decisions.conftest import ok
from tests.factories import UserFactory
from tests.mail.conftest import one_line, outbox


def remind(app, days: int = 7) -> str:
    result = app.test_cli_runner().invoke(args=["grants", "mail", "remind", "--days", str(days)])
    assert result.exit_code == 0, result.output
    return result.output


def at(clock, day: date) -> None:
    clock.moment = datetime(day.year, day.month, day.day, 6, 30, tzinfo=UTC)  # 08:30 local


@pytest.fixture
def incomplete(world, clock) -> int:
    """Asked on 1 April 2014 to complete the application: the repair term ends 15 April."""
    clock.moment = START
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(world.applicant.fire(number, "submit"))
    ok(world.assessor.fire(number, "request_information",
                           {"reason": "De begroting per maatregel ontbreekt."}))
    assert db.session.get(Application, number).repair_due_on == date(2014, 4, 15)
    return number


def test_the_applicant_is_reminded_of_the_repair_term_once(world, clock, app, incomplete):
    at(clock, date(2014, 4, 7))  # eight days left: not yet
    assert "0 herinneringen geschreven; 0 waren al eerder geschreven." in remind(app)
    assert outbox(MailKind.REPAIR_DUE) == []

    at(clock, date(2014, 4, 9))  # six days left
    assert "1 herinneringen geschreven; 0 waren al eerder geschreven." in remind(app)
    (mail,) = outbox(MailKind.REPAIR_DUE)
    reference = db.session.get(Application, incomplete).reference
    assert mail.recipient == world.applicant.user.email
    assert mail.subject == f"Herinnering: aanvraag {reference} aanvullen tot en met 15 april 2014"
    body = one_line(mail.body)
    for fact in ("De hersteltermijn loopt tot en met 15 april 2014 (nog 6 dagen).",
                 "Wat wij vroegen: De begroting per maatregel ontbreekt.",
                 f"http://127.0.0.1:5000/portaal/aanvragen/{incomplete}"):
        assert fact in body, fact
    assert mail.status is MailStatus.SENT

    assert "0 herinneringen geschreven; 1 waren al eerder geschreven." in remind(app)
    at(clock, date(2014, 4, 15))  # the last day: still the same term, no second reminder
    remind(app)
    at(clock, date(2014, 4, 16))  # run out: nothing more to remind of
    remind(app)
    assert len(outbox(MailKind.REPAIR_DUE)) == 1


def test_a_new_repair_term_gets_its_own_reminder(world, clock, app, incomplete):
    at(clock, date(2014, 4, 9))
    remind(app)
    ok(world.applicant.fire(incomplete, "provide_information"))
    ok(world.assessor.fire(incomplete, "request_information", {
        "reason": "Welke werknemersorganisatie tekent mee?", "repair_due_on": "2014-04-12"}))
    remind(app)
    first, second = outbox(MailKind.REPAIR_DUE)
    assert "15 april 2014" in first.subject and "12 april 2014" in second.subject
    assert "Wat wij vroegen: Welke werknemersorganisatie tekent mee?" in one_line(second.body)
    assert "nog 3 dagen" in second.body


def test_the_assessors_are_reminded_of_the_decision_term(world, clock, app):
    blocked = UserFactory(role=Role.ASSESSOR, active=False)
    clock.moment = START
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(world.applicant.fire(number, "submit"))
    application = db.session.get(Application, number)
    # 13 weeks after 31 May 2014 is Saturday 30 August: due Monday 1 September.
    assert application.decision_due_on == date(2014, 9, 1)
    reference = application.reference

    at(clock, date(2014, 8, 29))
    assert "2 herinneringen geschreven" in remind(app, days=3)
    mails = outbox(MailKind.DECISION_DUE)
    assert sorted(mail.recipient for mail in mails) == sorted(
        [world.assessor.user.email, world.assessor2.user.email])
    assert blocked.email not in {mail.recipient for mail in mails}
    mail = mails[0]
    assert mail.subject == f"Beslistermijn loopt af op 1 september 2014: aanvraag {reference}"
    body = one_line(mail.body)
    for fact in ("moet uiterlijk op 1 september 2014 worden beslist (nog 3 dagen)",
                 "Aanvrager: Metaalwerkgevers", "Status: Ingediend",
                 f"http://127.0.0.1:5000/aanvragen/{number}"):
        assert fact in body, fact

    at(clock, date(2014, 9, 1))
    assert "0 herinneringen geschreven; 2 waren al eerder geschreven." in remind(app, days=3)
    assert len(outbox(MailKind.DECISION_DUE)) == 2


def test_a_stopped_decision_clock_is_not_reminded_of(world, clock, incomplete):
    """While information is asked (Awb 4:15) the decision term does not run."""
    moment = datetime(2014, 8, 27, 7, tzinfo=UTC)
    reminded = write_reminders(date(2014, 8, 27), 30, moment)
    assert outbox(MailKind.DECISION_DUE) == []
    assert reminded.written == 0  # and the repair term has long run out
