"""The applicant portal: an organisation's applications, starting one for an open window, the
multi-part form per scheme, the receipt, the status page (timeline, requests for information,
deadlines, decision letters, objections), the attachments and the organisation's own details.

Everything is looked up through the applicant's scope, so another organisation's application
answers 404. Every change goes through the services and the workflow engine; the views only
map forms onto them and their refusals back onto the forms.

One blueprint, so every endpoint stays ``portal.<view>``; the route modules below add to it.
"""

from datetime import date, datetime

import sqlalchemy as sa
from flask import Blueprint
from flask_babel import format_date, format_time
from flask_babel import gettext as _
from flask_login import current_user

from grants.clock import now
from grants.extensions import db
from grants.models import Application, ApplicationState, AuditEvent, User
from grants.services.applications import get_application
from grants.timefmt import AMSTERDAM

bp = Blueprint("portal", __name__, url_prefix="/portaal")


def actor() -> User:
    return current_user._get_current_object()


def today() -> date:
    return now().astimezone(AMSTERDAM).date()


def receipt_moment(moment: datetime) -> str:
    """The exact receipt time, to the second, as the Awb receipt states it."""
    return _("%(day)s om %(time)s", day=format_date(moment, "d MMMM yyyy"),
             time=format_time(moment, "HH:mm:ss"))


def own_application(application_id: int) -> Application:
    """The application if it is the applicant's organisation's; 404 otherwise."""
    return get_application(application_id, current_user)


def information_request(application: Application) -> AuditEvent | None:
    if application.state != ApplicationState.INCOMPLETE:
        return None
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.application_id == application.id,
                                    AuditEvent.trigger == "request_information")
        .order_by(AuditEvent.id.desc()).limit(1)).first()


# Imported last, and only so that their routes and handlers attach to ``bp`` before the app
# registers it; they import ``bp`` and the helpers above from here.
from grants.views.portal import (  # noqa: E402, F401
    applications,
    attachments,
    colleagues,
    consents,
    editing,
    information,
    objections,
    organisation,
)
