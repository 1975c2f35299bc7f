"""Payment runs for finance: what is due on a day, commit with confirmation, the SEPA file."""

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from stdnum import iban as stdnum_iban

from grants.access import role_required
from grants.clock import now
from grants.errors import GrantsError, NotFound
from grants.extensions import db
from grants.forms.payments import CommitForm, DueForm
from grants.models import Ministry, Role
from grants.payments.runs import commit_run, due_payments, get_run, list_runs
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


def _index(form: DueForm, valid: bool, commit_form: CommitForm | None = None,
           error: str | None = None, status: int = 200):
    due = None
    if valid:
        due = due_payments(Ministry(form.ministry.data), form.due_on.data, current_user)
    if commit_form is None:
        commit_form = CommitForm(due_on=due.due_on.isoformat() if due else "",
                                 ministry=form.ministry.data)
    return render_template("payments/index.html", form=form, due=due, today=_today(),
                           commit_form=commit_form, error=error,
                           runs=list_runs(current_user)), status


@bp.get("/")
@role_required(Role.FINANCE)
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
        run = commit_run(ministry, due_on, current_user, now())
    except GrantsError as refused:
        db.session.rollback()
        message = " ".join([refused.message, *(m for ms in refused.fields.values() for m in ms)])
        return _index(form, True, commit_form, error=message, status=refused.status)
    db.session.commit()
    flash(_("Betaalrun %(number)s is geboekt: %(count)s betalingen. Download het SEPA-bestand "
            "voor de bank.", number=run.id, count=run.line_count), "info")
    return redirect(url_for(".show", run_id=run.id))


@bp.get("/<int:run_id>")
@role_required(Role.FINANCE)
def show(run_id: int):
    return render_template("payments/run.html", run=get_run(run_id, current_user))


@bp.get("/<int:run_id>/sepa.xml")
@role_required(Role.FINANCE)
def sepa_file(run_id: int):
    run = get_run(run_id, current_user)
    return Response(run.sepa_xml, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{run.message_id}.xml"',
        "X-Content-SHA256": run.sepa_sha256})
