"""The objection steps staff take on the file (Awb 6:9, 7:2, 7:3): registering a paper
objection on the applicant's behalf with its scanned letter, inviting the objector to the
hearing, recording it as held (with its minutes) or waived. Each is an engine trigger; its
refusals come back next to the fields they concern and nothing is kept."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from grants.access import role_required
from grants.clock import now
from grants.errors import Conflict, Forbidden, NotFound, ValidationFailed
from grants.extensions import db
from grants.forms.objections import (
    HearingHeldForm,
    InvitationForm,
    PaperObjectionForm,
    WaiverForm,
)
from grants.models import Role
from grants.services.applications import allowed_triggers, fire_trigger, get_application
from grants.services.objection_files import fire_with_file

bp = Blueprint("objections", __name__, url_prefix="/beoordelen/aanvragen/<int:application_id>")

STAFF = (Role.ASSESSOR, Role.APPROVER)
# The trigger each page fires, its form and the page's path.
STEPS = {
    "lodge_objection": ("bezwaarbrief", PaperObjectionForm),
    "invite_to_hearing": ("hoorzitting/uitnodigen", InvitationForm),
    "record_hearing": ("hoorzitting/gehouden", HearingHeldForm),
    "waive_hearing": ("hoorzitting/afzien", WaiverForm),
}
DONE = {
    "lodge_objection": _l("De bezwaarbrief is geregistreerd."),
    "invite_to_hearing": _l("De uitnodiging voor de hoorzitting is vastgelegd."),
    "record_hearing": _l("De hoorzitting is vastgelegd."),
    "waive_hearing": _l("Vastgelegd dat van horen wordt afgezien."),
}


def step_url(trigger: str, application_id: int) -> str | None:
    """The page on which staff take ``trigger``, if it is one of these steps."""
    if trigger not in STEPS:
        return None
    return url_for(f"objections.{trigger}", application_id=application_id)


def _data(trigger: str, form) -> dict:
    if trigger == "lodge_objection":
        return {"reason": form.reason.data.strip(),
                "received_on": form.received_on.data.isoformat(),
                "postmarked_on": form.postmarked_on.data.isoformat()
                if form.postmarked_on.data else None,
                "costs_requested": bool(form.costs_requested.data)}
    if trigger == "invite_to_hearing":
        return {"hearing_at": form.hearing_at.data.isoformat(timespec="minutes"),
                "place": form.place.data.strip()}
    if trigger == "record_hearing":
        return {"held_on": form.held_on.data.isoformat(), "attended": bool(form.attended.data)}
    return {"ground": form.ground.data, "reason": form.reason.data.strip()}


def _fire(application_id: int, trigger: str, form) -> tuple[str, list[str], int] | None:
    actor = current_user._get_current_object()
    data = _data(trigger, form)
    upload = {"lodge_objection": ("letter", "letter_attachment"),
              "record_hearing": ("minutes", "minutes_attachment")}.get(trigger)
    try:
        if upload:
            file = form[upload[0]].data
            fire_with_file(application_id, trigger, actor, data, upload[1], file.filename,
                           file.stream, now(), expected_version=form.expected_version())
        else:
            fire_trigger(application_id, trigger, actor, data, now(),
                         expected_version=form.expected_version())
    except (ValidationFailed, Conflict, Forbidden) as refused:
        db.session.rollback()
        return refused.message, form.add_refusal(refused.fields), refused.status
    db.session.commit()
    return None


def _page(application_id: int, trigger: str):
    actor = current_user._get_current_object()
    application = get_application(application_id, actor)
    form = STEPS[trigger][1](data={"version": application.version})
    refusal = None
    if form.validate_on_submit():
        refusal = _fire(application.id, trigger, form)
        if refusal is None:
            flash(str(DONE[trigger]), "success")
            return redirect(url_for("applications.show", application_id=application_id), 303)
        application = get_application(application_id, actor)
    status = refusal[2] if refusal else (422 if form.errors else 200)
    return render_template(
        "objections/step.html", application=application, form=form, trigger=trigger,
        refusal=refusal and {"message": refusal[0], "loose": refusal[1]},
        possible=trigger in allowed_triggers(application, actor)), status


def _route(trigger: str):
    path = STEPS[trigger][0]

    @role_required(*STAFF)
    def view(application_id: int):
        if trigger not in STEPS:
            raise NotFound()
        return _page(application_id, trigger)

    view.__name__ = trigger
    bp.add_url_rule(f"/{path}", trigger, view, methods=["GET", "POST"])


for _trigger in STEPS:
    _route(_trigger)
