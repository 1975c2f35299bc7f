"""The action book (actieboek Techniekpact). Two blueprints: ``actions`` (/actieboek) where
programme staff and admins keep the actions, steps, evidence and funding links and see each
action's history; and ``action_book`` (/voortgang/acties), the public pages without login that
show the actions per theme and per landsdeel with their progress — never who edited them. The
rules live in grants.services.action_book."""

import io
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from grants.access import role_required
from grants.clock import now
from grants.errors import NotFound
from grants.extensions import db
from grants.forms.actions import ActionForm, EvidenceForm, StepDoneForm, StepForm
from grants.i18n import N_, page_day, translated
from grants.models import (
    ACTION_EVENT_LABELS,
    ACTION_KIND_LABELS,
    ACTION_STATUS_LABELS,
    ACTION_THEME_LABELS,
    Action,
    ActionEventKind,
    ActionKind,
    ActionStatus,
    ActionTheme,
    Budget,
    Scheme,
)
from grants.services import action_book as service
from grants.services.attachments import max_bytes, size_text
from grants.timefmt import AMSTERDAM
from grants.views.admin import _actor, _attempt
from grants.views.errors import MESSAGES, error_response

bp = Blueprint("actions", __name__, url_prefix="/actieboek")
public = Blueprint("action_book", __name__, url_prefix=service.PUBLIC_PATH)

LABELS = {"theme_labels": ACTION_THEME_LABELS, "kind_labels": ACTION_KIND_LABELS,
          "status_labels": ACTION_STATUS_LABELS, "event_labels": ACTION_EVENT_LABELS}
# The add-step and mark-done forms share a page with the evidence form: their fields get ids
# of their own.
STEP, EVIDENCE, DONE = "stap", "bewijs", "afgerond"
FIELD_LABELS = {
    "title": N_("Titel"), "theme": N_("Thema"), "kind": N_("Soort"), "region": N_("Landsdeel"),
    "parties": N_("Verantwoordelijke partijen"), "description": N_("Beschrijving"),
    "status": N_("Status"), "schemes": N_("Regelingen"), "budgets": N_("Budgetten"),
    "is_example": N_("Voorbeeld"), "due_on": N_("Uiterste datum"),
    "done_on": N_("Afgerond op"), "url": N_("Webadres"), "filename": N_("Bestand"),
    "sha256": N_("Controlegetal (SHA-256)"),
}
# The form's other fields and the multipart boundaries around the uploaded document.
MULTIPART_SLACK = 256 * 1024
# A public document is the same bytes for as long as it exists (its ETag is their SHA-256).
DOCUMENT_MAX_AGE = 24 * 3600


def _today():
    return now().astimezone(AMSTERDAM).date()


# -- staff: keeping the book ------------------------------------------------------------------

def _funding_choices(form: ActionForm) -> None:
    form.schemes.choices = [(str(scheme.id), scheme.name) for scheme in db.session.scalars(
        db.select(Scheme).order_by(Scheme.name))]
    form.budgets.choices = [(str(budget.id), budget.name) for budget in db.session.scalars(
        db.select(Budget).order_by(Budget.name))]


def _action_data(form: ActionForm) -> dict:
    return {"title": form.title.data, "theme": form.theme.data, "kind": form.kind.data,
            "region": form.region.data, "parties": form.parties.data or "",
            "description": form.description.data, "status": form.status.data,
            "schemes": form.schemes.data or [], "budgets": form.budgets.data or [],
            "is_example": form.is_example.data}


def _form_page(form: ActionForm, action: Action | None = None, error: str | None = None):
    return render_template("actions/form.html", form=form, action=action, error=error)


@bp.get("")
@role_required(*service.KEEPERS)
def index():
    return render_template("actions/index.html", summaries=service.summaries(_today()),
                           today=_today(), **LABELS)


@bp.route("/nieuw", methods=["GET", "POST"])
@role_required(*service.KEEPERS)
def new():
    form = ActionForm(formdata=None) if request.method == "GET" else ActionForm()
    _funding_choices(form)
    if request.method == "GET":
        return _form_page(form)
    action, error = _attempt(form, lambda: service.create_action(_actor(), now(),
                                                                   **_action_data(form)))
    if action is None:
        return _form_page(form, error=error), 422
    db.session.commit()
    flash(_("De actie „%(title)s” is aangemaakt.", title=action.title), "success")
    return redirect(url_for("actions.show", action_id=action.id), 303)


@bp.route("/<int:action_id>/wijzigen", methods=["GET", "POST"])
@role_required(*service.KEEPERS)
def edit(action_id: int):
    action = service.get_action(action_id)
    if request.method == "GET":
        form = ActionForm(formdata=None, data={
            "title": action.title, "theme": action.theme.value, "kind": action.kind.value,
            "region": action.region.value if action.region else "",
            "parties": "\n".join(action.parties), "description": action.description,
            "status": action.status.value,
            "schemes": [str(scheme.id) for scheme in action.schemes],
            "budgets": [str(budget.id) for budget in action.budgets],
            "is_example": action.is_example})
        _funding_choices(form)
        return _form_page(form, action)
    form = ActionForm()
    _funding_choices(form)
    changed, error = _attempt(form, lambda: service.update_action(action, _actor(), now(),
                                                                    **_action_data(form)))
    if changed is None:
        return _form_page(form, action, error=error), 422
    db.session.commit()
    flash(_("De actie is bijgewerkt.") if changed else _("Er was niets gewijzigd."), "success")
    return redirect(url_for("actions.show", action_id=action.id), 303)


def _value(name: str, value) -> str:
    """A value the history keeps (JSON) as people read it."""
    if value is None or value == "" or value == []:
        return "—"
    if name == "theme":
        return translated(ACTION_THEME_LABELS[ActionTheme(value)])
    if name == "kind":
        return translated(ACTION_KIND_LABELS[ActionKind(value)])
    if name == "status":
        return translated(ACTION_STATUS_LABELS[ActionStatus(value)])
    if name == "is_example":
        return _("ja") if value else _("nee")
    if name in ("due_on", "done_on"):
        return page_day(date.fromisoformat(value))
    if name in ("schemes", "budgets"):
        names = _funding_names()
        return ", ".join(names.get((name, code), code) for code in value)
    if name == "parties":
        return ", ".join(value)
    return str(value)


def _funding_names() -> dict[tuple[str, str], str]:
    return {**{("schemes", s.code): s.name for s in db.session.scalars(db.select(Scheme))},
            **{("budgets", b.code): b.name for b in db.session.scalars(db.select(Budget))}}


def history_rows(action: Action) -> list[dict]:
    """Each change of the action, newest first, with its fields old → new (None: no old)."""
    rows = []
    for event in service.history(action):
        subject = event.step.title if event.step else (
            event.evidence.title if event.evidence else "")
        what = translated(ACTION_EVENT_LABELS[event.kind])
        created = event.kind == ActionEventKind.ACTION_CREATED
        rows.append({"at": event.at, "actor": event.actor.name,
                     "what": f"{what}: {subject}" if subject else what,
                     "rows": [(translated(FIELD_LABELS[name]),
                               None if created or old is None else _value(name, old),
                               _value(name, new))
                              for name, (old, new) in event.changes.items()]})
    return rows


def _show_page(action: Action, *, step_form: StepForm | None = None,
               evidence_form: EvidenceForm | None = None,
               done_forms: dict | None = None, failed=None, error: str | None = None):
    today = _today()
    done_forms = done_forms or {}
    return render_template(
        "actions/show.html", action=action, summary=service.summarise(action, today),
        today=today, history=history_rows(action), error=error, failed=failed,
        step_form=step_form or StepForm(formdata=None, prefix=STEP),
        evidence_form=evidence_form or EvidenceForm(formdata=None, prefix=EVIDENCE),
        max_size=size_text(max_bytes()),
        done_forms={step.id: done_forms.get(step.id) or StepDoneForm(
            formdata=None, prefix=f"{DONE}-{step.id}", data={"done_on": today.isoformat()})
            for step in action.steps if step.done_on is None},
        **LABELS)


@bp.get("/<int:action_id>")
@role_required(*service.KEEPERS)
def show(action_id: int):
    return _show_page(service.get_action(action_id))


@bp.post("/<int:action_id>/stappen")
@role_required(*service.KEEPERS)
def add_step(action_id: int):
    action = service.get_action(action_id)
    form = StepForm(prefix=STEP)
    step, error = _attempt(form, lambda: service.add_step(
        action, _actor(), now(), title=form.title.data, due_on=form.due_on.data))
    if step is None:
        return _show_page(service.get_action(action_id), step_form=form, failed=form,
                          error=error), 422
    db.session.commit()
    flash(_("De stap „%(title)s” is toegevoegd.", title=step.title), "success")
    return redirect(url_for("actions.show", action_id=action.id, _anchor="stappen"), 303)


@bp.post("/<int:action_id>/stappen/<int:step_id>/afgerond")
@role_required(*service.KEEPERS)
def step_done(action_id: int, step_id: int):
    action = service.get_action(action_id)
    step = service.get_step(action, step_id)
    form = StepDoneForm(prefix=f"{DONE}-{step.id}")
    done, error = _attempt(form, lambda: service.mark_step_done(
        step, _actor(), now(), done_on=form.done_on.data) or True)
    if done is None:
        return _show_page(service.get_action(action_id), done_forms={step_id: form},
                          failed=form, error=error), 422
    db.session.commit()
    flash(_("De stap „%(title)s” is afgerond.", title=step.title), "success")
    return redirect(url_for("actions.show", action_id=action.id, _anchor="stappen"), 303)


@bp.post("/<int:action_id>/bewijs")
@role_required(*service.KEEPERS)
def add_evidence(action_id: int):
    action = service.get_action(action_id)
    form = EvidenceForm(prefix=EVIDENCE)
    upload = form.chosen_file()
    evidence, error = _attempt(form, lambda: service.add_evidence(
        action, _actor(), now(), title=form.title.data, url=form.url.data,
        filename=upload.filename if upload else None, stream=upload.stream if upload else None))
    if evidence is None:
        return _show_page(service.get_action(action_id), evidence_form=form, failed=form,
                          error=error), 422
    db.session.commit()
    flash(_("Het bewijsstuk „%(title)s” is toegevoegd.", title=evidence.title), "success")
    return redirect(url_for("actions.show", action_id=action.id, _anchor="bewijs"), 303)


@bp.url_value_preprocessor
def cap_uploads(endpoint, _values):
    # Runs before the CSRF check reads the multipart body: a body over the limit is refused
    # unread.
    if request.method == "POST" and endpoint == "actions.add_evidence":
        request.max_content_length = max_bytes() + MULTIPART_SLACK


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(_error):
    # The role check of the view has not run yet: only keepers see the action's page.
    if not service.may_keep(current_user) or request.endpoint != "actions.add_evidence":
        return error_response(413, "payload_too_large", MESSAGES[413])
    form = EvidenceForm(formdata=None, prefix=EVIDENCE)
    form.file.errors = [_("Een PDF-bestand is hoogstens %(limit)s.", limit=size_text(
        max_bytes()))]
    try:
        action = service.get_action(request.view_args["action_id"])
    except NotFound:
        return error_response(404, "not_found", MESSAGES[404])
    return _show_page(action, evidence_form=form, failed=form,
                      error=_("Het bewijsstuk is niet toegevoegd: controleer de velden.")), 413


# -- everyone: the public pages ---------------------------------------------------------------

@public.get("")
def themes():
    themes = service.actions_by_theme(_today())
    return render_template("actions/public_themes.html", themes=themes, today=_today(),
                           has_examples=any(summary.action.is_example
                                            for _theme, found in themes for summary in found),
                           **LABELS)


@public.get("/regio")
def regions():
    national, regions = service.actions_by_region(_today())
    return render_template("actions/public_regions.html", national=national, regions=regions,
                           today=_today(), has_examples=any(
                               summary.action.is_example for summary in national) or any(
                               summary.action.is_example for _region, found in regions
                               for summary in found), **LABELS)


@public.get("/<int:action_id>")
def action(action_id: int):
    found = service.get_action(action_id)
    return render_template("actions/public_action.html", action=found,
                           summary=service.summarise(found, _today()), today=_today(),
                           national=found.kind == ActionKind.NATIONAL, **LABELS)


@public.get("/<int:action_id>/bewijs/<int:evidence_id>/<filename>")
def evidence_document(action_id: int, evidence_id: int, filename: str):
    """An uploaded document, for everyone; always a download, never shown inside this site."""
    document = service.public_document(action_id, evidence_id)
    if filename != document.filename:
        raise NotFound()
    response = send_file(io.BytesIO(document.content), mimetype=document.content_type,
                         as_attachment=True, download_name=document.filename,
                         etag=document.sha256, max_age=DOCUMENT_MAX_AGE,
                         last_modified=document.added_at, conditional=True)
    response.cache_control.public = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
