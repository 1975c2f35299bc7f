"""Terms that run out: decisions (Awb 4:13), repair terms (4:5) and objection decisions (7:10)."""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import gettext, ngettext

from grants.access import scope_to_user
from grants.extensions import db
from grants.i18n import N_
from grants.models import (
    Application,
    ApplicationState,
    GrantReport,
    Objection,
    ReportStatus,
    User,
)

# States in which the decision clock runs (in incomplete it stands still: Awb 4:15): the model
# keeps each application's due date by the same tuple.
from grants.models.applications import AWAITING_DECISION

S = ApplicationState
DUE_SOON_DAYS = 7


class DeadlineKind(StrEnum):
    DECISION = "decision"
    REPAIR = "repair"
    OBJECTION = "objection"
    REPORT = "report"


KIND_LABELS = {
    DeadlineKind.DECISION: N_("Beslistermijn"),
    DeadlineKind.REPAIR: N_("Hersteltermijn aanvrager"),
    DeadlineKind.OBJECTION: N_("Beslissing op bezwaar"),
    DeadlineKind.REPORT: N_("Rapportage aanvrager"),
}


# Both in the page's language; outside a request (``flask grants deadlines``) gettext falls back
# to Dutch (grants.i18n.select_locale). The work queue calls them once per distinct value.
def kind_label(kind: DeadlineKind, extended: bool = False) -> str:
    label = gettext(KIND_LABELS[kind])
    return gettext("%(term)s (verlengd)", term=label) if extended else label


def days_status(days_left: int) -> str:
    """How far off the term's end is: 3 dagen te laat, vandaag, nog 1 dag."""
    if days_left < 0:
        return ngettext("%(num)d dag te laat", "%(num)d dagen te laat", -days_left)
    if days_left == 0:
        return gettext("vandaag")
    return ngettext("nog %(num)d dag", "nog %(num)d dagen", days_left)


@dataclass(frozen=True)
class Deadline:
    kind: DeadlineKind
    due_on: date
    application: Application
    today: date
    # An objection's decision term extended (Awb 7:10 lid 3), shown as such.
    extended: bool = False

    @property
    def days_left(self) -> int:
        return (self.due_on - self.today).days

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def label(self) -> str:
        return kind_label(self.kind, self.extended)

    @property
    def status(self) -> str:
        return days_status(self.days_left)


def upcoming_deadlines(today: date, within_days: int = DUE_SOON_DAYS) -> list[Deadline]:
    """Every term that has run out or runs out within ``within_days``, soonest first."""
    return deadlines_page(None, today, within_days=within_days)


def deadline_counts(user: User, today: date,
                    within_days: int = DUE_SOON_DAYS) -> tuple[int, int]:
    """How many of the terms ``user`` may see have run out or run out within
    ``within_days``, and how many of those have run out: counted by the database."""
    terms = _terms(user, today + timedelta(days=within_days))
    total, overdue = db.session.execute(sa.select(
        sa.func.count(),
        sa.func.coalesce(sa.func.sum(sa.case((terms.c.due_on < today, 1), else_=0)), 0),
    )).one()
    return int(total), int(overdue)


def deadlines_page(user: User | None, today: date, *, offset: int = 0,
                   limit: int | None = None,
                   within_days: int = DUE_SOON_DAYS) -> list[Deadline]:
    """Terms ``offset`` to ``offset + limit`` of those that have run out or run out within
    ``within_days``, soonest first, of the applications ``user`` may see (None: all). The
    database sorts and cuts the page, so its applications are the only ones read: during a
    national window tens of thousands of decision terms fall in the same weeks."""
    terms = _terms(user, today + timedelta(days=within_days),
                   None if limit is None else offset + limit)
    rows = db.session.execute(
        sa.select(terms).order_by(terms.c.due_on, terms.c.reference, terms.c.rank,
                                  terms.c.tiebreak).offset(offset).limit(limit)).all()
    # A page names its few applications; every term (the reminders) may be more than SQLite
    # takes as parameters, so those are selected by the same terms.
    wanted = (sa.select(terms.c.application_id) if limit is None
              else {row.application_id for row in rows})
    applications = {application.id: application for application in db.session.scalars(
        sa.select(Application).where(Application.id.in_(wanted)))}
    return [Deadline(DeadlineKind(row.kind), row.due_on, applications[row.application_id], today,
                     extended=bool(row.extended)) for row in rows]


def _terms(user: User | None, horizon: date, first: int | None = None) -> sa.Subquery:
    """Every term that runs out by ``horizon``, one row each: its kind, day and application;
    ``rank`` and ``tiebreak`` order terms of one application on one day (decision or repair
    term, then objections, then reports, each in the order they were made). With ``first``,
    only rows that can be among the first ``first`` in that order: each state's soonest, read
    off the index on (state, due_on, reference), instead of every running term sorted."""
    # The term that runs is the one the work queue orders by (due_on): the decision term while
    # a decision is awaited, the repair term while incomplete (the decision term then stands
    # still, Awb 4:15).
    parts = [sa.select(
        sa.literal(kind.value).label("kind"), Application.due_on.label("due_on"),
        Application.id.label("application_id"), Application.reference.label("reference"),
        sa.literal(0).label("extended"), sa.literal(rank).label("rank"),
        sa.literal(0).label("tiebreak"),
    ).where(Application.state == state, Application.due_on <= horizon)
        for state, kind, rank in [*((state, DeadlineKind.DECISION, 0)
                                    for state in AWAITING_DECISION),
                                  (S.INCOMPLETE, DeadlineKind.REPAIR, 1)]]
    parts.append(sa.select(
        sa.literal(DeadlineKind.OBJECTION.value), Objection.decision_due_on, Application.id,
        Application.reference, sa.case((Objection.extended_at.is_(None), 0), else_=1),
        sa.literal(2), Objection.id,
    ).join(Application, Application.id == Objection.application_id).where(
        Objection.outcome.is_(None), Objection.decision_due_on <= horizon))
    parts.append(sa.select(
        sa.literal(DeadlineKind.REPORT.value), GrantReport.due_on, Application.id,
        Application.reference, sa.literal(0), sa.literal(3), GrantReport.id,
    ).join(Application, Application.id == GrantReport.application_id).where(
        GrantReport.status.in_((ReportStatus.DUE, ReportStatus.SENT_BACK)),
        GrantReport.due_on <= horizon, Application.state.in_((S.APPROVED, S.MONITORED))))
    if user is not None:
        parts = [scope_to_user(part, Application, user) for part in parts]
    if first is not None:
        # Within a part the rank is one: due_on, reference and tiebreak (columns 1, 3, 6).
        parts = [sa.select(part.order_by(*(part.selected_columns[i] for i in (1, 3, 6)))
                           .limit(first).subquery()) for part in parts]
    return sa.union_all(*parts).subquery()
