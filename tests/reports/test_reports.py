"""Reports after the grant: due dates from the grant decision, reminders before and after the
due date, the applicant's upload, and the assessor's acceptance or sending back."""

import io
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    Application,
    AuditEvent,
    MailKind,
    OutgoingMail,
    ReportKind,
    ReportStatus,
)
from grants.services.deadlines import DeadlineKind, upcoming_deadlines
from grants.services.monitoring import monitoring_overview
from grants.timefmt import format_day
from tests.conftest import csrf_token
from tests.decisions.conftest import decisions_of, ok
from tests.reports.flow import pdf_bytes, report_of, reports_of

FINAL_WITH_STATEMENT = ("Aanvraag tot vaststelling, met inhoudelijk en financieel verslag en een "
                        "controleverklaring van een accountant")


def at(clock, day: date) -> None:
    clock.moment = datetime(day.year, day.month, day.day, 6, 30, tzinfo=UTC)  # 08:30 local


def remind(app) -> str:
    result = app.test_cli_runner().invoke(args=["grants", "mail", "remind"])
    assert result.exit_code == 0, result.output
    return result.output


def report_mails(application_id: int) -> list[OutgoingMail]:
    return list(db.session.scalars(sa.select(OutgoingMail).where(
        OutgoingMail.application_id == application_id,
        OutgoingMail.kind.in_([MailKind.REPORT_DUE, MailKind.REPORT_OVERDUE]))
        .order_by(OutgoingMail.id)))


def test_the_grant_schedules_the_reports_its_letter_lists(world, steps):
    number = steps.granted("450000.00")  # runs 1 July 2014 to 31 December 2015

    reports = reports_of(number)
    assert [(r.kind, r.title, r.due_on, r.status) for r in reports] == [
        (ReportKind.PROGRESS, "Voortgangsverslag", date(2015, 7, 1), ReportStatus.DUE),
        # 13 weeks after the end: 31 December 2015 + 91 days (31 + 29 + 31) = 31 March 2016;
        # above € 125.000 with an accountant's statement.
        (ReportKind.FINAL, FINAL_WITH_STATEMENT, date(2016, 3, 31), ReportStatus.DUE),
    ]
    (letter,) = decisions_of(number)
    assert letter.context["grant"]["reports"] == [
        {"what": r.title, "due": format_day(r.due_on)} for r in reports]


def test_a_rif_grant_asks_for_a_report_every_project_year(world, clock):
    clock.moment = datetime(2014, 5, 20, 10, tzinfo=UTC)
    number = ok(world.rif_applicant.create(world.rif()), 201)["id"]
    ok(world.rif_applicant.fire(number, "submit"))
    ok(world.assessor.fire(number, "start_assessment"))
    for member in (world.committee, world.committee2):
        ok(member.fire(number, "record_assessment", {
            "scores": {"fit": 8, "coordination": 7, "durability": 6, "innovation": 9}}))
    world.rank_rif(clock)

    assert [(r.title, r.due_on) for r in reports_of(number)] == [
        ("Voortgangsverslag over projectjaar 1", date(2015, 8, 1)),
        ("Voortgangsverslag over projectjaar 2", date(2016, 8, 1)),
        ("Voortgangsverslag over projectjaar 3", date(2017, 8, 1)),
        # 13 weeks after the end: 31 December 2017 + 91 days (31 + 28 + 31 + 1) = 1 April 2018.
        (FINAL_WITH_STATEMENT, date(2018, 4, 1)),
    ]


def test_reminders_before_and_after_the_due_date_are_written_once(world, steps, clock, app):
    number = steps.granted()  # progress report due 1 July 2015

    at(clock, date(2015, 6, 16))  # fifteen days ahead: not yet
    remind(app)
    assert report_mails(number) == []
    at(clock, date(2015, 6, 17))  # fourteen days ahead (the default rule)
    assert "1 herinneringen geschreven; 0 waren al eerder geschreven." in remind(app)
    assert "0 herinneringen geschreven; 1 waren al eerder geschreven." in remind(app)
    at(clock, date(2015, 7, 1))  # the day itself: the same reminder, not another
    assert "0 herinneringen geschreven; 1 waren al eerder geschreven." in remind(app)
    (due,) = report_mails(number)
    assert due.kind is MailKind.REPORT_DUE and due.recipient == world.applicant.user.email
    assert due.subject == ("Herinnering: voortgangsverslag voor SP-T2-00001 uiterlijk "
                           "1 juli 2015")
    assert "nog 14 dagen" in due.body

    at(clock, date(2015, 7, 7))  # six days late: the reminder after waits for the seventh
    remind(app)
    assert len(report_mails(number)) == 1
    at(clock, date(2015, 7, 8))
    assert "1 herinneringen geschreven; 0 waren al eerder geschreven." in remind(app)
    at(clock, date(2015, 7, 20))
    assert "0 herinneringen geschreven; 1 waren al eerder geschreven." in remind(app)
    late = report_mails(number)[-1]
    assert late.kind is MailKind.REPORT_OVERDUE and late.subject.startswith("Te laat:")
    assert "7 dagen te laat" in late.body

    # Late, it shows among the deadlines and on the monitoring overview.
    today = date(2015, 7, 20)
    (deadline,) = [d for d in upcoming_deadlines(today) if d.kind is DeadlineKind.REPORT]
    assert deadline.application.id == number and deadline.overdue
    assert deadline.status == "19 dagen te laat"
    overview = monitoring_overview(today)
    assert overview.total_of("sectorplan").reports_overdue == 1


def test_reminder_days_are_rules_data(world, steps, clock, app, schemes):
    schemes["sectorplan"].rules = {**(schemes["sectorplan"].rules or {}),
                                   "report_reminder_days_before": 30}
    number = steps.granted()  # the rules are frozen at submission, with the 30 days
    at(clock, date(2015, 6, 1))
    remind(app)
    (due,) = report_mails(number)
    assert "nog 30 dagen" in due.body


def _post(client, path, data):
    return client.post(path, data={"csrf_token": csrf_token(client, path), **data},
                       content_type="multipart/form-data")


def test_the_applicant_sends_a_report_and_the_assessor_sends_it_back_then_accepts(
        world, steps, clock, web_as):
    number = steps.granted()
    report = report_of(number, ReportKind.PROGRESS)
    applicant = web_as(world.applicant.user)
    page = applicant.get(f"/portaal/aanvragen/{number}").get_data(as_text=True)
    assert f"/portaal/aanvragen/{number}/rapportages" in page
    listing = applicant.get(f"/portaal/aanvragen/{number}/rapportages").get_data(as_text=True)
    assert "Voortgangsverslag" in listing and "1 juli 2015" in listing

    form = f"/portaal/rapportages/{report.id}"
    version = db.session.get(Application, number).version
    wrong = _post(applicant, form, {"version": version, "note": "Zie bijlage.",
                                    "file": (io.BytesIO(b"not a pdf"), "verslag.pdf")})
    assert wrong.status_code == 422
    assert "Alleen PDF-bestanden" in wrong.get_data(as_text=True)
    assert report_of(number, ReportKind.PROGRESS).status is ReportStatus.DUE

    clock.moment = datetime(2015, 6, 20, 10, tzinfo=UTC)
    sent = _post(applicant, form, {"version": version, "note": "Eerste jaar volgens plan.",
                                   "file": (io.BytesIO(pdf_bytes()), "verslag 2015.pdf")})
    assert sent.status_code == 303, sent.get_data(as_text=True)
    report = report_of(number, ReportKind.PROGRESS)
    assert report.status is ReportStatus.SUBMITTED and report.note == "Eerste jaar volgens plan."
    assert report.attachment.filename == "verslag 2015.pdf"
    assert db.session.get(Application, number).state.value == "monitored"

    assessor = web_as(world.assessor.user)
    review = f"/beoordelen/aanvragen/{number}/rapportages"
    # The file's action for a report to review leads to the reports page.
    assert f'href="{review}"' in assessor.get(f"/aanvragen/{number}").get_data(as_text=True)
    assert "verslag 2015.pdf" in assessor.get(review).get_data(as_text=True)
    version = db.session.get(Application, number).version
    no_reason = _post(assessor, f"/beoordelen/rapportages/{report.id}/terugsturen",
                      {"version": version, "reason": ""})
    assert no_reason.status_code == 422
    assert "Schrijf wat de aanvrager moet verbeteren." in no_reason.get_data(as_text=True)
    back = _post(assessor, f"/beoordelen/rapportages/{report.id}/terugsturen",
                 {"version": version, "reason": "De cijfers per maatregel ontbreken."})
    assert back.status_code == 303
    assert report_of(number, ReportKind.PROGRESS).status is ReportStatus.SENT_BACK
    listing = applicant.get(f"/portaal/aanvragen/{number}/rapportages").get_data(as_text=True)
    assert "Teruggestuurd" in listing and "De cijfers per maatregel ontbreken." in listing

    version = db.session.get(Application, number).version
    again = _post(applicant, form, {"version": version, "note": "Met cijfers.",
                                    "file": (io.BytesIO(pdf_bytes(2)), "verslag v2.pdf")})
    assert again.status_code == 303
    version = db.session.get(Application, number).version
    accepted = _post(assessor, f"/beoordelen/rapportages/{report.id}/accepteren",
                     {"version": version})
    assert accepted.status_code == 303
    report = report_of(number, ReportKind.PROGRESS)
    assert report.status is ReportStatus.ACCEPTED
    assert report.reviewed_by_id == world.assessor.user.id

    trail = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.application_id == number, AuditEvent.trigger.like("%report%"))
        .order_by(AuditEvent.id)).all()
    assert [(e.trigger, e.actor_id, e.data["report"]) for e in trail] == [
        ("submit_report", world.applicant.user.id, report.id),
        ("send_back_report", world.assessor.user.id, report.id),
        ("submit_report", world.applicant.user.id, report.id),
        ("accept_report", world.assessor.user.id, report.id),
    ]
    assert trail[1].reason == "De cijfers per maatregel ontbreken."


def test_another_organisation_never_sees_the_reports(world, steps, web_as):
    number = steps.granted()
    report = report_of(number, ReportKind.PROGRESS)
    outsider = web_as(world.outsider.user)
    assert outsider.get(f"/portaal/aanvragen/{number}/rapportages").status_code == 404
    assert outsider.get(f"/portaal/rapportages/{report.id}").status_code == 404
    sent = _post(outsider, f"/portaal/rapportages/{report.id}",
                 {"file": (io.BytesIO(pdf_bytes()), "x.pdf")})
    assert sent.status_code == 404
    assert report_of(number, ReportKind.PROGRESS).status is ReportStatus.DUE


def test_a_report_is_only_sent_with_its_pdf_through_the_engine(world, steps):
    number = steps.granted()
    report = report_of(number, ReportKind.PROGRESS)
    refused = world.applicant.fire(number, "submit_report", {"report": report.id})
    assert refused.status_code == 422
    assert "attachment" in refused.get_json()["error"]["fields"]
    assert report_of(number, ReportKind.PROGRESS).status is ReportStatus.DUE


@pytest.mark.parametrize("who", ["applicant", "finance"])
def test_only_assessors_review_reports(world, steps, who):
    number = steps.granted()
    report = report_of(number, ReportKind.PROGRESS)
    response = getattr(world, who).fire(number, "accept_report", {"report": report.id})
    assert response.status_code == 403

