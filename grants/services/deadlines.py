"""Terms that run out: decisions (Awb 4:13), repair terms (4:5) and objection decisions (7:10)."""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import gettext, ngettext

from grants.extensions import db
from grants.i18n import N_
from grants.models import Application, ApplicationState, Objection

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
    horizon = today + timedelta(days=within_days)
    found: list[Deadline] = []
    decisions = db.session.scalars(sa.select(Application).where(
        Application.state.in_(AWAITING_DECISION), Application.decision_due_on <= horizon))
    found += [Deadline(DeadlineKind.DECISION, a.decision_due_on, a, today) for a in decisions]
    repairs = db.session.scalars(sa.select(Application).where(
        Application.state == S.INCOMPLETE, Application.repair_due_on <= horizon))
    found += [Deadline(DeadlineKind.REPAIR, a.repair_due_on, a, today) for a in repairs]
    objections = db.session.execute(
        sa.select(Objection, Application).join(Application)
        .where(Objection.outcome.is_(None), Objection.decision_due_on <= horizon))
    found += [Deadline(DeadlineKind.OBJECTION, o.decision_due_on, a, today,
                       extended=o.extended_at is not None) for o, a in objections]
    found += _report_deadlines(today, horizon)
    return sorted(found, key=lambda d: (d.due_on, d.application.reference))


def _report_deadlines(today: date, horizon: date) -> list[Deadline]:
    from grants.services.reports import awaited_reports

    return [Deadline(DeadlineKind.REPORT, report.due_on, report.application, today)
            for report in awaited_reports(horizon)]
