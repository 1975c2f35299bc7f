"""Reports after the grant: the rows the grant decision schedules, the applicant's uploads, the
assessor's review, and the request for settlement with its final cost statement.

The engine's transitions (grants.workflows.common) call the guards and effects below; the views
call ``send_report`` and ``request_settlement``, which keep the PDFs first and then fire the
trigger that names them, so a refusal rolls back the files with the rest.
"""

import hashlib
from datetime import date, datetime
from typing import BinaryIO

import sqlalchemy as sa

from grants.decisions.context import accountant_statement_threshold, report_schedule
from grants.errors import NotFound, ValidationFailed
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationState,
    Attachment,
    GrantReport,
    ReportKind,
    ReportStatus,
    Role,
    User,
)
from grants.money import format_eur
from grants.services.applications import fire_trigger, locked_application
from grants.services.attachments import _read_limited, check_pdf, max_bytes, safe_filename
from grants.workflows import workflow_for
from grants.workflows.rules import current_rules

S = ApplicationState
# House defaults (assumed), overridable per scheme as rules data.
REMINDER_RULES = {
    "report_reminder_days_before": 14,
    "report_reminder_days_after": 7,
}
REPORT_FILE = "report"
STATEMENT_FILE = "accountant_statement"


def rules_of(application: Application) -> dict:
    return current_rules(application, workflow_for(application.scheme.code).default_rules)["rules"]


def reminder_days(params: dict) -> tuple[int, int]:
    """Days before the due date to remind, and days after it to remind again (late)."""
    return (int(params.get("report_reminder_days_before",
                           REMINDER_RULES["report_reminder_days_before"])),
            int(params.get("report_reminder_days_after",
                           REMINDER_RULES["report_reminder_days_after"])))


def reports_for(application: Application) -> list[GrantReport]:
    return list(db.session.scalars(
        sa.select(GrantReport).where(GrantReport.application_id == application.id)
        .order_by(GrantReport.sequence)))


def statement_required(application: Application, params: dict) -> bool:
    return (application.granted_cents or 0) > accountant_statement_threshold(params)


# -- engine: guards and effects (called from grants.workflows.common) --------------------------

def schedule_reports(f) -> None:
    """The grant decision's reports, due as its letter says (one schedule for both)."""
    if db.session.scalar(sa.select(sa.func.count(GrantReport.id))
                         .where(GrantReport.application_id == f.application.id)):
        return  # a grant taken again (after an objection) keeps the reports already scheduled
    schedule = report_schedule(f.application, f.audit_data["amount_cents"], f.params, f.today)
    for sequence, item in enumerate(schedule, start=1):
        db.session.add(GrantReport(
            application_id=f.application.id, sequence=sequence, kind=ReportKind(item.kind),
            title=item.what, due_on=item.due_on, status=ReportStatus.DUE, note="",
            review_reason=""))
    f.audit_data["reports_due"] = [item.due_on.isoformat() for item in schedule]


def _report(f, kind: ReportKind | None, statuses: tuple[ReportStatus, ...]) -> GrantReport:
    """The report the firing names (``report``: its id) among the application's own."""
    given = f.data.get("report")
    report = None
    if isinstance(given, int) or (isinstance(given, str) and given.isdigit()):
        report = db.session.get(GrantReport, int(given))
    if report is None or report.application_id != f.application.id \
            or (kind is not None and report.kind != kind):
        raise ValidationFailed("Onbekende rapportage.", {"report": [
            "Kies een rapportage van deze subsidie."]})
    if report.status not in statuses:
        raise ValidationFailed("Deze rapportage kan dat nu niet.", {"report": [
            f"De rapportage '{report.title}' heeft de status "
            f"'{report.status_label.lower()}'."]})
    f.audit_data["report"] = report.id
    return report


def _own_file(f, field: str, kind: str, required: bool) -> Attachment | None:
    given = f.data.get(field)
    if given in (None, ""):
        if required:
            raise ValidationFailed("Een bestand ontbreekt.", {field: ["Voeg het PDF-bestand toe."]})
        return None
    attachment = db.session.get(Attachment, int(given)) if str(given).isdigit() else None
    if attachment is None or attachment.application_id != f.application.id \
            or attachment.document_kind != kind:
        raise ValidationFailed("Onbekend bestand.", {field: ["Voeg het PDF-bestand toe."]})
    f.audit_data[field] = attachment.id
    return attachment


def _note(f) -> str:
    return str(f.data.get("note") or "").strip()


def check_report(f) -> None:
    report = _report(f, ReportKind.PROGRESS, (ReportStatus.DUE, ReportStatus.SENT_BACK))
    _own_file(f, "attachment", REPORT_FILE, required=True)
    f.audit_data["due_on"] = report.due_on.isoformat()


def _submitted(f, report: GrantReport) -> None:
    report.status = ReportStatus.SUBMITTED
    report.note = _note(f)
    report.attachment_id = f.audit_data["attachment"]
    report.submitted_at, report.submitted_by_id = f.now, f.actor.id
    report.reviewed_at, report.reviewed_by_id = None, None


def report_submitted(f) -> None:
    _submitted(f, db.session.get(GrantReport, f.audit_data["report"]))


def check_review(f) -> None:
    _report(f, None, (ReportStatus.SUBMITTED,))


def _reviewed(f, status: ReportStatus) -> None:
    report = db.session.get(GrantReport, f.audit_data["report"])
    report.status = status
    report.reviewed_at, report.reviewed_by_id = f.now, f.actor.id
    report.review_reason = f.reason


def report_accepted(f) -> None:
    _reviewed(f, ReportStatus.ACCEPTED)


def report_sent_back(f) -> None:
    _reviewed(f, ReportStatus.SENT_BACK)


def check_settlement_claim(f) -> None:
    """The request for settlement: the final report, the costs claimed, and above the
    threshold (rules data) an accountant's statement."""
    from grants.workflows.common import amount_from

    _report(f, ReportKind.FINAL, (ReportStatus.DUE, ReportStatus.SENT_BACK))
    claimed = amount_from(f)
    if claimed is None or claimed < 0:
        raise ValidationFailed("Geef de gemaakte kosten.", {"amount": [
            "Geef het bedrag van de subsidiabele kosten volgens uw eindafrekening."]})
    _own_file(f, "attachment", REPORT_FILE, required=True)
    if statement_required(f.application, f.params):
        threshold = format_eur(accountant_statement_threshold(f.params))
        try:
            _own_file(f, "statement", STATEMENT_FILE, required=True)
        except ValidationFailed:
            raise ValidationFailed("De controleverklaring ontbreekt.", {"statement": [
                f"Uw subsidie is meer dan {threshold}: voeg de controleverklaring van een "
                "accountant toe (PDF)."]}) from None
    else:
        _own_file(f, "statement", STATEMENT_FILE, required=False)
    f.audit_data["claimed_cents"] = claimed


def settlement_claimed(f) -> None:
    report = db.session.get(GrantReport, f.audit_data["report"])
    _submitted(f, report)
    report.claimed_cents = f.audit_data["claimed_cents"]
    report.statement_attachment_id = f.audit_data.get("statement")


def final_report_accepted(f) -> None:
    """Settling accepts the final report the request came with."""
    report = db.session.scalars(sa.select(GrantReport).where(
        GrantReport.application_id == f.application.id, GrantReport.kind == ReportKind.FINAL,
        GrantReport.status == ReportStatus.SUBMITTED)).first()
    if report is not None:
        report.status = ReportStatus.ACCEPTED
        report.reviewed_at, report.reviewed_by_id = f.now, f.actor.id
        report.review_reason = f.reason


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
