"""Reports after the grant, as the engine fires them: the rows the grant decision schedules,
the applicant's report, the assessor's review, and the request for settlement with its final
cost statement (domain.md §1, accountability).

These are scheme rules, so they live beside the engine; grants.services.reports keeps the
applicant's uploads (stored first, then the trigger that names them is fired) and the queries
of what is late.
"""

import sqlalchemy as sa

from grants.decisions.grant_letter import accountant_statement_threshold, report_schedule
from grants.errors import ValidationFailed
from grants.extensions import db
from grants.models import Application, Attachment, GrantReport, ReportKind, ReportStatus
from grants.money import format_eur
from grants.workflows.common import R, S, amount_from, prefetched_reports, reason_required
from grants.workflows.engine import Firing, Transition, precondition, transition

REPORT_FILE = "report"
STATEMENT_FILE = "accountant_statement"


def statement_required(application: Application, params: dict) -> bool:
    return (application.granted_cents or 0) > accountant_statement_threshold(params)


def schedule_reports(f: Firing) -> None:
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


def has_report(application: Application, kind: ReportKind | None,
               statuses: tuple[ReportStatus, ...]) -> bool:
    """Whether the application has a report of ``kind`` (any kind: None) in ``statuses``."""
    if (known := prefetched_reports(application)) is not None:
        return any((kind is None or found == kind) and status in statuses
                   for found, status in known)
    stmt = sa.select(GrantReport.id).where(GrantReport.application_id == application.id,
                                           GrantReport.status.in_(statuses))
    if kind is not None:
        stmt = stmt.where(GrantReport.kind == kind)
    return db.session.scalar(stmt.limit(1)) is not None


AWAITED = (ReportStatus.DUE, ReportStatus.SENT_BACK)


def _report(f: Firing, kind: ReportKind | None,
            statuses: tuple[ReportStatus, ...]) -> GrantReport:
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


def _own_file(f: Firing, field: str, kind: str, required: bool) -> Attachment | None:
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


def _note(f: Firing) -> str:
    return str(f.data.get("note") or "").strip()


@precondition(lambda application, now: has_report(application, ReportKind.PROGRESS, AWAITED))
def check_report(f: Firing) -> None:
    report = _report(f, ReportKind.PROGRESS, AWAITED)
    _own_file(f, "attachment", REPORT_FILE, required=True)
    f.audit_data["due_on"] = report.due_on.isoformat()


def _submitted(f: Firing, report: GrantReport) -> None:
    report.status = ReportStatus.SUBMITTED
    report.note = _note(f)
    report.attachment_id = f.audit_data["attachment"]
    report.submitted_at, report.submitted_by_id = f.now, f.actor.id
    report.reviewed_at, report.reviewed_by_id = None, None


def report_submitted(f: Firing) -> None:
    _submitted(f, db.session.get(GrantReport, f.audit_data["report"]))


@precondition(lambda application, now: has_report(application, None,
                                                  (ReportStatus.SUBMITTED,)))
def check_review(f: Firing) -> None:
    _report(f, None, (ReportStatus.SUBMITTED,))


def _reviewed(f: Firing, status: ReportStatus) -> None:
    report = db.session.get(GrantReport, f.audit_data["report"])
    report.status = status
    report.reviewed_at, report.reviewed_by_id = f.now, f.actor.id
    report.review_reason = f.reason


def report_accepted(f: Firing) -> None:
    _reviewed(f, ReportStatus.ACCEPTED)


def report_sent_back(f: Firing) -> None:
    _reviewed(f, ReportStatus.SENT_BACK)


@precondition(lambda application, now: has_report(application, ReportKind.FINAL, AWAITED))
def check_settlement_claim(f: Firing) -> None:
    """The request for settlement: the final report, the costs claimed, and above the
    threshold (rules data) an accountant's statement."""
    _report(f, ReportKind.FINAL, AWAITED)
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


def settlement_claimed(f: Firing) -> None:
    report = db.session.get(GrantReport, f.audit_data["report"])
    _submitted(f, report)
    report.claimed_cents = f.audit_data["claimed_cents"]
    report.statement_attachment_id = f.audit_data.get("statement")


def final_report_accepted(f: Firing) -> None:
    """Settling accepts the final report the request came with."""
    report = db.session.scalars(sa.select(GrantReport).where(
        GrantReport.application_id == f.application.id, GrantReport.kind == ReportKind.FINAL,
        GrantReport.status == ReportStatus.SUBMITTED)).first()
    if report is not None:
        report.status = ReportStatus.ACCEPTED
        report.reviewed_at, report.reviewed_by_id = f.now, f.actor.id
        report.review_reason = f.reason




def report_transitions() -> list[Transition]:
    """Reports name the report row (``report``) and its PDF; a final report sent back undoes
    the request for settlement, which the applicant then makes again."""
    return [
        transition("submit_report", (S.APPROVED, S.MONITORED), S.MONITORED, R.APPLICANT,
                   guards=[check_report], effects=[report_submitted]),
        transition("accept_report", S.MONITORED, None, R.ASSESSOR,
                   guards=[check_review], effects=[report_accepted]),
        transition("send_back_report", S.MONITORED, None, R.ASSESSOR,
                   guards=[reason_required, check_review], effects=[report_sent_back]),
        transition("send_back_report", S.SETTLEMENT_REQUESTED, S.MONITORED, R.ASSESSOR,
                   guards=[reason_required, check_review], effects=[report_sent_back]),
        transition("request_settlement", (S.APPROVED, S.MONITORED), S.SETTLEMENT_REQUESTED,
                   R.APPLICANT, guards=[check_settlement_claim], effects=[settlement_claimed]),
    ]
