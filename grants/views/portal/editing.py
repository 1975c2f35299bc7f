"""The multi-part form of a draft (or of an application the applicant is asked to complete):
saving, adding and removing rows, submitting, and the receipt after submitting.

The schemes differ only in their form classes (``SCHEME_FORMS``); this module drives any of
them through the same steps.
"""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_time
from flask_babel import gettext as _

from grants.access import role_required
from grants.clock import now
from grants.errors import ValidationFailed
from grants.extensions import db
from grants.forms.portal import SchemeForm
from grants.forms.portal_schemes import SCHEME_FORMS, RifForm
from grants.models import Application, Role
from grants.models import ApplicationState as S
from grants.services import attachments as attachment_service
from grants.services.applications import EDITABLE_STATES, fire_trigger, update_application
from grants.views.portal import actor, bp, information_request, own_application, receipt_moment
from grants.workflows.fields.common import listed

SHOWN_PLACES = 20  # on the form; the places page shows them all


def _action() -> tuple[str, str | None, int | None]:
    """What the pressed button asks: save, submit, add:<list> or remove:<list>:<index>."""
    kind, _sep, rest = (request.form.get("action") or "save").partition(":")
    if kind == "add":
        return kind, rest, None
    if kind == "remove":
        name, _sep, index = rest.partition(":")
        if index.isdigit():
            return kind, name, int(index)
    if kind == "submit":
        return kind, None, None
    return "save", None, None


def _expected_version(form: SchemeForm) -> int | None:
    value = form.version.data
    return int(value) if value and str(value).isdigit() else None


def _edit_page(application: Application, form: SchemeForm, *, status: int = 200,
               not_submitted: str | None = None, new_row: str | None = None):
    details = application.details or {}
    attachments = attachment_service.attachments_for(application)
    kinds = attachment_service.document_kinds(application)
    present = {d.get("kind") for d in listed(details, "documents") if d.get("name")}
    return render_template(
        "portal/edit.html", application=application, form=form,
        summary=form.error_summary(), not_submitted=not_submitted,
        can_submit=application.state == S.DRAFT, new_row=new_row,
        attachments=attachments, request_event=information_request(application),
        documents=[(label, code in present) for code, label in kinds.items()],
        places=listed(details, "places"), shown_places=SHOWN_PLACES,
        partner_names=form.partner_names() if isinstance(form, RifForm) else [],
    ), status


@bp.route("/aanvragen/<int:application_id>/bewerken", methods=["GET", "POST"])
@role_required(Role.APPLICANT)
def edit(application_id: int):
    application = own_application(application_id)
    if application.state not in EDITABLE_STATES:
        flash(_("Deze aanvraag kan niet meer worden gewijzigd."), "info")
        return redirect(url_for(".application", application_id=application.id), 303)
    form_class = SCHEME_FORMS[application.scheme.code]
    if request.method == "GET":
        new_row = request.args.get("rij")
        form = form_class.for_application(application, extra_row=new_row)
        return _edit_page(application, form, new_row=new_row if new_row in form.ROWS else None)

    form = form_class()
    action, row_list, row_index = _action()
    if action == "submit" and application.state != S.DRAFT:
        action = "save"
    valid = form.validate()
    if action == "remove" and row_list in form.ROWS:
        form = form.rebuilt(drop=(row_list, row_index))
        valid = form.validate()
    if not valid:
        return _edit_page(application, form, status=422)
    user = actor()
    try:
        update_application(application.id, user, form.payload(),
                           expected_version=_expected_version(form))
    except ValidationFailed as refused:
        db.session.rollback()
        form.add_service_errors(refused.fields)
        return _edit_page(own_application(application_id), form, status=422)

    if action == "submit":
        try:
            with db.session.begin_nested():
                fire_trigger(application.id, "submit", user, {}, now())
        except ValidationFailed as refused:
            db.session.commit()  # what was typed is kept as the draft; only submitting failed
            application = own_application(application_id)
            form.version.data = str(application.version)
            form.add_service_errors(refused.fields)
            return _edit_page(application, form, status=422, not_submitted=refused.message)
        db.session.commit()
        return redirect(url_for(".receipt", application_id=application.id), 303)

    db.session.commit()
    if action == "add" and row_list in form.ROWS:
        # No fragment: Chromium ignores autofocus (the new row's first field) when there is one.
        return redirect(url_for(".edit", application_id=application.id, rij=row_list), 303)
    flash(_("Uw wijzigingen zijn bewaard (%(time)s).", time=format_time(now(), "HH:mm")),
          "success")
    return redirect(url_for(".edit", application_id=application.id), 303)


@bp.get("/aanvragen/<int:application_id>/ontvangstbevestiging")
@role_required(Role.APPLICANT)
def receipt(application_id: int):
    application = own_application(application_id)
    if application.submitted_at is None:
        return redirect(url_for(".edit", application_id=application.id), 303)
    return render_template("portal/receipt.html", application=application,
                           received=receipt_moment(application.submitted_at))
