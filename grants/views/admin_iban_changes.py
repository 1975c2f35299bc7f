"""IBAN changes waiting for a second person (/beheer/iban-wijzigingen): admins and finance see
every organisation's, and confirm or reject them (with a reason) — never their own. Added to
the admin blueprint; the rules live in grants.services.iban_changes."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from grants.access import role_required
from grants.clock import now
from grants.errors import Conflict, ValidationFailed
from grants.extensions import db
from grants.forms.iban_changes import IbanConfirmForm, IbanRejectForm
from grants.models import IbanChange, Organisation, Role, User
from grants.services import iban_changes as service
from grants.views.admin import _actor
from grants.views.admin import bp as admin

STAFF = (Role.ADMIN, Role.FINANCE)
# The reject form's reason gets an id of its own: the organisation's page has other reasons.
REJECT = "afwijzen"
# Where a step was taken from, so that it returns there: the organisation's page or this list.
FROM_ORGANISATION = "organisatie"


def change_facts(change: IbanChange) -> dict:
    """What the pages show of a change; staff see the full IBANs to check them."""
    return {"change": change, "old_iban": service.format_iban(change.old_iban),
            "new_iban": service.format_iban(change.new_iban)}


def iban_change_panel(organisation: Organisation, actor: User) -> dict:
    """The organisation page's part on a change waiting for confirmation (none: nothing)."""
    change = service.pending_change(organisation)
    if change is None:
        return {"iban_change": None}
    return {"iban_change": change, "iban_change_new": service.format_iban(change.new_iban),
            "iban_may_decide": service.may_decide(change, actor),
            "iban_confirm_form": IbanConfirmForm(formdata=None),
            "iban_reject_form": IbanRejectForm(formdata=None, prefix=REJECT),
            "iban_from": FROM_ORGANISATION}


@admin.get("/iban-wijzigingen")
@role_required(*STAFF)
def iban_changes():
    actor = _actor()
    pending = [{**change_facts(change), "may_decide": service.may_decide(change, actor)}
               for change in service.pending_changes()]
    return render_template("admin/iban_changes.html", pending=pending,
                           decided=[change_facts(change)
                                    for change in service.decided_changes()])


def _change_page(change: IbanChange, *, reject_form: IbanRejectForm | None = None,
                 status: int = 200):
    actor = _actor()
    return render_template(
        "admin/iban_change.html", **change_facts(change),
        may_decide=service.may_decide(change, actor),
        own=change.requested_by_id == actor.id,
        organisation_link=actor.has_role(Role.ADMIN),
        confirm_form=IbanConfirmForm(formdata=None),
        reject_form=reject_form or IbanRejectForm(formdata=None, prefix=REJECT)), status


@admin.get("/iban-wijzigingen/<int:change_id>")
@role_required(*STAFF)
def iban_change(change_id: int):
    return _change_page(service.visible_change(change_id, _actor()))


def _back(change: IbanChange):
    if request.form.get("terug") == FROM_ORGANISATION and _actor().has_role(Role.ADMIN):
        return redirect(url_for("admin.organisation", organisation_id=change.organisation_id),
                        303)
    return redirect(url_for("admin.iban_change", change_id=change.id), 303)


@admin.post("/iban-wijzigingen/<int:change_id>/bevestigen")
@role_required(*STAFF)
def confirm_iban_change(change_id: int):
    change = service.visible_change(change_id, _actor())
    try:
        service.confirm_iban_change(change_id, actor=_actor(), now=now())
    except Conflict as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return _back(change)
    db.session.commit()
    flash(_("Het nieuwe IBAN van %(name)s is bevestigd: vanaf nu wordt daarop betaald.",
            name=change.organisation.name), "success")
    return _back(change)


@admin.post("/iban-wijzigingen/<int:change_id>/afwijzen")
@role_required(*STAFF)
def reject_iban_change(change_id: int):
    change = service.visible_change(change_id, _actor())
    form = IbanRejectForm(prefix=REJECT)
    try:
        service.reject_iban_change(change_id, actor=_actor(), now=now(),
                                   reason=form.reason.data or "")
    except Conflict as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return _back(change)
    except ValidationFailed as refused:
        db.session.rollback()
        form.add_service_errors(refused.fields)
        return _change_page(service.visible_change(change_id, _actor()), reject_form=form,
                            status=422)
    db.session.commit()
    flash(_("De wijziging van het IBAN van %(name)s is afgewezen.",
            name=change.organisation.name), "success")
    return _back(change)
