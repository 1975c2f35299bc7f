"""The organisation's applications with the next step for each, the open and coming windows,
starting a draft for an open window, and the status page of one application."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from grants.access import role_required
from grants.clock import now
from grants.errors import ValidationFailed
from grants.extensions import db
from grants.forms.portal import NewApplicationForm
from grants.forms.portal_schemes import SCHEME_FORMS
from grants.models import Application, Role, Scheme, Window
from grants.models import ApplicationState as S
from grants.services.applications import create_application, visible_applications
from grants.views.portal import actor, bp, own_application, today
from grants.views.portal.status import status_page


def open_windows(moment: datetime) -> list[Window]:
    return list(db.session.scalars(
        sa.select(Window).join(Scheme)
        .where(Window.opens_at <= moment, Window.closes_at >= moment)
        .order_by(Window.closes_at, Scheme.id)))


def coming_windows(moment: datetime, limit: int = 5) -> list[Window]:
    return list(db.session.scalars(
        sa.select(Window).join(Scheme).where(Window.opens_at > moment)
        .order_by(Window.opens_at, Scheme.id).limit(limit)))


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
    elif application.objection_due_on and application.objection_due_on >= today():
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
            application = create_application(actor(), payload, now())
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


@bp.get("/aanvragen/<int:application_id>")
@role_required(Role.APPLICANT)
def application(application_id: int):
    return status_page(own_application(application_id))
