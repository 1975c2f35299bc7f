"""Applications: reading them within the caller's scope, and numbering new ones."""

import sqlalchemy as sa

from grants.access import get_visible, scope_to_user
from grants.extensions import db
from grants.models import Application, Scheme, User, Window


def reference_for(window: Window, sequence: int) -> str:
    return f"{window.scheme.reference_prefix}-{window.code}-{sequence:05d}"


def next_reference(window: Window) -> str:
    """The next free reference in the window (SP-T2-00042).

    Two drafts numbered at the same moment may pick the same number; the unique constraint
    then refuses the second rather than let two applications share a reference.
    """
    prefix = f"{window.scheme.reference_prefix}-{window.code}-"
    last = db.session.scalar(
        sa.select(sa.func.max(Application.reference)).where(
            Application.window_id == window.id, Application.reference.startswith(prefix)
        )
    )
    sequence = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return reference_for(window, sequence)


def visible_applications(user: User, *, scheme: str | None = None, window: str | None = None,
                         state: str | None = None, region: str | None = None):
    """A select of the applications ``user`` may see, filtered, newest first."""
    stmt = sa.select(Application).join(Application.scheme).join(Application.window)
    if scheme:
        stmt = stmt.where(Scheme.code == scheme)
    if window:
        stmt = stmt.where(Window.code == window)
    if state:
        stmt = stmt.where(Application.state == state)
    if region:
        stmt = stmt.where(Application.region == region)
    stmt = scope_to_user(stmt, Application, user)
    return stmt.order_by(Application.created_at.desc(), Application.id.desc())


def get_application(application_id: int, user: User) -> Application:
    return get_visible(Application, application_id, user)
