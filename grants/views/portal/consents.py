"""Partner consent to sector plans (issue 14): the plans of other organisations that name mine
and wait for its consent, each readable here (and only here) while it can be consented to, with
the "Toestemming geven" button; and the consent status on the filer's own application page.
"""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.access import role_required
from grants.clock import now
from grants.errors import Conflict
from grants.extensions import db
from grants.forms.portal_schemes import PARTNER_ROLE_LABELS, THEME_LABELS
from grants.i18n import translated
from grants.models import Application, Role
from grants.services import consents as consent_service
from grants.views.portal import actor, bp
from grants.workflows.fields.common import listed


def _label(labels: dict, value) -> str:
    return str(labels[value]) if value in labels else (value or "")


def _plan(application: Application) -> dict:
    """What a partner may read of the plan: who takes part and what is done for how much."""
    details = application.details or {}
    statuses = consent_service.consent_statuses(application)
    # Every organisation named that exists has a status; an unknown number shows as itself.
    names = {status.organisation_id: status.name for status in statuses}
    measures = [{"title": m.get("title") or "", "theme": _label(THEME_LABELS, m.get("theme")),
                 "eligible_cost": m.get("eligible_cost"),
                 "requested_subsidy": m.get("requested_subsidy")}
                for m in listed(details, "measures")]
    return {
        "lead": names.get(details.get("lead_organisation"), details.get("lead_organisation")),
        "partners": [{"name": names.get(p.get("organisation"), p.get("organisation")),
                      "role": _label(PARTNER_ROLE_LABELS, p.get("role"))}
                     for p in listed(details, "partners")],
        "sector": details.get("sector") or "",
        "measures": measures,
        "eligible_total": sum(m["eligible_cost"] or 0 for m in measures),
        "requested_total": sum(m["requested_subsidy"] or 0 for m in measures),
        "statuses": statuses,
    }


@bp.get("/toestemming")
@role_required(Role.APPLICANT)
def consents():
    plans = consent_service.plans_asking_consent(current_user)
    return render_template("portal/consents.html", plans=plans,
                           waiting=sum(1 for _application, status in plans
                                       if not status.consented))


@bp.get("/toestemming/<int:application_id>")
@role_required(Role.APPLICANT)
def consent(application_id: int):
    application = consent_service.plan_to_consent(application_id, current_user)
    return render_template("portal/consent.html", application=application,
                           plan=_plan(application),
                           own=consent_service.own_status(application, current_user))


@bp.post("/toestemming/<int:application_id>")
@role_required(Role.APPLICANT)
def give_consent(application_id: int):
    try:
        _status, recorded = consent_service.give_consent(application_id, actor(), now())
    except Conflict as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return redirect(url_for(".consents"), 303)
    reference = db.session.get(Application, application_id).reference
    db.session.commit()
    if recorded:
        flash(_("U heeft namens %(organisation)s toestemming gegeven voor sectorplan "
                "%(reference)s.", organisation=current_user.organisation.name,
                reference=reference), "success")
    else:
        flash(_("Uw organisatie had al toestemming gegeven voor dit sectorplan."), "info")
    return redirect(url_for(".consents"), 303)


def _partner_consents(application: Application) -> dict | None:
    """For the filer's application page: each organisation named and its consent, the ones
    still to consent, and the log of consents given and withdrawn. None for other schemes."""
    if not consent_service.applies_to(application):
        return None
    statuses = consent_service.consent_statuses(application)
    missing = [status for status in statuses if not status.consented]
    return {
        "statuses": statuses,
        "open": application.state in consent_service.CONSENT_STATES,
        "missing_message": consent_service.missing_message(missing) if missing else "",
        "events": [{"at": event.at, "organisation": event.organisation.name,
                    "action": translated(event.action_label),
                    "reason": translated(event.reason)}
                   for event in consent_service.consent_events(application)],
    }


@bp.context_processor
def consent_helpers() -> dict:
    # The application page is drawn by grants.views.portal.status for several views; its
    # consent part asks for its values here rather than from each of them.
    return {"partner_consents": _partner_consents}
