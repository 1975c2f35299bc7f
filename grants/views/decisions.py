"""Decision letters: the API's two endpoints, the download from the application page, and the
page where staff follow the background jobs that render them.

The API routes are added to the API blueprint, so they share its bearer-token authentication;
this module is imported before that blueprint is registered (grants.register_blueprints).
"""

import re

import sqlalchemy as sa
from flask import Blueprint, Response, g, jsonify, render_template, url_for
from flask_login import current_user

from grants import i18n
from grants.access import login_required, role_required, scope_to_user
from grants.errors import Conflict, NotFound
from grants.extensions import db
from grants.jobs.letters import job_failures, job_progress
from grants.models import Application, Decision, Role, User
from grants.money import cents_to_api
from grants.services.applications import get_application
from grants.views.api import _pagination
from grants.views.api import bp as api

bp = Blueprint("decisions", __name__)

JOB_VIEWERS = (Role.FINANCE, Role.ADMIN, Role.ASSESSOR)
NOT_RENDERED = ("De brief bij dit besluit wordt nog gemaakt. Probeer het over een minuut "
                "opnieuw.")


# -- queries ------------------------------------------------------------------------------------

def decisions_of(application: Application):
    return (sa.select(Decision).where(Decision.application_id == application.id)
            .order_by(Decision.id))


def visible_decision(decision_id: int, user: User, application_id: int | None = None) -> Decision:
    """The decision if its application is visible to ``user``; 404 otherwise (never a hint)."""
    stmt = (sa.select(Decision).join(Application, Application.id == Decision.application_id)
            .where(Decision.id == decision_id))
    if application_id is not None:
        stmt = stmt.where(Decision.application_id == application_id)
    decision = db.session.scalars(scope_to_user(stmt, Application, user)).one_or_none()
    if decision is None:
        raise NotFound()
    return decision


def _pdf_response(decision: Decision) -> Response:
    if decision.rendered_at is None:
        raise Conflict(NOT_RENDERED)
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", f"besluit-{decision.reference}") + ".pdf"
    response = Response(decision.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["ETag"] = f'"{decision.sha256}"'
    # The stored bytes never change; only the right people may see them.
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response


# -- API ----------------------------------------------------------------------------------------

def decision_json(decision: Decision) -> dict:
    rendered = decision.rendered_at is not None
    return {
        "id": decision.id,
        "kind": decision.kind.value,
        "reference": decision.reference,
        "date": decision.decided_on.isoformat(),
        "amount": cents_to_api(decision.amount_cents),
        "sha256": decision.sha256,
        "pdf_url": url_for("api.decision_pdf", decision_id=decision.id) if rendered else None,
        "rendered": rendered,
        "template_version": decision.template_version,
    }


@api.get("/applications/<int:application_id>/decisions")
def application_decisions(application_id: int):
    application = get_application(application_id, g.api_user)
    page, per_page = _pagination()
    result = db.paginate(decisions_of(application), page=page, per_page=per_page,
                         error_out=False)
    return jsonify({"items": [decision_json(d) for d in result.items], "total": result.total})


@api.get("/decisions/<int:decision_id>.pdf")
def decision_pdf(decision_id: int):
    return _pdf_response(visible_decision(decision_id, g.api_user))


# -- pages --------------------------------------------------------------------------------------

@bp.get("/aanvragen/<int:application_id>/besluiten/<int:decision_id>.pdf")
@login_required
def download(application_id: int, decision_id: int):
    return _pdf_response(visible_decision(decision_id, current_user, application_id))


@bp.app_template_global("decision_letters")
def decision_letters(application: Application) -> list[dict]:
    """The application's letters as ready values for its page (for who may see the page)."""
    return [{
        "title": f"{i18n.translated(d.kind_label)}, {i18n.page_day(d.decided_on)}",
        "reference": d.reference,
        "amount": i18n.page_eur(d.amount_cents) if d.amount_cents is not None else "",
        "url": url_for("decisions.download", application_id=application.id,
                       decision_id=d.id) if d.rendered_at is not None else None,
    } for d in db.session.scalars(decisions_of(application))]


@bp.get("/taken")
@role_required(*JOB_VIEWERS)
def jobs():
    return render_template("jobs/index.html", jobs=job_progress())


@bp.get("/taken/<int:job_id>")
@role_required(*JOB_VIEWERS)
def job(job_id: int):
    found = job_progress(job_id=job_id)
    if not found:
        raise NotFound("Deze taak bestaat niet.")
    return render_template("jobs/show.html", progress=found[0], failures=job_failures(job_id))
