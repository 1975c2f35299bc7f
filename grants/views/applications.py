"""Applications as staff and applicants see them: the list, the file with everything about one
application, and the terms that run out."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from babel.numbers import format_decimal
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import defer, selectinload

from grants.access import login_required, role_required
from grants.clock import now
from grants.extensions import db
from grants.forms.assess import RECOMMENDATION_LABELS, StartAssessmentForm, criterion_label
from grants.forms.portal_schemes import (
    CONTRIBUTION_KIND_LABELS,
    PARTNER_ROLE_LABELS,
    RIF_PARTNER_KIND_LABELS,
    THEME_LABELS,
)
from grants.i18n import current_language
from grants.models import (
    STATE_LABELS,
    Application,
    ApplicationState,
    AuditEvent,
    Organisation,
    Region,
    Role,
)
from grants.services.applications import (
    count_visible,
    get_application,
    history,
    visible_applications,
)
from grants.services.attachments import attachments_for, size_text
from grants.services.deadlines import (
    AWAITING_DECISION,
    Deadline,
    DeadlineKind,
    deadline_counts,
    deadlines_page,
)
from grants.services.places_csv import decimal_text
from grants.services.privacy import hides_committee_scores
from grants.services.schemes import list_schemes
from grants.services.work_queue import assessments_by_application
from grants.timefmt import AMSTERDAM
from grants.views.assess import actions_for, due_soon_days
from grants.views.paging import asked_page
from grants.workflows import workflow_for
from grants.workflows.common import pending_objection
from grants.workflows.fields import praktijkleren as praktijkleren_fields
from grants.workflows.fields import rif as rif_fields
from grants.workflows.fields.common import as_date, listed
from grants.workflows.rules import current_rules

bp = Blueprint("applications", __name__, url_prefix="/aanvragen")



@bp.get("/")
@login_required
def index():
    scheme = request.args.get("scheme") or None
    state = request.args.get("state") or None
    region = request.args.get("region") or None
    schemes = list_schemes()
    # Unknown filter values are dropped rather than matched against nothing.
    scheme = scheme if scheme in {s.code for s in schemes} else None
    state = state if state in set(ApplicationState) else None
    region = region if region in set(Region) else None
    filters = {"scheme": scheme, "state": state, "region": region}
    # Counted off the tallies the database keeps, not by counting every row (issue 16); the
    # page's organisations in one query, not one per row.
    page = asked_page(count_visible(current_user, **filters))
    applications = db.session.scalars(
        visible_applications(current_user, **filters)
        .options(selectinload(Application.organisation), defer(Application.details))
        .offset(page.offset).limit(page.limit)).all()
    return render_template(
        "applications/index.html", page=page, applications=applications, schemes=schemes,
        states=STATE_LABELS, regions=list(Region), filters=filters,
    )


@bp.get("/<int:application_id>")
@login_required
def show(application_id: int):
    application = get_application(application_id, current_user)
    if not current_user.is_staff and "portal.application" in current_app.view_functions:
        # Applicants follow their application on the portal's status page.
        return redirect(url_for("portal.application", application_id=application.id))
    today = now().astimezone(AMSTERDAM).date()
    workflow = workflow_for(application.scheme.code)
    rules = current_rules(application, workflow.default_rules)["rules"]
    assessments = assessments_by_application([application.id])[application.id]
    if hides_committee_scores(application, current_user):
        # Until they have scored themselves, a member sees no other member's sheet.
        assessments = []
    events = history(application)
    return render_template(
        "applications/show.html", application=application, events=events,
        deadlines=application_deadlines(application, today), today=today,
        details=scheme_details(application, rules), assessments=assessments,
        criteria=list(rules.get("criteria") or []), criterion_label=criterion_label,
        recommendation_labels=RECOMMENDATION_LABELS,
        attachments=attachments_for(application), size_text=size_text,
        due_soon_days=due_soon_days(),
        actions=actions_for(application, current_user),
        start_form=StartAssessmentForm(data={"version": application.version}),
        started_by=assessment_started_by(events))


def application_deadlines(application: Application, today: date) -> list[Deadline]:
    """The terms that run for this application now (Awb 4:13, 4:5, 6:7 and 7:10)."""
    found = []
    if application.state in AWAITING_DECISION and application.decision_due_on:
        found.append(Deadline(DeadlineKind.DECISION, application.decision_due_on, application,
                              today))
    if application.state == ApplicationState.INCOMPLETE and application.repair_due_on:
        found.append(Deadline(DeadlineKind.REPAIR, application.repair_due_on, application,
                              today))
    objection = pending_objection(application)
    if objection is not None:
        found.append(Deadline(DeadlineKind.OBJECTION, objection.decision_due_on, application,
                              today))
    return found


def assessment_started_by(events: list[AuditEvent]) -> str | None:
    """Who started the assessment: the actor of the latest start_assessment among the
    application's ``events`` (its history, oldest first, which the page reads anyway)."""
    event = next((event for event in reversed(events) if event.trigger == "start_assessment"),
                 None)
    return event.actor.name if event is not None and event.actor is not None else None


# -- the scheme's own fields, readable ---------------------------------------------------------

DOCUMENT_KIND_LABELS = {
    "regional_vision": _l("Regionale visie"),
    "action_plan": _l("Actieplan"),
    "budget": _l("Meerjarenbegroting"),
    "cooperation_agreement": _l("Samenwerkingsovereenkomst"),
}
CATEGORY_LABELS = {
    "vmbo": _l("vmbo"),
    "mbo": _l("mbo (bbl)"),
    "hbo": _l("hbo (duaal of deeltijd)"),
    "promovendus": _l("promovendus of toio"),
}


def _label(labels: dict, value) -> str:
    return str(labels.get(value, value)) if value is not None else ""


def _organisations(ids) -> dict[int, Organisation]:
    wanted = {i for i in ids if isinstance(i, int) and not isinstance(i, bool)}
    if not wanted:
        return {}
    return {o.id: o for o in db.session.scalars(
        sa.select(Organisation).where(Organisation.id.in_(wanted)))}


def _period(details: dict) -> dict:
    return {"starts_on": as_date(details.get("starts_on")),
            "ends_on": as_date(details.get("ends_on"))}


def _percent(part: int, whole: int) -> str:
    """part ÷ whole as a percentage with one decimal, half up, in the page's language: 50,0%."""
    share = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return format_decimal(share, format="0.0", locale=current_language()) + "%"


def _ratio(part: int, whole: int) -> str:
    """part ÷ whole in Dutch notation, rounded down to one decimal: 2,3."""
    if not whole:
        return ""
    tenths = part * 10 // whole
    return f"{tenths // 10},{tenths % 10}"


def scheme_details(application: Application, rules: dict) -> dict:
    """What the scheme's fields say, in words and amounts, for the file's "De aanvraag"."""
    details = application.details or {}
    scheme = application.scheme.code
    if scheme == "sectorplan":
        partners = listed(details, "partners")
        names = _organisations([details.get("lead_organisation"),
                                *(p.get("organisation") for p in partners)])
        measures = [{
            "title": m.get("title") or "",
            "theme": _label(THEME_LABELS, m.get("theme")),
            "eligible_cost": m.get("eligible_cost"),
            "requested_subsidy": m.get("requested_subsidy"),
            "share": (_percent(m["requested_subsidy"], m["eligible_cost"])
                      if m.get("eligible_cost") and m.get("requested_subsidy") is not None
                      else ""),
        } for m in listed(details, "measures")]
        return {
            "scheme": scheme,
            "lead": names.get(details.get("lead_organisation")),
            "partners": [{"organisation": names.get(p.get("organisation")),
                          "id": p.get("organisation"),
                          "role": _label(PARTNER_ROLE_LABELS, p.get("role"))}
                         for p in partners],
            "sector": details.get("sector") or "",
            "measures": measures,
            "eligible_total": sum(m["eligible_cost"] or 0 for m in measures),
            "requested_total": sum(m["requested_subsidy"] or 0 for m in measures),
            "themes": sorted({m["theme"] for m in measures if m["theme"]}),
            "max_share": rules.get("max_subsidy_share_percent"),
            **_period(details),
        }
    if scheme == "rif":
        partners = listed(details, "partners")
        kinds = {p.get("name"): p.get("kind") for p in partners}
        contributions = [{
            "partner": c.get("partner") or "",
            "kind": _label(CONTRIBUTION_KIND_LABELS, c.get("kind")),
            "amount": c.get("amount"),
            "counts": kinds.get(c.get("partner")) in rif_fields.CONTRIBUTING_KINDS,
        } for c in listed(details, "contributions")]
        counted = sum(c["amount"] or 0 for c in contributions if c["counts"])
        subsidy = details.get("requested_subsidy") or 0
        return {
            "scheme": scheme,
            "institution": _organisations([details.get("institution")]).get(
                details.get("institution")),
            "partners": [{"name": p.get("name") or "",
                          "kind": _label(RIF_PARTNER_KIND_LABELS, p.get("kind"))}
                         for p in partners],
            "requested_subsidy": details.get("requested_subsidy"),
            "total_cost": details.get("total_cost"),
            "contributions": contributions,
            "counted": counted,
            "counted_ratio": _ratio(counted, subsidy),
            "min_ratio": rules.get("min_contribution_ratio"),
            "documents": [{"kind": _label(DOCUMENT_KIND_LABELS, d.get("kind")),
                           "name": d.get("name") or ""} for d in listed(details, "documents")],
            **_period(details),
        }
    places = listed(details, "places")
    totals = praktijkleren_fields.fractions(details, rules)
    return {
        "scheme": scheme,
        "employer_id": details.get("employer_id") or "",
        "iban": details.get("iban") or "",
        "places": len(places),
        "categories": [{"category": _label(CATEGORY_LABELS, category),
                        "places": sum(1 for p in places if p.get("category") == category),
                        "fraction": decimal_text(fraction).replace(".", ",")}
                       for category, fraction in totals.items() if fraction],
    }


@bp.get("/termijnen")
@role_required(Role.ASSESSOR, Role.APPROVER, Role.COMMITTEE, Role.ADMIN)
def deadlines():
    today = now().astimezone(AMSTERDAM).date()
    # A committee member reads only the terms of the applications they may see (privacy).
    total, overdue = deadline_counts(current_user, today)
    page = asked_page(total)
    deadlines = deadlines_page(current_user, today, offset=page.offset, limit=page.limit)
    return render_template("applications/deadlines.html", deadlines=deadlines, today=today,
                           page=page, overdue=overdue)
