"""The organisation's applications with the next step for each, the open and coming windows,
starting a draft for an open window, and the status page of one application."""

from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace

import sqlalchemy as sa
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from grants.access import role_required
from grants.budget.ledger import application_balance
from grants.clock import now
from grants.errors import Conflict, GrantsError, ValidationFailed
from grants.extensions import db
from grants.forms.portal import NewApplicationForm
from grants.forms.portal_schemes import SCHEME_FORMS
from grants.i18n import current_language, page_eur, translated
from grants.models import (
    PAYMENT_KIND_LABELS,
    Application,
    EntryKind,
    LedgerEntry,
    PaymentKind,
    PaymentLine,
    PaymentRun,
    PaymentRunStatus,
    Role,
    Scheme,
    Submission,
    Window,
)
from grants.models import ApplicationState as S
from grants.payments.payables import creditor_iban, iban_problem, line_key, payables_of
from grants.payments.schedule import ADVANCE_TRIGGER, advances_paid, instalments
from grants.services import attachments as attachment_service
from grants.services import receipts
from grants.services.applications import (
    create_application,
    delete_draft,
    fire_trigger,
    visible_applications,
)
from grants.services.consents import plans_asking_consent
from grants.timefmt import AMSTERDAM
from grants.views.applications import scheme_details
from grants.views.portal import actor, bp, own_application, receipt_moment, today
from grants.views.portal.status import can_withdraw, status_page
from grants.workflows import workflow_for
from grants.workflows.fields.entry import ELIGIBILITY, may_apply
from grants.workflows.rules import current_rules


def open_windows(moment: datetime) -> list[Window]:
    return list(db.session.scalars(
        sa.select(Window).join(Scheme)
        .where(Window.opens_at <= moment, Window.closes_at >= moment)
        .order_by(Window.closes_at, Scheme.id)))


def coming_windows(moment: datetime, limit: int = 5) -> list[Window]:
    return list(db.session.scalars(
        sa.select(Window).join(Scheme).where(Window.opens_at > moment)
        .order_by(Window.opens_at, Scheme.id).limit(limit)))


@dataclass(frozen=True)
class Row:
    application: Application
    url: str
    next_step: str


def _row(application: Application, moment: datetime) -> Row:
    def day(value) -> str:
        return format_date(value, "d MMMM yyyy")

    url = url_for(".application", application_id=application.id)
    step = ""
    if application.state == S.DRAFT:
        url = url_for(".edit", application_id=application.id)
        if application.window.opens_at > moment:
            step = _("Indienen kan vanaf %(day)s", day=day(application.window.opens_at))
        else:
            step = _("Afmaken en indienen uiterlijk %(day)s",
                     day=day(application.window.closes_at))
    elif application.state == S.INCOMPLETE:
        step = _("Informatie aanvullen uiterlijk %(day)s", day=day(application.repair_due_on))
    elif application.decided_at is None and application.decision_due_on:
        step = _("Besluit uiterlijk %(day)s", day=day(application.decision_due_on))
    elif application.objection_due_on and application.objection_due_on >= today():
        step = _("Bezwaar mogelijk tot en met %(day)s", day=day(application.objection_due_on))
    return Row(application, url, step)


@bp.get("/")
@role_required(Role.APPLICANT)
def index():
    moment = now()
    applications = db.session.scalars(visible_applications(current_user)).all()
    return render_template("portal/index.html", rows=[_row(a, moment) for a in applications],
                           windows=open_windows(moment), coming=coming_windows(moment),
                           eligibility=ELIGIBILITY, may_apply=_may_apply,
                           consents_waiting=sum(
                               not status.consented
                               for _plan, status in plans_asking_consent(current_user)))


def _may_apply(window) -> bool:
    organisation = current_user.organisation
    return organisation is None or may_apply(window.scheme.code, organisation.kind)


@bp.route("/nieuw", methods=["GET", "POST"])
@role_required(Role.APPLICANT)
def new():
    windows = open_windows(now())
    form = NewApplicationForm()
    form.window.choices = [SelectChoice(str(w.id), f"{w.scheme.name}: {w.name}")
                           for w in windows]
    if request.method == "GET" and request.args.get("tijdvak"):
        form.window.data = request.args["tijdvak"]
    general = []
    if current_user.organisation is None:
        general.append(_("Uw account hoort niet bij een organisatie; vraag de beheerder dit "
                         "te regelen voordat u een aanvraag start."))
    elif form.validate_on_submit():
        window = next(w for w in windows if str(w.id) == form.window.data)
        scheme_form = SCHEME_FORMS[window.scheme.code]
        payload = {"scheme": window.scheme.code, "window": window.code,
                   "title": form.title.data,
                   **scheme_form.starting_details(current_user.organisation)}
        try:
            application = create_application(actor(), payload, now())
        except ValidationFailed as refused:
            db.session.rollback()
            for name, messages in refused.fields.items():
                field = form._fields.get(name)
                if field is None:
                    general.extend(messages)
                else:
                    field.errors = [*field.errors, *messages]
        else:
            db.session.commit()
            flash(_("Concept %(reference)s is aangemaakt. U kunt het op elk moment bewaren en "
                    "later verder gaan.", reference=application.reference), "success")
            return redirect(url_for(".edit", application_id=application.id), 303)
    summary = [("", m) for m in general] + [
        (form[name].id if name != "window" else f"{form.window.id}-0", message)
        for name in ("window", "title") for message in form[name].errors]
    status = 422 if request.method == "POST" and summary else 200
    return render_template("portal/new.html", form=form, summary=summary,
                           windows={str(w.id): w for w in windows},
                           eligibility=ELIGIBILITY, may_apply=_may_apply), status


@bp.get("/aanvragen/<int:application_id>")
@role_required(Role.APPLICANT)
def application(application_id: int):
    return status_page(own_application(application_id))


# -- withdrawing a submitted application, deleting a draft ------------------------------------

MAX_REASON = 2000


def _version(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@bp.route("/aanvragen/<int:application_id>/intrekken", methods=["GET", "POST"])
@role_required(Role.APPLICANT)
def withdraw(application_id: int):
    application = own_application(application_id)
    back = redirect(url_for(".application", application_id=application.id), 303)
    if not can_withdraw(application):
        flash(_("Deze aanvraag kan niet (meer) worden ingetrokken."), "info")
        return back
    reserved = application_balance(application.id).reserved
    reason = (request.form.get("reason") or "").strip()
    error = ""
    if request.method == "POST":
        if len(reason) > MAX_REASON:
            error = _("Uw toelichting is te lang: hoogstens %(count)d tekens.", count=MAX_REASON)
        else:
            try:
                fire_trigger(application.id, "withdraw", actor(), {"reason": reason}, now(),
                             expected_version=_version(request.form.get("version")))
            except GrantsError as refused:
                db.session.rollback()
                flash(_("De aanvraag is niet ingetrokken: %(reason)s", reason=refused.message),
                      "error")
                return back
            db.session.commit()
            flash(_("Aanvraag %(reference)s is ingetrokken. Wij behandelen haar niet verder.",
                    reference=application.reference), "success")
            return back
    return render_template("portal/withdraw.html", application=application, reserved=reserved,
                           reason=reason, error=error, max_reason=MAX_REASON), \
        422 if error else 200


@bp.route("/aanvragen/<int:application_id>/verwijderen", methods=["GET", "POST"])
@role_required(Role.APPLICANT)
def delete(application_id: int):
    application = own_application(application_id)
    if application.state != S.DRAFT:
        flash(_("Alleen een concept kan worden verwijderd; deze aanvraag is al ingediend."),
              "info")
        return redirect(url_for(".application", application_id=application.id), 303)
    if request.method == "POST":
        try:
            reference = delete_draft(application.id, actor())
        except Conflict as refused:
            db.session.rollback()
            flash(refused.message, "error")
            return redirect(url_for(".application", application_id=application_id), 303)
        db.session.commit()
        flash(_("Concept %(reference)s is verwijderd, met zijn bijlagen.", reference=reference),
              "success")
        return redirect(url_for(".index"), 303)
    return render_template("portal/delete.html", application=application,
                           attachments=attachment_service.attachments_for(application))


# -- what was submitted, on screen and as PDF with the receipt --------------------------------

def _submission_view(application_id: int):
    """The frozen copy asked for (``?versie=``, else the newest) and everything both the page
    and the PDF show of it."""
    version = request.args.get("versie", type=int)
    submission = receipts.visible_submission(application_id, current_user, version)
    application = submission.application
    workflow = workflow_for(application.scheme.code)
    rules = current_rules(application, workflow.default_rules)["rules"]
    # The scheme's fields as they were sent, read by the same code as the staff's file.
    frozen = SimpleNamespace(details=submission.details, scheme=application.scheme)
    return {
        "application": application, "submission": submission,
        "submissions": receipts.submissions_of(application),
        "details": scheme_details(frozen, rules),
        "received": receipt_moment(application.submitted_at or submission.at),
        "sent": receipt_moment(submission.at),
        "size_text": attachment_service.size_text,
    }


def _kind_of(submission: Submission) -> str:
    return _("Aanvraag ingediend") if submission.trigger == "submit" else \
        _("Aanvulling verstuurd")


@bp.get("/aanvragen/<int:application_id>/ingediend")
@role_required(Role.APPLICANT)
def submitted(application_id: int):
    return render_template("portal/submitted.html", kind_of=_kind_of,
                           **_submission_view(application_id))


@bp.get("/aanvragen/<int:application_id>/ingediend.pdf")
@role_required(Role.APPLICANT)
def submitted_pdf(application_id: int):
    context = _submission_view(application_id)
    html = render_template("portal/submitted_pdf.html", kind_of=_kind_of,
                           language=current_language(), **context)
    pdf = receipts.html_to_pdf(html)
    submission = context["submission"]
    name = f"ontvangstbevestiging-{context['application'].reference}-{submission.id}.pdf"
    return Response(pdf.content, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "private, no-store"})


# -- payments: the schedule, what was paid when and where, what is still to come --------------

@dataclass(frozen=True)
class ScheduledAdvance:
    number: int
    count: int
    due_on: date
    amount_cents: int
    status: str


@dataclass(frozen=True)
class Paid:
    on: date
    what: str
    amount_cents: int
    iban: str


@dataclass(frozen=True)
class Coming:
    due_on: date
    what: str
    amount_cents: int
    note: str


def _schedule(application: Application) -> list[ScheduledAdvance]:
    # Advances paid cover the instalments in order, as the payment runs count them.
    paid = advances_paid(application.id)
    rows, through = [], 0
    for instalment in instalments(application):
        before, through = through, through + instalment.amount_cents
        if paid >= through:
            status = _("betaald")
        elif paid > before:
            status = _("deels betaald (%(amount)s)", amount=page_eur(paid - before))
        else:
            status = _("nog te betalen")
        rows.append(ScheduledAdvance(instalment.number, instalment.count, instalment.due_on,
                                     instalment.amount_cents, status))
    return rows


def _paid(application: Application) -> list[Paid]:
    lines = db.session.execute(
        sa.select(PaymentLine, PaymentRun).join(PaymentRun, PaymentRun.id == PaymentLine.run_id)
        .where(PaymentLine.application_id == application.id, PaymentLine.held.is_(True),
               PaymentRun.status == PaymentRunStatus.APPROVED)
        .order_by(PaymentRun.execution_on, PaymentLine.id)).all()
    found = [Paid(run.execution_on, _line_label(line), line.amount_cents,
                  receipts.mask_iban(line.creditor_iban)) for line, run in lines]
    # Payments booked without a run (by hand, before runs existed) have no account on record.
    by_runs = {run.approved_at for _line, run in lines}
    outside: dict[tuple, int] = {}
    for entry in db.session.scalars(
            sa.select(LedgerEntry).where(LedgerEntry.application_id == application.id,
                                         LedgerEntry.kind == EntryKind.DISBURSE)
            .order_by(LedgerEntry.at, LedgerEntry.id)):
        if entry.at not in by_runs:
            key = (entry.at, entry.cause)
            outside[key] = outside.get(key, 0) + entry.amount_cents
    for (at, cause), cents in outside.items():
        what = translated(PAYMENT_KIND_LABELS[PaymentKind.ADVANCE]) if cause == ADVANCE_TRIGGER \
            else _("betaling")
        found.append(Paid(at.astimezone(AMSTERDAM).date(), what, cents,
                          _("niet vastgelegd (buiten een betaalrun betaald)")))
    return sorted(found, key=lambda item: item.on)


def _line_label(line: PaymentLine) -> str:
    label = translated(PAYMENT_KIND_LABELS[line.kind])
    if line.kind == PaymentKind.ADVANCE and line.instalment:
        return _("%(kind)s %(number)d van %(count)d", kind=label, number=line.instalment,
                 count=line.instalment_count or line.instalment)
    return label


FAR_AHEAD = date(9999, 12, 31)


def _coming(application: Application) -> list[Coming]:
    planned = {line_key(line): run for line, run in db.session.execute(
        sa.select(PaymentLine, PaymentRun).join(PaymentRun, PaymentRun.id == PaymentLine.run_id)
        .where(PaymentLine.application_id == application.id, PaymentLine.held.is_(True),
               PaymentRun.status == PaymentRunStatus.PREPARED)).all()}
    found = []
    for payable in payables_of(application, FAR_AHEAD):
        what = translated(payable.kind_label)
        if payable.instalment is not None:
            what = _("%(kind)s %(number)d van %(count)d", kind=what,
                     number=payable.instalment.number, count=payable.instalment.count)
        run = planned.get(payable.key())
        note = _("in een betaalrun met uitvoeringsdatum %(day)s",
                 day=format_date(run.execution_on, "d MMMM yyyy")) if run else ""
        found.append(Coming(payable.due_on, what, payable.amount_cents, note))
    return found


@bp.get("/aanvragen/<int:application_id>/betalingen")
@role_required(Role.APPLICANT)
def payments(application_id: int):
    application = own_application(application_id)
    balance = application_balance(application.id)
    paid = _paid(application)
    coming = _coming(application)
    account = creditor_iban(application)
    return render_template(
        "portal/payments.html", application=application, schedule=_schedule(application),
        paid=paid, coming=coming, paid_total=sum(item.amount_cents for item in paid),
        coming_total=sum(item.amount_cents for item in coming), balance=balance,
        iban=receipts.mask_iban(account), iban_missing=iban_problem(application) is not None)
