"""Who may see and do what. Every view and API endpoint goes through these helpers.

Scoping happens in the query itself: an applicant's query for another organisation's record
finds nothing, so the answer (404) cannot tell "not yours" from "does not exist".
"""

from collections.abc import Callable
from functools import wraps

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.sql import Select

from grants.errors import Forbidden, NotFound
from grants.extensions import db, login_manager
from grants.models import Role, User


def scope_to_user(stmt: Select, model, user: User) -> Select:
    """Restrict a select of an organisation-owned model to the rows ``user`` may see."""
    if user.is_staff:
        return stmt
    if user.organisation_id is None:
        return stmt.where(sa.false())
    return stmt.where(model.organisation_id == user.organisation_id)


def get_visible(model, record_id: int, user: User):
    stmt = scope_to_user(sa.select(model).where(model.id == record_id), model, user)
    record = db.session.scalars(stmt).one_or_none()
    if record is None:
        raise NotFound()
    return record


def require_role(user: User, *roles: Role) -> None:
    if not user.has_role(*roles):
        raise Forbidden()


def role_required(*roles: Role) -> Callable:
    """View decorator: anonymous users go to the login page, users without the role get 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles:
                require_role(current_user, *roles)
            return view(*args, **kwargs)

        return wrapped

    return decorator


login_required = role_required()
