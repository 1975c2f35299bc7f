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
from grants.models import ApplicationState, CommitteeConflict, Role, Scheme, User

# Staff roles that see every scheme's applications; a committee member alone sees only what
# the RIF committee needs (privacy, issue 14).
_ALL_SCHEMES_ROLES = (Role.ASSESSOR, Role.APPROVER, Role.FINANCE, Role.ADMIN)
COMMITTEE_SCHEME = "rif"
_APPLICATION_STAFF_ROLES = (*_ALL_SCHEMES_ROLES, Role.COMMITTEE)


def _committee_scope(stmt: Select, model, user: User) -> Select:
    """A committee member sees no application for which they declared a conflict of interest,
    and, without another staff role, only submitted RIF applications."""
    if not user.has_role(Role.COMMITTEE):
        return stmt
    stmt = stmt.where(~sa.exists().where(CommitteeConflict.application_id == model.id,
                                         CommitteeConflict.user_id == user.id))
    if user.has_role(*_ALL_SCHEMES_ROLES):
        return stmt
    return stmt.where(
        model.scheme_id.in_(sa.select(Scheme.id).where(Scheme.code == COMMITTEE_SCHEME)),
        model.state != ApplicationState.DRAFT)


def sees_every_application(user: User) -> bool:
    """Whether scope_to_user leaves a select of applications as it is."""
    return user.is_staff and user.has_role(*_ALL_SCHEMES_ROLES) \
        and not user.has_role(Role.COMMITTEE)


def scope_to_user(stmt: Select, model, user: User) -> Select:
    """Restrict a select of an organisation-owned model to the rows ``user`` may see."""
    if user.is_staff:
        if not user.has_role(*_APPLICATION_STAFF_ROLES):
            # Programme staff keep the action book: no organisation's records are theirs.
            return stmt.where(sa.false())
        return _committee_scope(stmt, model, user)
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
