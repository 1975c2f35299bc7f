"""Reports after the grant, the applicant's and the reminders' side: uploads, and what is due.

The rules the engine fires (scheduling, the checks of a report, a review, a settlement claim)
are in grants.workflows.reports; the views call ``send_report`` and ``request_settlement``
here, which keep the PDFs first and then fire the trigger that names them, so a refusal rolls
back the files with the rest.
"""

import hashlib
from datetime import date, datetime
from typing import BinaryIO

import sqlalchemy as sa

from grants.errors import NotFound, ValidationFailed
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationState,
    Attachment,
    GrantReport,
    ReportStatus,
    Role,
    User,
)
from grants.services.applications import fire_trigger, locked_application
from grants.services.attachments import _read_limited, check_pdf, max_bytes, safe_filename
from grants.workflows import workflow_for
from grants.workflows.reports import REPORT_FILE, STATEMENT_FILE, statement_required
from grants.workflows.rules import current_rules

S = ApplicationState
# House defaults (assumed), overridable per scheme as rules data.
REMINDER_RULES = {
    "report_reminder_days_before": 14,
    "report_reminder_days_after": 7,
}


def rules_of(application: Application) -> dict:
    return current_rules(application, workflow_for(application.scheme.code).default_rules)["rules"]


def reminder_days(params: dict) -> tuple[int, int]:
    """Days before the due date to remind, and days after it to remind again (late)."""
    return (int(params.get("report_reminder_days_before",
                           REMINDER_RULES["report_reminder_days_before"])),
            int(params.get("report_reminder_days_after",
                           REMINDER_RULES["report_reminder_days_after"])))


def statement_needed(application: Application) -> bool:
    """Whether the settlement claim needs an accountant's statement, under the grant's rules."""
    return statement_required(application, rules_of(application))


def reports_for(application: Application) -> list[GrantReport]:
    return list(db.session.scalars(
        sa.select(GrantReport).where(GrantReport.application_id == application.id)
        .order_by(GrantReport.sequence)))


# -- the applicant's side ----------------------------------------------------------------------

def store_report_file(application: Application, actor: User, filename: str | None,
                      stream: BinaryIO, now: datetime, kind: str) -> Attachment:
    """Keep a report's PDF as an attachment of the grant, checked like every attachment."""
    data = _read_limited(stream, max_bytes())
    check_pdf(data)
    attachment = Attachment(
        application_id=application.id, filename=safe_filename(filename),
        content_type="application/pdf", size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(), content=data, document_kind=kind,
        uploaded_while=application.state, uploaded_at=now, uploaded_by_id=actor.id)
    db.session.add(attachment)
    db.session.flush()
    return attachment


def _own_report(report_id: int, actor: User) -> tuple[GrantReport, Application]:
    if not actor.has_role(Role.APPLICANT):
        raise NotFound()
    report = db.session.get(GrantReport, report_id)
    if report is None:
        raise NotFound()
    application = locked_application(report.application_id, actor)  # 404 for other organisations
    return report, application


def _file_refused(field: str, refused: ValidationFailed) -> ValidationFailed:
    messages = [m for ms in refused.fields.values() for m in ms] or [refused.message]
    return ValidationFailed(refused.message, {field: messages})


def send_report(report_id: int, actor: User, upload, note: str, now: datetime,
                expected_version: int | None = None) -> Application:
    """A progress report: its PDF and a note, sent through ``submit_report``."""
    report, application = _own_report(report_id, actor)
    if upload is None:
        raise ValidationFailed("Het verslag ontbreekt.", {"file": [
            "Kies het PDF-bestand van het verslag."]})
    attachment = store_report_file(application, actor, upload.filename, upload.stream, now,
                                   REPORT_FILE)
    return fire_trigger(application.id, "submit_report", actor,
                        {"report": report.id, "attachment": attachment.id, "note": note},
                        now, expected_version=expected_version)


def request_settlement(report_id: int, actor: User, claimed: str, upload, statement,
                       note: str, now: datetime,
                       expected_version: int | None = None) -> Application:
    """The final report and cost statement, sent through ``request_settlement``."""
    report, application = _own_report(report_id, actor)
    data = {"report": report.id, "amount": claimed, "note": note}
    if upload is not None:
        try:
            data["attachment"] = store_report_file(application, actor, upload.filename,
                                                   upload.stream, now, REPORT_FILE).id
        except ValidationFailed as refused:
            raise _file_refused("file", refused) from None
    if statement is not None:
        try:
            data["statement"] = store_report_file(application, actor, statement.filename,
                                                  statement.stream, now, STATEMENT_FILE).id
        except ValidationFailed as refused:
            raise _file_refused("statement", refused) from None
    return fire_trigger(application.id, "request_settlement", actor, data, now,
                        expected_version=expected_version)


# -- what is late ------------------------------------------------------------------------------

def overdue_reports(today: date) -> list[GrantReport]:
    """Reports still awaited whose due date has passed, of grants still being followed."""
    return list(db.session.scalars(
        sa.select(GrantReport).join(Application)
        .where(GrantReport.status.in_((ReportStatus.DUE, ReportStatus.SENT_BACK)),
               GrantReport.due_on < today,
               Application.state.in_((S.APPROVED, S.MONITORED)))
        .order_by(GrantReport.due_on, GrantReport.id)))


def awaited_reports(until: date) -> list[GrantReport]:
    """Reports still awaited that are due on or before ``until`` (late ones included)."""
    return list(db.session.scalars(
        sa.select(GrantReport).join(Application)
        .where(GrantReport.status.in_((ReportStatus.DUE, ReportStatus.SENT_BACK)),
               GrantReport.due_on <= until,
               Application.state.in_((S.APPROVED, S.MONITORED)))
        .order_by(GrantReport.due_on, GrantReport.id)))
