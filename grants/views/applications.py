from flask import Blueprint, render_template, request
from flask_login import current_user

from grants.access import login_required, role_required
from grants.clock import now
from grants.extensions import db
from grants.models import STATE_LABELS, ApplicationState, Region, Role
from grants.services.applications import get_application, history, visible_applications
from grants.services.deadlines import upcoming_deadlines
from grants.services.schemes import list_schemes
from grants.timefmt import AMSTERDAM

bp = Blueprint("applications", __name__, url_prefix="/aanvragen")

PER_PAGE = 50


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
    page = db.paginate(
        visible_applications(current_user, scheme=scheme, state=state, region=region),
        per_page=PER_PAGE, error_out=False,
    )
    return render_template(
        "applications/index.html", page=page, schemes=schemes, states=STATE_LABELS,
        regions=list(Region), filters={"scheme": scheme, "state": state, "region": region},
    )


@bp.get("/<int:application_id>")
@login_required
def show(application_id: int):
    application = get_application(application_id, current_user)
    return render_template("applications/show.html", application=application,
                           events=history(application))


@bp.get("/termijnen")
@role_required(Role.ASSESSOR, Role.APPROVER, Role.COMMITTEE, Role.ADMIN)
def deadlines():
    today = now().astimezone(AMSTERDAM).date()
    return render_template("applications/deadlines.html", deadlines=upcoming_deadlines(today),
                           today=today)
