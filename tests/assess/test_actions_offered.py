"""Actions are offered only when they can succeed now: the file's staff actions and the API's
``allowed_triggers`` leave out a trigger whose guard would refuse it at this moment, firing it
regardless is refused (422) with nothing changed, and once it can succeed it is offered and
works. Dates are counted by hand from domain.md §4 (repair term: 14 days, house default)."""

from datetime import UTC, datetime

import sqlalchemy as sa

from grants.extensions import db
from grants.models import ApplicationState, AuditEvent, ReportKind, ReportStatus
from tests.assess.conftest import application, ok, text
from tests.decisions.conftest import Steps
from tests.reports.flow import pdf_on_file, report_of

S = ApplicationState


def allowed(api, number: int) -> list[str]:
    return ok(api.get(number))["allowed_triggers"]


def refused(response, field: str) -> dict:
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert field in error["fields"], error
    return error


def file_page(client, number: int) -> str:
    return text(client.get(f"/aanvragen/{number}"))


def test_not_closed_unprocessed_while_the_repair_term_runs(world, flow, clock, login_as):
    number = flow.submitted()
    # Asked on Tuesday 1 April 2014: 14 days, so the applicant may repair until 15 April.
    ok(world.assessor.fire(number, "request_information", {"reason": "Begroting ontbreekt"}))
    assert application(number).repair_due_on.isoformat() == "2014-04-15"
    client = login_as(world.assessor.user)

    for moment in (datetime(2014, 4, 2, 8, tzinfo=UTC),
                   datetime(2014, 4, 15, 21, 59, tzinfo=UTC)):  # 23:59 in Amsterdam
        clock.moment = moment
        assert "close_unprocessed" not in allowed(world.assessor, number)
        assert "Buiten behandeling stellen" not in file_page(client, number)
        error = refused(world.assessor.fire(number, "close_unprocessed",
                                            {"reason": "Niet aangevuld."}), "repair_due_on")
        assert "tot en met 15 april 2014" in error["fields"]["repair_due_on"][0]
        assert application(number).state == S.INCOMPLETE

    clock.moment = datetime(2014, 4, 15, 22, 0, tzinfo=UTC)  # midnight: 16 April has begun
    assert "close_unprocessed" in allowed(world.assessor, number)
    assert "Buiten behandeling stellen" in file_page(client, number)
    ok(world.assessor.fire(number, "close_unprocessed", {"reason": "Niet aangevuld."}))
    assert application(number).state == S.UNPROCESSED


def test_a_report_is_reviewed_only_once_one_was_sent(world, clock, login_as):
    steps = Steps(world, clock)
    number = steps.granted()
    ok(world.finance.fire(number, "pay_advance", {"amount": "100000.00"}))
    assert application(number).state == S.MONITORED
    report = report_of(number, ReportKind.PROGRESS)
    client = login_as(world.assessor.user)

    offered = allowed(world.assessor, number)
    assert "accept_report" not in offered and "send_back_report" not in offered
    assert "Rapportage accepteren" not in file_page(client, number)
    refused(world.assessor.fire(number, "accept_report", {"report": report.id}), "report")
    refused(world.assessor.fire(number, "send_back_report",
                                {"report": report.id, "reason": "Te summier"}), "report")
    assert report_of(number, ReportKind.PROGRESS).status is ReportStatus.DUE

    assert "submit_report" in allowed(world.applicant, number)
    ok(world.applicant.fire(number, "submit_report", {
        "report": report.id, "attachment": pdf_on_file(number, world.applicant.user)}))
    # Sent: nothing more to send until it is sent back; now the assessor reviews it.
    assert "submit_report" not in allowed(world.applicant, number)
    assert {"accept_report", "send_back_report"} <= set(allowed(world.assessor, number))
    assert "Rapportage accepteren" in file_page(client, number)
    ok(world.assessor.fire(number, "accept_report", {"report": report.id}))
    assert report_of(number, ReportKind.PROGRESS).status is ReportStatus.ACCEPTED
    assert "accept_report" not in allowed(world.assessor, number)


def test_submit_is_offered_only_while_the_window_is_open(world, clock):
    # T2 of the sector plans: 1 April 2014 – 31 May 2014 (domain.md §1).
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    assert "submit" in allowed(world.applicant, number)
    clock.moment = datetime(2014, 5, 31, 22, 0, 1, tzinfo=UTC)  # 1 June, 00:00:01 Amsterdam
    assert "submit" not in allowed(world.applicant, number)
    refused(world.applicant.fire(number, "submit"), "window")
    assert application(number).state == S.DRAFT
    assert "withdraw" in allowed(world.applicant, number)


def test_nothing_is_offered_to_pay_once_the_settlement_is_paid(world, clock):
    steps = Steps(world, clock)
    number = steps.granted()
    final = report_of(number, ReportKind.FINAL)
    ok(world.applicant.fire(number, "request_settlement", {
        "report": final.id, "amount": "900000.00",
        "attachment": pdf_on_file(number, world.applicant.user),
        "statement": pdf_on_file(number, world.applicant.user, "accountant_statement")}))
    world.decide_prepared(number, "settle", {"amount": "450000.00"})
    assert application(number).state == S.SETTLED
    assert "pay" in allowed(world.finance, number)
    ok(world.finance.fire(number, "pay"))
    assert "pay" not in allowed(world.finance, number)
    refused(world.finance.fire(number, "pay"), "amount")
    assert "close" in allowed(world.finance, number)


def test_information_is_asked_during_the_assessment_and_the_clock_stops(world, flow, clock,
                                                                       login_as):
    number = flow.in_assessment()
    due_before = application(number).decision_due_on
    client = login_as(world.assessor.user)
    assert "request_information" in allowed(world.assessor, number)
    assert "Informatie opvragen" in file_page(client, number)
    # Asked on Monday 2 June 2014, supplied on Monday 9 June: the term stood still 6 days
    # (from the day after the request up to, not including, the day it came; Awb 4:15).
    clock.moment = datetime(2014, 6, 2, 8, tzinfo=UTC)
    ok(world.assessor.fire(number, "request_information",
                           {"reason": "Onderbouw de kosten van maatregel 2."}))
    asked = application(number)
    assert asked.state == S.INCOMPLETE
    assert asked.repair_due_on.isoformat() == "2014-06-16"
    assert asked.suspended_on.isoformat() == "2014-06-02"
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.application_id == number).order_by(AuditEvent.id.desc())).first()
    assert (event.trigger, event.from_state, event.to_state, event.actor_id) == (
        "request_information", S.IN_ASSESSMENT, S.INCOMPLETE, world.assessor.user.id)

    clock.moment = datetime(2014, 6, 9, 8, tzinfo=UTC)
    supplied = ok(world.applicant.fire(number, "provide_information"))
    # The assessment resumes where it was; the decision is due 6 days later.
    assert supplied["state"] == "in_assessment"
    # 13 weeks after T2 closed (31 May): Saturday 30 August, so due Monday 1 September;
    # 6 days on: Friday 5 September.
    assert due_before.isoformat() == "2014-09-01"
    assert application(number).decision_due_on.isoformat() == "2014-09-05"
    assert ok(world.assessor.fire(number, "record_assessment", {
        "recommendation": "positive", "reasoning": "Past bij de regeling.",
        "scores": {"analysis": 8, "measures": 7, "partnership": 8, "budget": 6}}))[
        "state"] == "assessed"


def test_information_asked_at_intake_returns_to_submitted(world, flow):
    number = flow.submitted()
    ok(world.assessor.fire(number, "request_information", {"reason": "Begroting ontbreekt"}))
    assert ok(world.applicant.fire(number, "provide_information"))["state"] == "submitted"
