"""Approving or cancelling a prepared settlement or recovery from the approvers' decision queue
(/beoordelen/besluiten): four eyes on every money decision."""

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.access import role_required
from grants.clock import now
from grants.errors import Conflict, Forbidden, ValidationFailed
from grants.extensions import db
from grants.forms.allocations import CancelForm
from grants.models import Role
from grants.services import approvals

bp = Blueprint("approvals", __name__, url_prefix="/beoordelen/voorgelegd")


def _back():
    return redirect(url_for("assess.approvals"), 303)


@bp.post("/<int:decision_id>/goedkeuren")
@role_required(Role.APPROVER)
def approve(decision_id: int):
    try:
        decision = approvals.approve(decision_id, current_user, now())
    except (Conflict, Forbidden, ValidationFailed) as refused:
        db.session.rollback()
        flash(" ".join([refused.message, *(m for ms in refused.fields.values() for m in ms)]),
              "error")
        return _back()
    reference = decision.application.reference if decision.application else ""
    db.session.commit()
    flash(_("Het besluit over %(reference)s is goedgekeurd en genomen.", reference=reference),
          "success")
    return _back()


@bp.post("/<int:decision_id>/annuleren")
@role_required(Role.APPROVER, Role.ASSESSOR, Role.FINANCE)
def cancel(decision_id: int):
    form = CancelForm()
    if not form.validate_on_submit():
        flash(" ".join(str(m) for ms in form.errors.values() for m in ms), "error")
        return _back()
    try:
        approvals.cancel(decision_id, current_user, now(), form.reason.data)
    except (Conflict, Forbidden, ValidationFailed) as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return _back()
    db.session.commit()
    flash(_("Het voorgelegde besluit is geannuleerd; er is niets besloten."), "info")
    return _back()
