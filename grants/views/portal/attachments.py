"""Files coming in: the attachments page (adding one, removing one) and the size limit on the
two views that take files, this page and the answer to a request for information. A body over
the limit is refused before it is read, and the page it came from says why."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectChoice

from grants.access import role_required
from grants.clock import now
from grants.errors import Conflict, NotFound, ValidationFailed
from grants.extensions import db
from grants.forms.portal import AnswerForm, AttachmentForm
from grants.i18n import translated
from grants.models import Application, Role
from grants.services import attachments as attachment_service
from grants.views.errors import MESSAGES, error_response
from grants.views.portal import actor, bp, own_application
from grants.views.portal.status import MAX_FILES_PER_ANSWER, status_page

MULTIPART_SLACK = 256 * 1024  # the form's other fields and the boundaries around the files


def _upload_limit(endpoint: str) -> int | None:
    single = attachment_service.max_bytes()
    return {"portal.attachments": single + MULTIPART_SLACK,
            "portal.answer": single * MAX_FILES_PER_ANSWER + MULTIPART_SLACK}.get(endpoint)


@bp.url_value_preprocessor
def cap_uploads(endpoint, _values):
    # Runs before the CSRF check parses the multipart body.
    limit = _upload_limit(endpoint) if request.method == "POST" else None
    if limit is not None:
        request.max_content_length = limit


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(_error):
    try:
        application = own_application(int(request.view_args["application_id"]))
    except NotFound:
        return error_response(404, "not_found", MESSAGES[404])
    limit = attachment_service.size_text(attachment_service.max_bytes())
    if request.endpoint == "portal.answer":
        form = AnswerForm(formdata=None)
        form.files.errors = [_("Samen te groot: kies hoogstens %(count)d bestanden van elk "
                               "hoogstens %(limit)s.", count=MAX_FILES_PER_ANSWER, limit=limit)]
        return status_page(application, answer_form=form, status=413)
    form = _attachment_form(application, formdata=None)
    form.file.errors = [_("Een bijlage is hoogstens %(limit)s.", limit=limit)]
    return _attachments_page(application, form, status=413)


def _attachment_form(application: Application, **kwargs) -> AttachmentForm:
    form = AttachmentForm(**kwargs)
    kinds = attachment_service.document_kinds(application)
    form.document_kind.choices = [SelectChoice("", _("Een ander document"))] + [
        SelectChoice(code, (text := translated(label))[:1].upper() + text[1:])
        for code, label in kinds.items()]
    return form


def _attachments_page(application: Application, form: AttachmentForm, *, status: int = 200):
    attachments = attachment_service.attachments_for(application)
    summary = [(form[name].id, m) for name in ("file", "document_kind")
               for m in form[name].errors]
    return render_template(
        "portal/attachments.html", application=application, form=form, summary=summary,
        attachments=attachments,
        removable={a.id for a in attachments if attachment_service.removable(a, application)},
        can_upload=application.state in attachment_service.UPLOAD_STATES,
        asks_documents=bool(attachment_service.document_kinds(application)),
        max_size=attachment_service.size_text(attachment_service.max_bytes()),
    ), status


@bp.route("/aanvragen/<int:application_id>/bijlagen", methods=["GET", "POST"])
@role_required(Role.APPLICANT)
def attachments(application_id: int):
    application = own_application(application_id)
    if request.method == "GET":
        return _attachments_page(application, _attachment_form(application, formdata=None))
    form = _attachment_form(application)
    if not form.validate():
        return _attachments_page(application, form, status=422)
    upload = form.file.data
    try:
        attachment = attachment_service.store_attachment(
            application.id, actor(), upload.filename, upload.stream, now(),
            document_kind=form.document_kind.data or None)
    except (ValidationFailed, Conflict) as refused:
        db.session.rollback()
        for name, messages in (refused.fields or {"file": [refused.message]}).items():
            field = form.document_kind if name == "document_kind" else form.file
            field.errors = [*field.errors, *messages]
        return _attachments_page(own_application(application_id), form,
                                 status=refused.status)
    db.session.commit()
    flash(_("%(name)s is bijgevoegd (%(size)s).", name=attachment.filename,
            size=attachment_service.size_text(attachment.size_bytes)), "success")
    return redirect(url_for(".attachments", application_id=application_id), 303)


@bp.post("/bijlagen/<int:attachment_id>/verwijderen")
@role_required(Role.APPLICANT)
def remove_attachment(attachment_id: int):
    attachment = attachment_service.visible_attachment(attachment_id, current_user)
    name, application_id = attachment.filename, attachment.application_id
    attachment_service.remove_attachment(attachment_id, actor())
    db.session.commit()
    flash(_("%(name)s is verwijderd.", name=name), "success")
    return redirect(url_for(".attachments", application_id=application_id), 303)
