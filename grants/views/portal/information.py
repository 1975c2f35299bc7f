"""Answering a request for information on the status page: a message, up to
``MAX_FILES_PER_ANSWER`` files, and the engine's verdict on whether the application is now
complete."""

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from grants.access import role_required
from grants.clock import now
from grants.errors import ValidationFailed
from grants.extensions import db
from grants.forms.portal import AnswerForm
from grants.forms.portal_schemes import SCHEME_FORMS
from grants.models import Application, Role
from grants.services import attachments as attachment_service
from grants.services.applications import fire_trigger, history
from grants.views.portal import actor, bp, own_application, receipt_moment
from grants.views.portal.status import MAX_FILES_PER_ANSWER, status_page


def _incomplete_fields(application: Application, fields: dict[str, list[str]]):
    """The engine's completeness errors as (what, message, link into the form)."""
    form = SCHEME_FORMS[application.scheme.code].for_application(application)
    items = []
    for path, messages in fields.items():
        field = form.field_for(path)
        anchor = field.id if field is not None else (
            f"{path.split('[')[0]}-error" if path.split("[")[0] in form.ROWS else None)
        url = url_for(".edit", application_id=application.id, _anchor=anchor) \
            if anchor else None
        label = form.label_for(path)
        items.extend((label, message, url) for message in messages)
    return items


@bp.post("/aanvragen/<int:application_id>/aanvullen")
@role_required(Role.APPLICANT)
def answer(application_id: int):
    application = own_application(application_id)
    form = AnswerForm()
    valid = form.validate()
    files = form.chosen_files()
    if len(files) > MAX_FILES_PER_ANSWER:
        form.files.errors = [*form.files.errors, _(
            "Kies hoogstens %(count)d bestanden tegelijk.", count=MAX_FILES_PER_ANSWER)]
        valid = False
    if not valid:
        return status_page(application, answer_form=form, status=422)
    user, moment = actor(), now()
    try:
        for upload in files:
            try:
                attachment_service.store_attachment(application.id, user, upload.filename,
                                                    upload.stream, moment)
            except ValidationFailed as refused:
                raise ValidationFailed(refused.message, {"files": [
                    f"{upload.filename}: {m}" for m in refused.fields.get("file", [])]}) \
                    from None
        fire_trigger(application.id, "provide_information", user,
                     {"reason": form.message.data.strip()}, moment)
    except ValidationFailed as refused:
        db.session.rollback()
        application = own_application(application_id)
        form.files.errors = [*form.files.errors, *refused.fields.pop("files", [])]
        incomplete = _incomplete_fields(application, refused.fields)
        if files and incomplete:
            form.files.errors.append(_("Uw bijlagen zijn nog niet bewaard; kies ze opnieuw "
                                       "wanneer u de aanvulling verstuurt."))
        return status_page(application, answer_form=form, incomplete=incomplete,
                           status=422)
    event = history(application)[-1]
    attachment_service.link_to_answer(application, event.id)
    db.session.commit()
    flash(_("Uw aanvulling is ontvangen op %(moment)s. De beoordeling gaat verder.",
            moment=receipt_moment(event.at)), "success")
    return redirect(url_for(".application", application_id=application_id), 303)
