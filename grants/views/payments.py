"""Payment runs: what is due on a day, prepared by finance with confirmation, approved by a
second person (an approver), then the SEPA file."""

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from stdnum import iban as stdnum_iban

from grants.access import role_required
from grants.clock import now
from grants.errors import GrantsError, NotFound
from grants.extensions import db
from grants.forms.payments import ApproveForm, CancelForm, CommitForm, DueForm
from grants.models import Ministry, PaymentRun, PaymentRunStatus, Role
from grants.payments.export import export_after_approval
from grants.payments.runs import (
    approve_run,
    cancel_run,
    due_payments,
    get_run,
    list_runs,
    prepare_run,
)
from grants.payments.runs import sepa_file as run_sepa_file
from grants.payments.target2 import closed_because
from grants.timefmt import AMSTERDAM

bp = Blueprint("payments", __name__, url_prefix="/financien/betalingen")


@bp.app_template_filter("iban")
def format_iban(value: str) -> str:
    """In groups of four, as on a bank statement: NL91 ABNA 0417 1643 00."""
    return stdnum_iban.format(value) if value else ""


def _today() -> date:
    return now().astimezone(AMSTERDAM).date()


def _due_form() -> tuple[DueForm, bool]:
    if "due_on" in request.args:
        form = DueForm(request.args)
        return form, form.validate()
    return DueForm(None, due_on=_today()), True


def _message(refused: GrantsError) -> str:
    return " ".join([refused.message, *(m for ms in refused.fields.values() for m in ms)])


def _index(form: DueForm, valid: bool, commit_form: CommitForm | None = None,
           error: str | None = None, status: int = 200):
    due = None
    may_prepare = current_user.has_role(Role.FINANCE)
    if valid and may_prepare:
        due = due_payments(Ministry(form.ministry.data), form.due_on.data, current_user,
                           _today())
    if commit_form is None:
        commit_form = CommitForm(due_on=due.due_on.isoformat() if due else "",
                                 ministry=form.ministry.data)
    return render_template("payments/index.html", form=form, due=due, today=_today(),
                           commit_form=commit_form, error=error, may_prepare=may_prepare,
                           runs=list_runs(current_user)), status


@bp.get("/")
@role_required(Role.FINANCE, Role.APPROVER)
def index():
    return _index(*_due_form())


@bp.post("/")
@role_required(Role.FINANCE)
def commit():
    commit_form = CommitForm()
    try:
        due_on = date.fromisoformat(commit_form.due_on.data or "")
        ministry = Ministry(commit_form.ministry.data)
    except ValueError:
        raise NotFound() from None
    # The page is shown again for the same day and ministry, with what went wrong at the top.
    form = DueForm(None, due_on=due_on, ministry=ministry.value)
    if not commit_form.validate_on_submit():
        return _index(form, True, commit_form, status=422)
    try:
        run = prepare_run(ministry, due_on, current_user, now())
    except GrantsError as refused:
        db.session.rollback()
        return _index(form, True, commit_form, error=_message(refused), status=refused.status)
    db.session.commit()
    flash(_("Betaalrun %(number)s is voorbereid: %(count)s betalingen. Een beslisser moet haar "
            "goedkeuren; pas dan wordt er betaald en komt er een SEPA-bestand.",
            number=run.id, count=run.line_count), "info")
    return redirect(url_for(".show", run_id=run.id))


def _show(run: PaymentRun, approve_form=None, cancel_form=None, error=None, status=200):
    prepared = run.status == PaymentRunStatus.PREPARED
    # Flags only: the services enforce who may approve or cancel, whatever the page shows.
    can_approve = (prepared and current_user.has_role(Role.APPROVER)
                   and run.prepared_by_id != current_user.id)
    can_cancel = prepared and (run.prepared_by_id == current_user.id
                               or current_user.has_role(Role.APPROVER))
    requested_on = (run.approved_at or run.prepared_at).astimezone(AMSTERDAM).date()
    moved = closed_because(requested_on) if run.status != PaymentRunStatus.CANCELLED else None
    return render_template(
        "payments/run.html", run=run, can_approve=can_approve, can_cancel=can_cancel,
        approve_form=approve_form or ApproveForm(), cancel_form=cancel_form or CancelForm(),
        requested_on=requested_on, moved_because=moved, error=error), status


@bp.get("/<int:run_id>")
@role_required(Role.FINANCE, Role.APPROVER)
def show(run_id: int):
    return _show(get_run(run_id, current_user))


@bp.post("/<int:run_id>/goedkeuren")
@role_required(Role.FINANCE, Role.APPROVER)
def approve(run_id: int):
    form = ApproveForm()
    if not form.validate_on_submit():
        return _show(get_run(run_id, current_user), approve_form=form, status=422)
    try:
        run = approve_run(run_id, current_user, now())
    except GrantsError as refused:
        db.session.rollback()
        return _show(get_run(run_id, current_user), error=_message(refused),
                     status=refused.status)
    db.session.commit()
    flash(_("Betaalrun %(number)s is goedgekeurd: %(count)s betalingen geboekt. Download het "
            "SEPA-bestand voor de bank.", number=run.id, count=run.line_count), "info")
    if not export_after_approval(run):
        flash(_("Het SEPA-bestand kon niet in de exportmap worden gezet; meld dit aan de "
                "beheerder (de volgende back-up probeert het opnieuw)."), "error")
    return redirect(url_for(".show", run_id=run.id))


@bp.post("/<int:run_id>/annuleren")
@role_required(Role.FINANCE, Role.APPROVER)
def cancel(run_id: int):
    form = CancelForm()
    if not form.validate_on_submit():
        return _show(get_run(run_id, current_user), cancel_form=form, status=422)
    try:
        run = cancel_run(run_id, current_user, now(), form.reason.data)
    except GrantsError as refused:
        db.session.rollback()
        return _show(get_run(run_id, current_user), error=_message(refused),
                     status=refused.status)
    db.session.commit()
    flash(_("Betaalrun %(number)s is geannuleerd; de betalingen kunnen in een nieuwe "
            "betaalrun.", number=run.id), "info")
    return redirect(url_for(".show", run_id=run.id))


@bp.get("/<int:run_id>/sepa.xml")
@role_required(Role.FINANCE, Role.APPROVER)
def sepa_file(run_id: int):
    run = get_run(run_id, current_user)
    data = run_sepa_file(run)
    return Response(data, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{run.message_id}.xml"',
        "X-Content-SHA256": run.sepa_sha256})
