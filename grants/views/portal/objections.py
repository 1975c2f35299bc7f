"""Lodging an objection (bezwaar) against the decision, from the status page."""

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from grants.access import role_required
from grants.clock import now
from grants.errors import ValidationFailed
from grants.extensions import db
from grants.forms.portal import ObjectionForm
from grants.models import Role
from grants.services.applications import fire_trigger, history
from grants.views.portal import actor, bp, own_application, receipt_moment
from grants.views.portal.status import status_page


@bp.post("/aanvragen/<int:application_id>/bezwaar")
@role_required(Role.APPLICANT)
def objection(application_id: int):
    application = own_application(application_id)
    form = ObjectionForm()
    if not form.validate():
        return status_page(application, objection_form=form, status=422)
    try:
        fire_trigger(application.id, "lodge_objection", actor(),
                     {"reason": form.reason.data.strip(),
                      "costs_requested": bool(form.costs_requested.data)}, now())
    except ValidationFailed as refused:
        db.session.rollback()
        for messages in refused.fields.values():
            form.reason.errors = [*form.reason.errors, *messages]
        return status_page(own_application(application_id), objection_form=form,
                           status=422)
    event = history(application)[-1]
    db.session.commit()
    flash(_("Uw bezwaar is ontvangen op %(moment)s.", moment=receipt_moment(event.at)),
          "success")
    return redirect(url_for(".application", application_id=application_id, _anchor="bezwaar"),
                    303)
