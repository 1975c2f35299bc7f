"""Reminders of terms that run out soon: the repair term to the applicant, the decision term to
the assessors. One reminder per term and person: the key names the application and the day the
term ends, so running the reminders again (the next day, or twice by mistake) writes nothing
new, while a new term (a second request for information) gets its own reminder.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from grants.extensions import db
from grants.mail.compose import (
    APPLICANT_PAGE,
    STAFF_PAGE,
    applicants_of,
    application_facts,
    assessors,
    write,
)
from grants.models import AuditEvent, MailKind, OutgoingMail
from grants.services.deadlines import Deadline, DeadlineKind, upcoming_deadlines
from grants.timefmt import format_day

REMINDED = {
    DeadlineKind.REPAIR: MailKind.REPAIR_DUE,
    DeadlineKind.DECISION: MailKind.DECISION_DUE,
}


@dataclass(frozen=True)
class Reminded:
    written: int  # mails written now
    known: int  # reminders that had been written before


def _asked(deadline: Deadline) -> str:
    """What the applicant was asked for: the reason of the request that set the repair term."""
    return db.session.scalar(
        sa.select(AuditEvent.reason)
        .where(AuditEvent.application_id == deadline.application.id,
               AuditEvent.trigger == "request_information")
        .order_by(AuditEvent.id.desc()).limit(1)) or ""


def write_reminders(today: date, within_days: int, now: datetime) -> Reminded:
    """Write the reminders for terms ending today or within ``within_days`` not yet reminded."""
    written = known = 0
    for deadline in upcoming_deadlines(today, within_days):
        kind = REMINDED.get(deadline.kind)
        if kind is None or deadline.overdue:
            continue
        application = deadline.application
        key = f"{kind.value}:application-{application.id}:{deadline.due_on.isoformat()}"
        if kind is MailKind.REPAIR_DUE:
            recipients = applicants_of(db.session, application.organisation_id)
            page = APPLICANT_PAGE
        else:
            recipients, page = assessors(db.session), STAFF_PAGE
        done = set(db.session.scalars(sa.select(OutgoingMail.user_id).where(
            OutgoingMail.key.in_([f"{key}:user-{user.id}" for user in recipients]))))
        fresh = [user for user in recipients if user.id not in done]
        known += len(recipients) - len(fresh)
        written += len(write(
            db.session, kind, key, fresh, application, kind.value, now,
            **application_facts(application, page), due=format_day(deadline.due_on),
            days_left=deadline.days_left, state=application.state_label,
            asked=_asked(deadline) if kind is MailKind.REPAIR_DUE else ""))
    db.session.flush()
    return Reminded(written, known)


# Reports due further ahead than this are not reminded of yet, whatever the rules say.
REPORT_REMINDER_HORIZON_DAYS = 92


def write_report_reminders(today: date, now: datetime) -> Reminded:
    """Remind applicants of reports: some days before the due date, and again when late.

    The days are rules data (grants.services.reports.reminder_days). Each report gets each
    reminder once: the key names the report, the kind and the due date.
    """
    from grants.services.reports import awaited_reports, reminder_days, rules_of

    written = known = 0
    for report in awaited_reports(today + timedelta(days=REPORT_REMINDER_HORIZON_DAYS)):
        application = report.application
        before, after = reminder_days(rules_of(application))
        days_left = (report.due_on - today).days
        if 0 <= days_left <= before:
            kind = MailKind.REPORT_DUE
        elif -days_left >= after:
            kind = MailKind.REPORT_OVERDUE
        else:
            continue
        key = f"{kind.value}:report-{report.id}:{report.due_on.isoformat()}"
        recipients = applicants_of(db.session, application.organisation_id)
        done = set(db.session.scalars(sa.select(OutgoingMail.user_id).where(
            OutgoingMail.key.in_([f"{key}:user-{user.id}" for user in recipients]))))
        fresh = [user for user in recipients if user.id not in done]
        known += len(recipients) - len(fresh)
        written += len(write(
            db.session, kind, key, fresh, application, kind.value, now,
            **application_facts(application, APPLICANT_PAGE), report_title=report.title,
            due=format_day(report.due_on), days_left=days_left, days_late=-days_left))
    db.session.flush()
    return Reminded(written, known)
