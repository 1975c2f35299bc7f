import sqlalchemy as sa
from flask import Blueprint, render_template

from grants.access import role_required
from grants.extensions import db
from grants.models import Budget, Role

bp = Blueprint("finance", __name__, url_prefix="/financien")


@bp.get("/budgetten")
@role_required(Role.FINANCE, Role.ADMIN)
def budgets():
    budgets = db.session.scalars(sa.select(Budget).order_by(Budget.id)).all()
    return render_template("finance/budgets.html", budgets=budgets)
