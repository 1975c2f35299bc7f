"""Reports after the grant: the applicant sends progress reports and the request for
settlement from the portal; assessors accept them or send them back; finance, admins and
assessors follow all grants on the monitoring overview (and its CSV).

Every change is a trigger fired through the engine; its refusals come back next to the fields.
"""

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.access import role_required
from grants.clock import now
from grants.errors import Conflict, Forbidden, NotFound, ValidationFailed
from grants.extensions import db
from grants.forms.reports import (
    ADVICE_LABELS,
    AcceptForm,
    AdjustmentForm,
    AdviceForm,
    ReportForm,
    ReviewForm,
    SettlementRequestForm,
)
from grants.models import Application, GrantReport, ReportKind, Role
from grants.money import cents_to_api, format_eur
from grants.services import reports as report_service
from grants.services.applications import allowed_triggers, fire_trigger, get_application
from grants.services.attachments import max_bytes, size_text
from grants.services.monitoring import PHASES, monitoring_overview, overview_csv
from grants.timefmt import AMSTERDAM
from grants.workflows.adjustments import pending_advice

bp = Blueprint("reports", __name__)

STAFF = (Role.ASSESSOR, Role.APPROVER, Role.COMMITTEE, Role.FINANCE, Role.ADMIN)
MONITORS = (Role.FINANCE, Role.ADMIN, Role.ASSESSOR)
# The engine's field names on the forms' fields.
FORM_FIELDS = {"attachment": "file", "report": None}


def _today() -> date:
    return now().astimezone(AMSTERDAM).date()


def _actor():
    return current_user._get_current_object()


def _visible_report(report_id: int) -> tuple[GrantReport, Application]:
    report = db.session.get(GrantReport, report_id)
    if report is None:
        raise NotFound()
    return report, get_application(report.application_id, current_user)  # 404 if not visible


def _put_refusal(form, refused) -> list[str]:
    """Messages next to their fields; returns those without a field (for the summary)."""
    loose = []
    for name, messages in (refused.fields or {}).items():
        target = FORM_FIELDS.get(name, name)
        field = form._fields.get(target) if target else None
        if field is None:
            loose.extend(messages)
        else:
            field.errors = [*field.errors, *messages]
    return loose or ([refused.message] if not refused.fields else [])


def _summary(form, loose: list[str]) -> list[tuple[str | None, str]]:
    items = [(None, message) for message in loose]
    for name, f in form._fields.items():
        if name in ("csrf_token", "version"):
            continue
        items += [(f.id, message) for message in f.errors]
    return items


# -- the applicant ----------------------------------------------------------------------------

@bp.get("/portaal/aanvragen/<int:application_id>/rapportages")
@role_required(Role.APPLICANT)
def portal_reports(application_id: int):
    application = get_application(application_id, current_user)
    return render_template("reports/portal.html", application=application,
                           reports=report_service.reports_for(application), today=_today())


@bp.route("/portaal/rapportages/<int:report_id>", methods=["GET", "POST"])
@role_required(Role.APPLICANT)
def send(report_id: int):
    report, application = _visible_report(report_id)
    final = report.kind == ReportKind.FINAL
    form_class = SettlementRequestForm if final else ReportForm
    trigger = "request_settlement" if final else "submit_report"
    form = form_class(data={"version": application.version})
    loose: list[str] = []
    status = 200
    if form.validate_on_submit():
        try:
            if final:
                report_service.request_settlement(
                    report.id, _actor(), cents_to_api(form.amount.cents), form.file.data,
                    form.statement.data or None, (form.note.data or "").strip(), now(),
                    expected_version=form.expected_version())
            else:
                report_service.send_report(report.id, _actor(), form.file.data,
                                           (form.note.data or "").strip(), now(),
                                           expected_version=form.expected_version())
        except (ValidationFailed, Conflict, Forbidden) as refused:
            db.session.rollback()
            loose, status = _put_refusal(form, refused), refused.status
            report, application = _visible_report(report_id)
        else:
            db.session.commit()
            flash(_("%(title)s is verstuurd.", title=report.title), "success")
            return redirect(url_for(".portal_reports", application_id=application.id), 303)
    elif form.errors:
        status = 422
    statement_required = final and report_service.statement_needed(application)
    return render_template(
        "reports/send.html", application=application, report=report, form=form,
        summary=_summary(form, loose), final=final, statement_required=statement_required,
        possible=report.awaited and trigger in allowed_triggers(application, current_user),
        max_size=size_text(max_bytes()), granted=format_eur(application.granted_cents or 0),
    ), status


# -- the assessor ------------------------------------------------------------------------------

def _review_page(application: Application, forms: dict | None = None, status: int = 200):
    reports = report_service.reports_for(application)
    forms = forms or {}
    for report in reports:
        forms.setdefault(report.id, (AcceptForm(formdata=None,
                                                data={"version": application.version}),
                                     ReviewForm(formdata=None,
                                                data={"version": application.version})))
    triggers = allowed_triggers(application, current_user)
    return render_template("reports/review.html", application=application, reports=reports,
                           forms=forms, today=_today(),
                           may_accept="accept_report" in triggers,
                           may_send_back="send_back_report" in triggers,
                           may_adjust=bool({"advise_adjustment", "adjust_grant"} & set(triggers))
                           ), status


@bp.get("/beoordelen/aanvragen/<int:application_id>/rapportages")
@role_required(*STAFF)
def review(application_id: int):
    return _review_page(get_application(application_id, current_user))


def _review(report_id: int, trigger: str):
    report, application = _visible_report(report_id)
    accept = AcceptForm(data={"version": application.version})
    send_back = ReviewForm(data={"version": application.version})
    form = accept if trigger == "accept_report" else send_back
    if form.validate_on_submit():
        data = {"report": report.id}
        if trigger == "send_back_report":
            data["reason"] = form.reason.data.strip()
        try:
            fire_trigger(application.id, trigger, _actor(), data, now(),
                         expected_version=form.expected_version())
        except (ValidationFailed, Conflict, Forbidden) as refused:
            db.session.rollback()
            loose = _put_refusal(form, refused)
            if loose:
                flash(" ".join(loose), "error")
            application = get_application(application.id, current_user)
            return _review_page(application, {report.id: (accept, send_back)}, refused.status)
        db.session.commit()
        message = (_("%(title)s is geaccepteerd.", title=report.title)
                   if trigger == "accept_report" else
                   _("%(title)s is teruggestuurd naar de aanvrager.", title=report.title))
        flash(message, "success")
        return redirect(url_for(".review", application_id=application.id), 303)
    return _review_page(application, {report.id: (accept, send_back)}, 422)


@bp.post("/beoordelen/rapportages/<int:report_id>/accepteren")
@role_required(*STAFF)
def accept(report_id: int):
    return _review(report_id, "accept_report")


@bp.post("/beoordelen/rapportages/<int:report_id>/terugsturen")
@role_required(*STAFF)
def send_back(report_id: int):
    return _review(report_id, "send_back_report")


# -- RIF: the committee's advice to lower or end a grant, and the approver's decision ---------

@bp.route("/beoordelen/aanvragen/<int:application_id>/aanpassing", methods=["GET", "POST"])
@role_required(Role.COMMITTEE, Role.APPROVER)
def adjustment(application_id: int):
    application = get_application(application_id, current_user)
    triggers = allowed_triggers(application, current_user)
    if "adjust_grant" in triggers:
        trigger, form = "adjust_grant", AdjustmentForm(data={"version": application.version})
    elif "advise_adjustment" in triggers:
        trigger, form = "advise_adjustment", AdviceForm(data={"version": application.version})
    else:
        raise NotFound()
    loose: list[str] = []
    status = 200
    if form.validate_on_submit():
        data = {"reason": form.reason.data.strip()}
        if form.amount.cents is not None:
            data["amount"] = cents_to_api(form.amount.cents)
        if trigger == "advise_adjustment":
            data["advice"] = form.advice.data
        try:
            fire_trigger(application.id, trigger, _actor(), data, now(),
                         expected_version=form.expected_version())
        except (ValidationFailed, Conflict, Forbidden) as refused:
            db.session.rollback()
            loose, status = _put_refusal(form, refused), refused.status
            application = get_application(application_id, current_user)
        else:
            db.session.commit()
            flash(_("Het advies is vastgelegd.") if trigger == "advise_adjustment" else
                  _("Het besluit is genomen; de brief wordt gemaakt."), "success")
            return redirect(url_for(".review", application_id=application.id), 303)
    elif form.errors:
        status = 422
    advice = pending_advice(application)
    return render_template(
        "reports/adjustment.html", application=application, form=form, trigger=trigger,
        summary=_summary(form, loose), advice=advice,
        advice_label=ADVICE_LABELS.get(advice.data["advice"]) if advice else None,
        granted=format_eur(application.granted_cents or 0)), status


# -- the monitoring overview -------------------------------------------------------------------

@bp.get("/monitoring")
@role_required(*MONITORS)
def monitoring():
    today = _today()
    return render_template("reports/monitoring.html", overview=monitoring_overview(today),
                           phases=PHASES, overdue=report_service.overdue_reports(today),
                           today=today)


@bp.get("/monitoring.csv")
@role_required(*MONITORS)
def monitoring_csv():
    today = _today()
    return Response(overview_csv(monitoring_overview(today).rows), headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="monitoring-{today.isoformat()}.csv"',
        "Cache-Control": "no-store",
    })
