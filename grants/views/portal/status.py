"""What the status page of an application shows: the timeline, the deadlines, the request for
information and the answer form, the objections and the objection form, the attachments.

No routes here: the page is shown by the status view and shown again, with the errors, by the
answer and objection views and by the upload limit, so each of them draws it from here.
"""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import render_template
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from grants.extensions import db
from grants.forms.portal import AnswerForm, ObjectionForm
from grants.i18n import N_, translated
from grants.models import (
    Application,
    ApplicationState,
    AuditEvent,
    Objection,
    ObjectionOutcome,
    Submission,
)
from grants.services import attachments as attachment_service
from grants.services.applications import EDITABLE_STATES, allowed_triggers, history
from grants.views.portal import information_request, receipt_moment, today

MAX_FILES_PER_ANSWER = 5
OBJECTION_OUTCOME_LABELS = {
    ObjectionOutcome.UPHELD: N_("Gegrond: het besluit is herroepen"),
    ObjectionOutcome.REJECTED: N_("Ongegrond: het besluit blijft staan"),
    ObjectionOutcome.INADMISSIBLE: N_("Niet-ontvankelijk"),
}


def _objections(application: Application) -> list[Objection]:
    return list(db.session.scalars(sa.select(Objection).where(
        Objection.application_id == application.id).order_by(Objection.id)))


def _has_submission(application: Application) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(
        Submission.application_id == application.id))) or False


@dataclass(frozen=True)
class Deadline:
    label: str
    day: date
    note: str = ""
    overdue: bool = False


def _deadlines(application: Application, objections: list[Objection]) -> list[Deadline]:
    current = today()
    found = []
    if application.repair_due_on:
        found.append(Deadline(_("Aanvullen uiterlijk"), application.repair_due_on,
                              overdue=application.repair_due_on < current))
    if application.decision_due_on and application.decided_at is None:
        note = _("De termijn staat stil sinds %(day)s, tot u de gevraagde informatie heeft "
                 "gegeven.", day=format_date(application.suspended_on, "d MMMM yyyy")) \
            if application.suspended_on else ""
        found.append(Deadline(_("Besluit uiterlijk"), application.decision_due_on, note))
    if application.objection_due_on:
        found.append(Deadline(_("Bezwaar maken kan tot en met"), application.objection_due_on,
                              overdue=application.objection_due_on < current))
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


def can_withdraw(application: Application) -> bool:
    """Offered only when it can succeed now: sent, not yet decided, and the workflow allows
    the applicant to withdraw it (a draft is deleted instead)."""
    return (application.state != ApplicationState.DRAFT
            and "withdraw" in allowed_triggers(application, current_user))


def status_page(application: Application, *, answer_form: AnswerForm | None = None,
                objection_form: ObjectionForm | None = None, incomplete=(),
                status: int = 200):
    objections = _objections(application)
    triggers = allowed_triggers(application, current_user)
    request_event = information_request(application)
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
        objection_late=can_object and due is not None and today() > due,
        attachments=attachment_service.attachments_for(application),
        can_edit=application.state in EDITABLE_STATES,
        can_withdraw=application.state != ApplicationState.DRAFT and "withdraw" in triggers,
        can_delete=application.state == ApplicationState.DRAFT,
        has_submission=_has_submission(application),
        shows_payments=application.granted_cents is not None
        or application.settled_cents is not None,
        received=receipt_moment(application.submitted_at) if application.submitted_at else "",
        summary=summary, max_files=MAX_FILES_PER_ANSWER,
        max_size=attachment_service.size_text(attachment_service.max_bytes()),
    ), status
