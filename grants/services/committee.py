"""Conflicts of interest in the RIF committee (Awb 2:4: a member with a personal interest takes
no part in the judgement).

A member declares one per application, with an optional note. From then on the application is
out of their sight (grants.access scopes every query) and so out of their reach to score; the
quorum is counted over the members left. A declaration is final: it is the record of why this
member did not judge, and it is kept with the application's audit trail.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from grants.access import COMMITTEE_SCHEME, require_role
from grants.errors import Conflict, NotFound, ValidationFailed
from grants.extensions import db
from grants.models import (
    Application,
    Assessment,
    AuditEvent,
    CommitteeConflict,
    Role,
    User,
    UserRole,
)
from grants.services.applications import get_application

DECLARE_CONFLICT = "declare_conflict"
MAX_NOTE = 2000
CONFLICT_REASON = ("Een lid van de beoordelingscommissie heeft belangenverstrengeling gemeld "
                   "en scoort deze aanvraag niet.")


def declare_conflict(application_id: int, actor: User, note: str, now: datetime
                     ) -> CommitteeConflict:
    """Record ``actor``'s conflict of interest for the application; flushes, never commits."""
    require_role(actor, Role.COMMITTEE)
    application = get_application(application_id, actor)
    if application.scheme.code != COMMITTEE_SCHEME:
        raise NotFound("Alleen voor RIF-aanvragen meldt de commissie belangenverstrengeling.")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed("De toelichting is te lang.", {"note": [
            f"Een toelichting heeft hoogstens {MAX_NOTE} tekens."]})
    scored = db.session.scalar(sa.select(Assessment.id).where(
        Assessment.application_id == application.id, Assessment.assessor_id == actor.id))
    if scored is not None:
        # The score stands in the ranking and the quorum; taking it back is not this step.
        raise ValidationFailed("U heeft deze aanvraag al gescoord.", {"note": [
            "Belangenverstrengeling meldt u voordat u scoort. Heeft u al gescoord, meld het "
            "dan aan de secretaris van de commissie."]})
    conflict = CommitteeConflict(application_id=application.id, user_id=actor.id,
                                 declared_at=now, note=note)
    try:
        with db.session.begin_nested():
            db.session.add(conflict)
            db.session.flush()
    except IntegrityError:
        raise Conflict("U heeft voor deze aanvraag al belangenverstrengeling gemeld.") from None
    # The note stays with the committee; the trail (which the applicant reads) says only that
    # a member stood aside.
    db.session.add(AuditEvent(
        application_id=application.id, trigger=DECLARE_CONFLICT, from_state=application.state,
        to_state=application.state, actor_id=actor.id, at=now, reason=CONFLICT_REASON,
        data={"member": actor.id}))
    db.session.flush()
    return conflict


@dataclass(frozen=True)
class DeclaredConflict:
    application_id: int
    member: User
    declared_at: datetime
    note: str


def conflicts_by_application(application_ids: list[int]) -> dict[int, list[DeclaredConflict]]:
    found: dict[int, list[DeclaredConflict]] = {i: [] for i in application_ids}
    if not application_ids:
        return found
    for conflict in db.session.scalars(
            sa.select(CommitteeConflict)
            .where(CommitteeConflict.application_id.in_(application_ids))
            .order_by(CommitteeConflict.declared_at, CommitteeConflict.id)):
        found[conflict.application_id].append(DeclaredConflict(
            conflict.application_id, conflict.user, conflict.declared_at, conflict.note))
    return found


def own_conflicts(user: User, window_id: int | None = None) -> list[Application]:
    """The applications ``user`` stood aside from: listed to them by reference only."""
    stmt = (sa.select(Application).join(CommitteeConflict,
                                        CommitteeConflict.application_id == Application.id)
            .where(CommitteeConflict.user_id == user.id))
    if window_id:
        stmt = stmt.where(Application.window_id == window_id)
    return list(db.session.scalars(stmt.order_by(Application.reference)))


def active_members() -> int:
    """How many active accounts sit on the committee."""
    return db.session.scalar(
        sa.select(sa.func.count(sa.distinct(User.id))).join(UserRole)
        .where(UserRole.role == Role.COMMITTEE, User.active.is_(True))) or 0
