"""The applicant portal: an organisation's applications, starting one for an open window, the
multi-part form per scheme, the receipt, the status page (timeline, requests for information,
deadlines, decision letters, objections) and the attachments.

Everything is looked up through the applicant's scope, so another organisation's application
answers 404. Every change goes through the services and the workflow engine; this module only
maps forms onto them and their refusals back onto the forms.
"""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_time
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectChoice

from grants.access import role_required
from grants.clock import now
from grants.errors import Conflict, NotFound, ValidationFailed
from grants.extensions import db
from grants.forms.organisation import OrganisationForm
from grants.forms.portal import (
    AnswerForm,
    AttachmentForm,
    NewApplicationForm,
    ObjectionForm,
    SchemeForm,
)
from grants.forms.portal_schemes import SCHEME_FORMS, RifForm
from grants.i18n import N_, translated
from grants.models import (
    Application,
    ApplicationState,
    AuditEvent,
    Objection,
    ObjectionOutcome,
    Organisation,
    Role,
    Scheme,
    User,
    Window,
)
from grants.services import attachments as attachment_service
from grants.services import organisations as organisation_service
from grants.services.applications import (
    EDITABLE_STATES,
    allowed_triggers,
    create_application,
    fire_trigger,
    get_application,
    history,
    update_application,
    visible_applications,
)
from grants.timefmt import AMSTERDAM
from grants.views.errors import MESSAGES, error_response
from grants.workflows.fields.common import listed

bp = Blueprint("portal", __name__, url_prefix="/portaal")

S = ApplicationState
MAX_FILES_PER_ANSWER = 5
SHOWN_PLACES = 20  # on the form; the places page shows them all
MULTIPART_SLACK = 256 * 1024  # the form's other fields and the boundaries around the files
OBJECTION_OUTCOME_LABELS = {
    ObjectionOutcome.UPHELD: N_("Gegrond: het besluit is herroepen"),
    ObjectionOutcome.REJECTED: N_("Ongegrond: het besluit blijft staan"),
    ObjectionOutcome.INADMISSIBLE: N_("Niet-ontvankelijk"),
}


def _actor() -> User:
    return current_user._get_current_object()


def _today() -> date:
    return now().astimezone(AMSTERDAM).date()


def receipt_moment(moment: datetime) -> str:
    """The exact receipt time, to the second, as the Awb receipt states it."""
    return _("%(day)s om %(time)s", day=format_date(moment, "d MMMM yyyy"),
             time=format_time(moment, "HH:mm:ss"))


# -- queries ------------------------------------------------------------------------------------

def open_windows(moment: datetime) -> list[Window]:
    return list(db.session.scalars(
        sa.select(Window).join(Scheme)
        .where(Window.opens_at <= moment, Window.closes_at >= moment)
        .order_by(Window.closes_at, Scheme.id)))


def coming_windows(moment: datetime, limit: int = 5) -> list[Window]:
    return list(db.session.scalars(
        sa.select(Window).join(Scheme).where(Window.opens_at > moment)
        .order_by(Window.opens_at, Scheme.id).limit(limit)))


def _own_application(application_id: int) -> Application:
    """The application if it is the applicant's organisation's; 404 otherwise."""
    return get_application(application_id, current_user)


def _information_request(application: Application) -> AuditEvent | None:
    if application.state != S.INCOMPLETE:
        return None
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.application_id == application.id,
                                    AuditEvent.trigger == "request_information")
        .order_by(AuditEvent.id.desc()).limit(1)).first()


def _objections(application: Application) -> list[Objection]:
    return list(db.session.scalars(sa.select(Objection).where(
        Objection.application_id == application.id).order_by(Objection.id)))


# -- uploads: a body over the limit is refused before it is read -------------------------------

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
        application = _own_application(int(request.view_args["application_id"]))
    except NotFound:
        return error_response(404, "not_found", MESSAGES[404])
    limit = attachment_service.size_text(attachment_service.max_bytes())
    if request.endpoint == "portal.answer":
        form = AnswerForm(formdata=None)
        form.files.errors = [_("Samen te groot: kies hoogstens %(count)d bestanden van elk "
                               "hoogstens %(limit)s.", count=MAX_FILES_PER_ANSWER, limit=limit)]
        return _status_page(application, answer_form=form, status=413)
    form = _attachment_form(application, formdata=None)
    form.file.errors = [_("Een bijlage is hoogstens %(limit)s.", limit=limit)]
    return _attachments_page(application, form, status=413)


# -- the organisation's applications and the open windows -------------------------------------

@dataclass(frozen=True)
class Row:
    application: Application
    url: str
    next_step: str


def _row(application: Application, moment: datetime) -> Row:
    def day(value) -> str:
        return format_date(value, "d MMMM yyyy")

    url = url_for(".application", application_id=application.id)
    step = ""
    if application.state == S.DRAFT:
        url = url_for(".edit", application_id=application.id)
        if application.window.opens_at > moment:
            step = _("Indienen kan vanaf %(day)s", day=day(application.window.opens_at))
        else:
            step = _("Afmaken en indienen uiterlijk %(day)s",
                     day=day(application.window.closes_at))
    elif application.state == S.INCOMPLETE:
        step = _("Informatie aanvullen uiterlijk %(day)s", day=day(application.repair_due_on))
    elif application.decided_at is None and application.decision_due_on:
        step = _("Besluit uiterlijk %(day)s", day=day(application.decision_due_on))
    elif application.objection_due_on and application.objection_due_on >= _today():
        step = _("Bezwaar mogelijk tot en met %(day)s", day=day(application.objection_due_on))
    return Row(application, url, step)


@bp.get("/")
@role_required(Role.APPLICANT)
def index():
    moment = now()
    applications = db.session.scalars(visible_applications(current_user)).all()
    return render_template("portal/index.html", rows=[_row(a, moment) for a in applications],
                           windows=open_windows(moment), coming=coming_windows(moment))


@bp.route("/nieuw", methods=["GET", "POST"])
@role_required(Role.APPLICANT)
def new():
    windows = open_windows(now())
    form = NewApplicationForm()
    form.window.choices = [SelectChoice(str(w.id), f"{w.scheme.name}: {w.name}")
                           for w in windows]
    if request.method == "GET" and request.args.get("tijdvak"):
        form.window.data = request.args["tijdvak"]
    general = []
    if current_user.organisation is None:
        general.append(_("Uw account hoort niet bij een organisatie; vraag de beheerder dit "
                         "te regelen voordat u een aanvraag start."))
    elif form.validate_on_submit():
        window = next(w for w in windows if str(w.id) == form.window.data)
        scheme_form = SCHEME_FORMS[window.scheme.code]
        payload = {"scheme": window.scheme.code, "window": window.code,
                   "title": form.title.data,
                   **scheme_form.starting_details(current_user.organisation)}
        try:
            application = create_application(_actor(), payload, now())
        except ValidationFailed as refused:
            db.session.rollback()
            for name, messages in refused.fields.items():
                field = form._fields.get(name)
                if field is None:
                    general.extend(messages)
                else:
                    field.errors = [*field.errors, *messages]
        else:
            db.session.commit()
            flash(_("Concept %(reference)s is aangemaakt. U kunt het op elk moment bewaren en "
                    "later verder gaan.", reference=application.reference), "success")
            return redirect(url_for(".edit", application_id=application.id), 303)
    summary = [("", m) for m in general] + [
        (form[name].id if name != "window" else f"{form.window.id}-0", message)
        for name in ("window", "title") for message in form[name].errors]
    status = 422 if request.method == "POST" and summary else 200
    return render_template("portal/new.html", form=form, summary=summary,
                           windows={str(w.id): w for w in windows}), status


# -- the multi-part form ------------------------------------------------------------------------

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
        attachments=attachments, request_event=_information_request(application),
        documents=[(label, code in present) for code, label in kinds.items()],
        places=listed(details, "places"), shown_places=SHOWN_PLACES,
        partner_names=form.partner_names() if isinstance(form, RifForm) else [],
    ), status


@bp.route("/aanvragen/<int:application_id>/bewerken", methods=["GET", "POST"])
@role_required(Role.APPLICANT)
def edit(application_id: int):
    application = _own_application(application_id)
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
    actor = _actor()
    try:
        update_application(application.id, actor, form.payload(),
                           expected_version=_expected_version(form))
    except ValidationFailed as refused:
        db.session.rollback()
        form.add_service_errors(refused.fields)
        return _edit_page(_own_application(application_id), form, status=422)

    if action == "submit":
        try:
            with db.session.begin_nested():
                fire_trigger(application.id, "submit", actor, {}, now())
        except ValidationFailed as refused:
            db.session.commit()  # what was typed is kept as the draft; only submitting failed
            application = _own_application(application_id)
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
    application = _own_application(application_id)
    if application.submitted_at is None:
        return redirect(url_for(".edit", application_id=application.id), 303)
    return render_template("portal/receipt.html", application=application,
                           received=receipt_moment(application.submitted_at))


# -- the status page ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Deadline:
    label: str
    day: date
    note: str = ""
    overdue: bool = False


def _deadlines(application: Application, objections: list[Objection]) -> list[Deadline]:
    today = _today()
    found = []
    if application.repair_due_on:
        found.append(Deadline(_("Aanvullen uiterlijk"), application.repair_due_on,
                              overdue=application.repair_due_on < today))
    if application.decision_due_on and application.decided_at is None:
        note = _("De termijn staat stil sinds %(day)s, tot u de gevraagde informatie heeft "
                 "gegeven.", day=format_date(application.suspended_on, "d MMMM yyyy")) \
            if application.suspended_on else ""
        found.append(Deadline(_("Besluit uiterlijk"), application.decision_due_on, note))
    if application.objection_due_on:
        found.append(Deadline(_("Bezwaar maken kan tot en met"), application.objection_due_on,
                              overdue=application.objection_due_on < today))
    for objection in objections:
        if objection.outcome is None:
            found.append(Deadline(_("Beslissing op uw bezwaar uiterlijk"),
                                  objection.decision_due_on))
    return found


@dataclass(frozen=True)
class Step:
    event: AuditEvent
    who: str


def _timeline(application: Application) -> list[Step]:
    steps = []
    for event in history(application):
        actor = event.actor
        if actor is not None and actor.organisation_id == application.organisation_id:
            who = actor.name
        else:
            who = _("het %(ministry)s", ministry=translated(application.scheme.ministry_name))
        steps.append(Step(event, who))
    return steps


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


def _status_page(application: Application, *, answer_form: AnswerForm | None = None,
                 objection_form: ObjectionForm | None = None, incomplete=(),
                 status: int = 200):
    objections = _objections(application)
    triggers = allowed_triggers(application, current_user)
    request_event = _information_request(application)
    due = application.objection_due_on
    can_object = "lodge_objection" in triggers
    answer_form = answer_form or AnswerForm(formdata=None)
    objection_form = objection_form or ObjectionForm(formdata=None)
    summary = [(answer_form[name].id, m) for name in ("message", "files")
               for m in answer_form[name].errors]
    summary += [("", f"{label}: {m}" if label else m) for label, m, _url in incomplete]
    summary += [(objection_form.reason.id, m) for m in objection_form.reason.errors]
    return render_template(
        "portal/application.html", application=application,
        timeline=_timeline(application), deadlines=_deadlines(application, objections),
        request_event=request_event,
        can_answer=request_event is not None and "provide_information" in triggers,
        answer_form=answer_form, incomplete=incomplete,
        objections=objections, outcome_labels=OBJECTION_OUTCOME_LABELS,
        can_object=can_object, objection_form=objection_form,
        objection_late=can_object and due is not None and _today() > due,
        attachments=attachment_service.attachments_for(application),
        can_edit=application.state in EDITABLE_STATES,
        received=receipt_moment(application.submitted_at) if application.submitted_at else "",
        summary=summary, max_files=MAX_FILES_PER_ANSWER,
        max_size=attachment_service.size_text(attachment_service.max_bytes()),
    ), status


@bp.get("/aanvragen/<int:application_id>")
@role_required(Role.APPLICANT)
def application(application_id: int):
    return _status_page(_own_application(application_id))


@bp.post("/aanvragen/<int:application_id>/aanvullen")
@role_required(Role.APPLICANT)
def answer(application_id: int):
    application = _own_application(application_id)
    form = AnswerForm()
    valid = form.validate()
    files = form.chosen_files()
    if len(files) > MAX_FILES_PER_ANSWER:
        form.files.errors = [*form.files.errors, _(
            "Kies hoogstens %(count)d bestanden tegelijk.", count=MAX_FILES_PER_ANSWER)]
        valid = False
    if not valid:
        return _status_page(application, answer_form=form, status=422)
    actor, moment = _actor(), now()
    try:
        for upload in files:
            try:
                attachment_service.store_attachment(application.id, actor, upload.filename,
                                                    upload.stream, moment)
            except ValidationFailed as refused:
                raise ValidationFailed(refused.message, {"files": [
                    f"{upload.filename}: {m}" for m in refused.fields.get("file", [])]}) \
                    from None
        fire_trigger(application.id, "provide_information", actor,
                     {"reason": form.message.data.strip()}, moment)
    except ValidationFailed as refused:
        db.session.rollback()
        application = _own_application(application_id)
        form.files.errors = [*form.files.errors, *refused.fields.pop("files", [])]
        incomplete = _incomplete_fields(application, refused.fields)
        if files and incomplete:
            form.files.errors.append(_("Uw bijlagen zijn nog niet bewaard; kies ze opnieuw "
                                       "wanneer u de aanvulling verstuurt."))
        return _status_page(application, answer_form=form, incomplete=incomplete,
                            status=422)
    event = history(application)[-1]
    attachment_service.link_to_answer(application, event.id)
    db.session.commit()
    flash(_("Uw aanvulling is ontvangen op %(moment)s. De beoordeling gaat verder.",
            moment=receipt_moment(event.at)), "success")
    return redirect(url_for(".application", application_id=application_id), 303)


@bp.post("/aanvragen/<int:application_id>/bezwaar")
@role_required(Role.APPLICANT)
def objection(application_id: int):
    application = _own_application(application_id)
    form = ObjectionForm()
    if not form.validate():
        return _status_page(application, objection_form=form, status=422)
    try:
        fire_trigger(application.id, "lodge_objection", _actor(),
                     {"reason": form.reason.data.strip()}, now())
    except ValidationFailed as refused:
        db.session.rollback()
        for messages in refused.fields.values():
            form.reason.errors = [*form.reason.errors, *messages]
        return _status_page(_own_application(application_id), objection_form=form,
                            status=422)
    event = history(application)[-1]
    db.session.commit()
    flash(_("Uw bezwaar is ontvangen op %(moment)s.", moment=receipt_moment(event.at)),
          "success")
    return redirect(url_for(".application", application_id=application_id, _anchor="bezwaar"),
                    303)


# -- attachments --------------------------------------------------------------------------------

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
    application = _own_application(application_id)
    if request.method == "GET":
        return _attachments_page(application, _attachment_form(application, formdata=None))
    form = _attachment_form(application)
    if not form.validate():
        return _attachments_page(application, form, status=422)
    upload = form.file.data
    try:
        attachment = attachment_service.store_attachment(
            application.id, _actor(), upload.filename, upload.stream, now(),
            document_kind=form.document_kind.data or None)
    except (ValidationFailed, Conflict) as refused:
        db.session.rollback()
        for name, messages in (refused.fields or {"file": [refused.message]}).items():
            field = form.document_kind if name == "document_kind" else form.file
            field.errors = [*field.errors, *messages]
        return _attachments_page(_own_application(application_id), form,
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
    attachment_service.remove_attachment(attachment_id, _actor())
    db.session.commit()
    flash(_("%(name)s is verwijderd.", name=name), "success")
    return redirect(url_for(".attachments", application_id=application_id), 303)


# -- the organisation's own details -------------------------------------------------------------

def _organisation_page(organisation: Organisation, form: OrganisationForm, status: int = 200):
    return render_template("portal/organisation.html", organisation=organisation, form=form,
                           summary=form.error_summary(),
                           iban=organisation_service.format_iban(organisation.iban)), status


@bp.route("/organisatie", methods=["GET", "POST"])
@role_required(Role.APPLICANT)
def organisation():
    organisation = current_user.organisation
    if organisation is None:
        raise NotFound(MESSAGES[404])
    if request.method == "GET":
        form = OrganisationForm(formdata=None, data={
            "address": organisation.address, "postcode": organisation.postcode,
            "city": organisation.city,
            "iban": organisation_service.format_iban(organisation.iban)})
        return _organisation_page(organisation, form)
    form = OrganisationForm()
    if not form.validate():
        return _organisation_page(organisation, form, status=422)
    try:
        changed = organisation_service.change_details(
            organisation, actor=_actor(), now=now(), address=form.address.data,
            postcode=form.postcode.data, city=form.city.data, iban=form.iban.data)
    except ValidationFailed as refused:
        db.session.rollback()
        for name, messages in refused.fields.items():
            form[name].errors = [*form[name].errors, *messages]
        return _organisation_page(current_user.organisation, form, status=422)
    db.session.commit()
    flash(_("De gegevens van %(organisation)s zijn bewaard.", organisation=organisation.name)
          if changed else _("Er was niets gewijzigd."), "success" if changed else "info")
    return redirect(url_for(".organisation"), 303)
