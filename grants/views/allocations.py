"""Allocation pages: finance previews (with what-if), downloads and prepares a run with
confirmation; an approver (a different user) approves it, and then it takes effect; the preparer
or an approver may cancel a prepared run, with a reason."""

import csv
import io
import secrets

import sqlalchemy as sa
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.access import role_required
from grants.allocation.approval import approve_run, cancel_run
from grants.allocation.runs import METHOD_NAMES, run_allocation
from grants.clock import now
from grants.errors import Conflict, Forbidden, GrantsError, NotFound, ValidationFailed
from grants.extensions import db
from grants.forms.allocations import ApproveRunForm, CancelForm, CommitForm, WhatIfForm
from grants.i18n import N_
from grants.models import AllocationRun, Application, Role, RunStatus
from grants.money import cents_to_api
from grants.services.schemes import get_window, list_schemes

bp = Blueprint("allocations", __name__, url_prefix="/financien/verdelingen")

OUTCOME_LABELS = {"approved": N_("Verleend"), "rejected": N_("Afgewezen"),
                  "settled": N_("Vastgesteld"), "ineligible": N_("Niet ontvankelijk")}


@bp.get("/")
@role_required(Role.FINANCE)
def index():
    runs = db.session.scalars(sa.select(AllocationRun).order_by(AllocationRun.id.desc())).all()
    return render_template("allocations/index.html", schemes=list_schemes(), runs=runs,
                           method_names=METHOD_NAMES)


def _preview(scheme: str, window: str, form: WhatIfForm, seed: str):
    # The form allows digits with a decimal comma or point, no thousands separators.
    ceiling = form.ceiling.data.replace(",", ".") if form.ceiling.data else None
    return run_allocation(scheme, window, current_user, now(), dry_run=True,
                          ceiling=ceiling if scheme != "praktijkleren" else None, seed=seed)


def _rows(results) -> list[dict]:
    """Table rows from a preview's results or a stored run's, in the same shape."""
    applications = {a.id: a for a in db.session.scalars(sa.select(Application).where(
        Application.id.in_([r.application_id for r in results])))}
    rows, running = [], 0
    for r in results:
        amount = getattr(r, "amount", None)
        amount = r.amount_cents if amount is None else amount
        running += amount
        rows.append({"rank": r.rank, "application": applications[r.application_id],
                     "outcome": r.outcome, "label": OUTCOME_LABELS[r.outcome], "amount": amount,
                     "running_total": running, "reason": r.reason,
                     "lottery_position": r.lottery_position})
    return rows


@bp.get("/<scheme>/<window>")
@role_required(Role.FINANCE)
def preview(scheme: str, window: str):
    form = WhatIfForm(request.args)
    seed = (form.seed.data or "").strip() or secrets.token_hex(8)
    outcome = error = None
    if form.validate():
        try:
            outcome = _preview(scheme, window, form, seed)
        except NotFound:
            raise
        except GrantsError as refused:
            error = refused
    commit_form = CommitForm(seed=seed)
    return render_template(
        "allocations/preview.html", window=get_window(scheme, window), form=form,
        outcome=outcome, rows=_rows(outcome.allocation.results) if outcome else [], error=error,
        commit_form=commit_form, what_if=bool(form.ceiling.data),
        now=now(), method_names=METHOD_NAMES)


@bp.post("/<scheme>/<window>")
@role_required(Role.FINANCE)
def commit(scheme: str, window: str):
    form = CommitForm()
    if not form.validate_on_submit():
        flash(" ".join(str(m) for ms in form.errors.values() for m in ms), "error")
        return redirect(url_for(".preview", scheme=scheme, window=window, seed=form.seed.data))
    outcome = run_allocation(scheme, window, current_user, now(), dry_run=False,
                             seed=form.seed.data)
    db.session.commit()
    flash(_("Verdeling %(number)s is voorbereid. Een beslisser moet haar goedkeuren; pas dan "
            "worden de besluiten genomen.", number=outcome.run.id), "info")
    return redirect(url_for(".show", run_id=outcome.run.id))


def _run(run_id: int) -> AllocationRun:
    run = db.session.get(AllocationRun, run_id)
    if run is None:
        raise NotFound()
    return run


def _run_page(run: AllocationRun, approve_form=None, cancel_form=None, error=None,
              status: int = 200):
    user = current_user
    prepared = run.status == RunStatus.PREPARED
    return render_template(
        "allocations/run.html", run=run, rows=_rows(run.results), error=error,
        approve_form=approve_form or ApproveRunForm(), cancel_form=cancel_form or CancelForm(),
        can_approve=prepared and user.has_role(Role.APPROVER) and user.id != run.created_by_id,
        own_run=prepared and user.id == run.created_by_id,
        can_cancel=prepared and (user.has_role(Role.APPROVER) or user.id == run.created_by_id),
        show_index=user.has_role(Role.FINANCE), method_names=METHOD_NAMES,
    ), status


@bp.get("/runs/<int:run_id>")
@role_required(Role.FINANCE, Role.APPROVER)
def show(run_id: int):
    return _run_page(_run(run_id))


@bp.post("/runs/<int:run_id>/goedkeuren")
@role_required(Role.APPROVER)
def approve(run_id: int):
    form = ApproveRunForm()
    if not form.validate_on_submit():
        return _run_page(_run(run_id), approve_form=form, status=422)
    try:
        approve_run(run_id, current_user, now())
    except (Conflict, Forbidden, ValidationFailed) as refused:
        db.session.rollback()
        return _run_page(_run(run_id), approve_form=form, error=refused, status=refused.status)
    db.session.commit()
    flash(_("Verdeling %(number)s is goedgekeurd; de besluiten zijn genomen.", number=run_id),
          "success")
    return redirect(url_for(".show", run_id=run_id), 303)


@bp.post("/runs/<int:run_id>/annuleren")
@role_required(Role.FINANCE, Role.APPROVER)
def cancel(run_id: int):
    form = CancelForm()
    if not form.validate_on_submit():
        return _run_page(_run(run_id), cancel_form=form, status=422)
    try:
        cancel_run(run_id, current_user, now(), form.reason.data)
    except (Conflict, Forbidden, ValidationFailed) as refused:
        db.session.rollback()
        return _run_page(_run(run_id), cancel_form=form, error=refused, status=refused.status)
    db.session.commit()
    flash(_("Verdeling %(number)s is geannuleerd; er is niets besloten.", number=run_id), "info")
    return redirect(url_for(".show", run_id=run_id), 303)


def _csv(rows: list[dict], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(("rank", "reference", "organisation", "requested", "outcome", "amount",
                     "running_total", "reason", "lottery_position"))
    writer.writerows((
        row["rank"] or "", row["application"].reference, row["application"].organisation.name,
        cents_to_api(row["application"].requested_cents), row["outcome"],
        cents_to_api(row["amount"]), cents_to_api(row["running_total"]), row["reason"],
        row["lottery_position"] or "") for row in rows)
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/<scheme>/<window>.csv")
@role_required(Role.FINANCE)
def preview_csv(scheme: str, window: str):
    form = WhatIfForm(request.args)
    if not form.validate():
        raise NotFound()
    outcome = _preview(scheme, window, form, (form.seed.data or "").strip() or
                       secrets.token_hex(8))
    return _csv(_rows(outcome.allocation.results),
                f"proefverdeling-{scheme}-{window}-{outcome.seed}.csv")


@bp.get("/runs/<int:run_id>.csv")
@role_required(Role.FINANCE, Role.APPROVER)
def run_csv(run_id: int):
    run = _run(run_id)
    return _csv(_rows(run.results), f"verdeling-{run.id}.csv")
