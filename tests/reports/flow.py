"""Reports and the request for settlement as the applicant sends them (PDFs kept through the
service, the trigger fired through the API), for these tests and others that walk a grant."""

import io

import sqlalchemy as sa
from pypdf import PdfWriter

from grants.clock import now
from grants.extensions import db
from grants.models import Application, GrantReport, ReportKind
from grants.services.reports import store_report_file
from grants.workflows.reports import REPORT_FILE, STATEMENT_FILE


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def reports_of(application_id: int) -> list[GrantReport]:
    return list(db.session.scalars(sa.select(GrantReport).where(
        GrantReport.application_id == application_id).order_by(GrantReport.sequence)))


def report_of(application_id: int, kind: ReportKind) -> GrantReport:
    return next(r for r in reports_of(application_id) if r.kind == kind)


def pdf_on_file(application_id: int, user, kind: str = REPORT_FILE) -> int:
    application = db.session.get(Application, application_id)
    return store_report_file(application, user, f"{kind}.pdf", io.BytesIO(pdf_bytes()), now(),
                             kind).id


def settlement_request(api, application_id: int, claimed: str, *, statement: bool = True):
    """Fire request_settlement with the final report (and the accountant's statement)."""
    final = report_of(application_id, ReportKind.FINAL)
    body = {"report": final.id, "amount": claimed,
            "attachment": pdf_on_file(application_id, api.user)}
    if statement:
        body["statement"] = pdf_on_file(application_id, api.user, STATEMENT_FILE)
    return api.fire(application_id, "request_settlement", body)
