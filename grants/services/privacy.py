"""Who sees the personal data in an application (AVG/GDPR: only who needs it for the task).

The names of praktijkleren students are personal data the ministry needs only to check the
places: the assessors and approvers see them, and the applicant who filed them. Finance needs
amounts and states, not names; administrators keep the system running. Their pages and the API
get the places with the name left out. (Which applications a committee member sees at all is
scoped in the query, grants.access.)
"""

import copy

import sqlalchemy as sa

from grants.access import COMMITTEE_SCHEME
from grants.extensions import db
from grants.models import Application, Assessment, Role, User
from grants.services.applications import allowed_triggers

# The roles that check and decide on the places themselves.
NAME_READERS = (Role.ASSESSOR, Role.APPROVER)
PRAKTIJKLEREN = "praktijkleren"


def sees_student_names(user: User, application: Application) -> bool:
    if application.scheme.code != PRAKTIJKLEREN:
        return True
    if not user.is_staff:
        # Only the applicant's own organisation finds the application at all (access scope).
        return user.organisation_id == application.organisation_id
    return user.has_role(*NAME_READERS)


def details_for(application: Application, user: User) -> dict:
    """The application's scheme fields as ``user`` may see them: for praktijkleren without the
    students' names unless ``user`` checks the places."""
    details = application.details or {}
    if sees_student_names(user, application):
        return details
    shown = copy.deepcopy(details)
    for place in shown.get("places") or []:
        if isinstance(place, dict) and "student_name" in place:
            place["student_name"] = None
    return shown


def hides_committee_scores(application: Application, user: User) -> bool:
    """A committee member who has still to score an application does not see the others'
    scores anywhere (independent judgement): not on the file, not in the audit trail."""
    if application.scheme.code != COMMITTEE_SCHEME or not user.has_role(Role.COMMITTEE):
        return False
    scored = db.session.scalar(sa.select(Assessment.id).where(
        Assessment.application_id == application.id, Assessment.assessor_id == user.id))
    return scored is None and "record_assessment" in allowed_triggers(application, user)
