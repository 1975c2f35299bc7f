"""Allocation pages for finance: preview (with what-if), download, commit with confirmation."""

import csv
import io
import secrets

import sqlalchemy as sa
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.access import role_required
from grants.allocation.runs import run_allocation
from grants.clock import now
from grants.errors import GrantsError, NotFound
from grants.extensions import db
from grants.forms.allocations import CommitForm, WhatIfForm
from grants.i18n import N_
from grants.models import AllocationRun, Application, Role
from grants.money import cents_to_api
from grants.services.schemes import get_window, list_schemes

bp = Blueprint("allocations", __name__, url_prefix="/financien/verdelingen")

OUTCOME_LABELS = {"approved": N_("Verleend"), "rejected": N_("Afgewezen"),
                  "settled": N_("Vastgesteld"), "ineligible": N_("Niet ontvankelijk")}


@bp.get("/")
@role_required(Role.FINANCE)
def index():
    runs = db.session.scalars(sa.select(AllocationRun).order_by(AllocationRun.id.desc())).all()
    return render_template("allocations/index.html", schemes=list_schemes(), runs=runs)


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
        now=now())


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
    flash(_("Verdeling %(number)s is vastgelegd; de besluiten zijn genomen.",
            number=outcome.run.id), "info")
    return redirect(url_for(".show", run_id=outcome.run.id))


@bp.get("/runs/<int:run_id>")
@role_required(Role.FINANCE)
def show(run_id: int):
    run = db.session.get(AllocationRun, run_id)
    if run is None:
        raise NotFound()
    return render_template("allocations/run.html", run=run, rows=_rows(run.results))


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
@role_required(Role.FINANCE)
def run_csv(run_id: int):
    run = db.session.get(AllocationRun, run_id)
    if run is None:
        raise NotFound()
    return _csv(_rows(run.results), f"verdeling-{run.id}.csv")
