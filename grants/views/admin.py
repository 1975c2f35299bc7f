import sqlalchemy as sa
from flask import Blueprint, render_template

from grants.access import role_required
from grants.extensions import db
from grants.models import Role, User

bp = Blueprint("admin", __name__, url_prefix="/beheer")


@bp.get("/gebruikers")
@role_required(Role.ADMIN)
def users():
    users = db.session.scalars(sa.select(User).order_by(User.email)).all()
    return render_template("admin/users.html", users=users)
