from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from grants.access import login_required
from grants.models import Role
from grants.services.dashboard import next_steps
from grants.services.schemes import list_schemes

bp = Blueprint("main", __name__)


@bp.get("/healthz")
def healthz():
    # For load balancers and bench/pages_bench.py's reference: no session, no database.
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.get("/")
@login_required
def home():
    if current_user.roles == {Role.FINANCE}:
        # Finance's work starts from the money: they land on their overview.
        return redirect(url_for("finance.dashboard"))
    return render_template("main/home.html", steps=next_steps(current_user))


@bp.get("/regelingen")
@login_required
def schemes():
    return render_template("main/schemes.html", schemes=list_schemes())
