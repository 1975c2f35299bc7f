"""What the ministry's staff work on: the assessors' queue, the approvers' four-eyes queue and
the RIF committee's ranking. Queries only; every state change goes through the engine.

"Assigned" needs no table of its own: an application is assigned to the assessor who started
its assessment (the actor of its latest ``start_assessment``), which the audit trail records.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

import sqlalchemy as sa
from sqlalchemy.orm import aliased, defer, lazyload, selectinload

from grants import clock
from grants.access import scope_to_user, sees_every_application
from grants.extensions import db
from grants.models import (
    AllocationRun,
    Application,
    ApplicationState,
    Assessment,
    AuditEvent,
    Objection,
    PreparedDecision,
    PreparedKind,
    PreparedStatus,
    Region,
    Role,
    RunStatus,
    Scheme,
    User,
    Window,
)
from grants.services.committee import DeclaredConflict, active_members, conflicts_by_application
from grants.services.deadlines import Deadline, DeadlineKind
from grants.services.tallies import tallied
from grants.workflows import workflow_for
from grants.workflows.order import (
    ORDER_RULE,
    QueueEntry,
    keeps_order_of_completeness,
    window_queue,
)
from grants.workflows.rules import current_rules

S = ApplicationState

# Where an assessor has something to do: intake, waiting for information (and closing it when
# the repair term has passed), the assessment itself, and settling a grant.
QUEUE_STATES = (S.SUBMITTED, S.INCOMPLETE, S.IN_ASSESSMENT, S.SETTLEMENT_REQUESTED)
COMMITTEE_SCHEME = "rif"


class Assigned:
    """The values of the queue's "assigned" filter."""

    MINE = "mine"
    NOBODY = "nobody"


class Due:
    SOON = "soon"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class QueueFilters:
    scheme: str | None = None
    window_id: int | None = None
    state: str | None = None
    region: str | None = None
    assigned: str | None = None
    due: str | None = None


@dataclass(frozen=True)
class QueueItem:
    application: Application
    deadline: Deadline | None
    started_by: User | None
    due_soon_days: int

    @property
    def due_soon(self) -> bool:
        return (self.deadline is not None and not self.deadline.overdue
                and self.deadline.days_left <= self.due_soon_days)


# Soonest due first; applications without a running term last. Application.due_on is the term
# that matters now (grants.models.applications.due_on_for), stored so that an index serves it.
def _queue_order(due_on, reference) -> tuple:
    return (due_on.is_(None), due_on, reference)


def _starter_id():
    return (sa.select(AuditEvent.actor_id)
            .where(AuditEvent.application_id == Application.id,
                   AuditEvent.trigger == "start_assessment")
            .order_by(AuditEvent.id.desc()).limit(1)
            .correlate(Application).scalar_subquery())


def _queue_conditions(user: User, filters: QueueFilters, today: date,
                      due_soon_days: int) -> list:
    """The queue's conditions on the applications table alone: no join, so that a count or a
    slice of one state reads an index of that table only."""
    conditions = [Application.state.in_(QUEUE_STATES)]
    if filters.scheme:
        conditions.append(Application.scheme_id.in_(
            sa.select(Scheme.id).where(Scheme.code == filters.scheme)))
    if filters.window_id:
        conditions.append(Application.window_id == filters.window_id)
    if filters.state:
        conditions.append(Application.state == filters.state)
    if filters.region:
        conditions.append(Application.region == filters.region)
    if filters.assigned == Assigned.MINE:
        conditions.append(_starter_id() == user.id)
    elif filters.assigned == Assigned.NOBODY:
        conditions.append(_starter_id().is_(None))
    if filters.due == Due.OVERDUE:
        conditions.append(Application.due_on < today)
    elif filters.due == Due.SOON:
        conditions.append(Application.due_on.between(
            today, today + timedelta(days=due_soon_days)))
    return conditions


def work_queue(user: User, filters: QueueFilters, today: date, due_soon_days: int):
    """A select of (Application, due_on, whoever started the assessment), soonest due first;
    applications without a running term come last. The whole queue in one statement; a page
    of it is read faster by queue_page()."""
    starter = aliased(User)
    stmt = (sa.select(Application, Application.due_on, starter)
            .outerjoin(starter, starter.id == _starter_id())
            .where(*_queue_conditions(user, filters, today, due_soon_days)))
    stmt = scope_to_user(stmt, Application, user)
    return stmt.order_by(*_queue_order(Application.due_on, Application.reference))


def queue_count(user: User, filters: QueueFilters, today: date, due_soon_days: int) -> int:
    if sees_every_application(user) and filters.assigned is None and filters.due is None:
        return tallied(scheme=filters.scheme, window_id=filters.window_id,
                       states=[state for state in QUEUE_STATES
                               if not filters.state or state == filters.state],
                       region=filters.region)
    # count(*), not count(id): PostgreSQL then counts off the index alone.
    stmt = sa.select(sa.func.count()).select_from(Application).where(
        *_queue_conditions(user, filters, today, due_soon_days))
    return db.session.scalar(scope_to_user(stmt, Application, user))


def queue_page(user: User, filters: QueueFilters, today: date, due_soon_days: int, *,
               offset: int, limit: int) -> list:
    """Rows ``offset`` to ``offset + limit`` of work_queue(), in its order, without sorting the
    whole queue: per state, the first ``offset + limit`` with a term (in the order of the index
    on state, due_on, reference) and those without (by reference), then the page of their
    union. Who started each assessment is looked up for the page's rows only."""
    ids = list(db.session.scalars(_page_ids(user, filters, today, due_soon_days, offset, limit)))
    if not ids:
        return []
    applications = db.session.scalars(
        sa.select(Application).where(Application.id.in_(ids))
        # The page shows none of the details (a praktijkleren application's hold its places).
        # Scheme and window are left to their lazy loads, which look in the session first:
        # queue_filter_choices() has put every scheme and window there, so the page costs no
        # query for them (alone, it loads each of its few schemes and windows once). The
        # organisations by their keys: a join would hash every organisation for 50 rows.
        .options(defer(Application.details), selectinload(Application.organisation))).all()
    starters = _starters(ids)
    by_id = {application.id: application for application in applications}
    return [(by_id[application_id], by_id[application_id].due_on, starters.get(application_id))
            for application_id in ids if application_id in by_id]


# Building the union below costs about a millisecond (SQLAlchemy's column collections of eight
# subqueries), a tenth of the page's own time. It is a function of its key alone (the user
# counts by what scope_to_user and the filters read of them), so each is built once a process.
_PAGE_IDS: dict[tuple, sa.Select] = {}


def _page_ids(user: User, filters: QueueFilters, today: date, due_soon_days: int,
              offset: int, limit: int) -> sa.Select:
    key = (user.id, user.organisation_id, user.roles, filters, today, due_soon_days, offset,
           limit)
    found = _PAGE_IDS.get(key)
    if found is not None:
        return found
    wanted = offset + limit
    conditions = _queue_conditions(user, filters, today, due_soon_days)
    slices = []
    for state in [filters.state] if filters.state else QUEUE_STATES:
        for dated in (True, False):
            part = sa.select(Application.id, Application.due_on, Application.reference).where(
                *conditions, Application.state == state,
                Application.due_on.is_not(None) if dated else Application.due_on.is_(None))
            # Ordered by due_on too where it is NULL throughout: so the index on (state,
            # due_on, reference) serves the order, not the one on reference, which the
            # planner would otherwise walk whole for a state with no such row.
            part = scope_to_user(part, Application, user).order_by(
                Application.due_on, Application.reference).limit(wanted)
            slices.append(sa.select(part.subquery()))
    merged = sa.union_all(*slices).subquery()
    found = (sa.select(merged.c.id)
             .order_by(*_queue_order(merged.c.due_on, merged.c.reference))
             .limit(limit).offset(offset))
    if len(_PAGE_IDS) >= 1024:  # new days and pages: start afresh rather than grow
        _PAGE_IDS.clear()
    _PAGE_IDS[key] = found
    return found


def _starters(application_ids: list[int]) -> dict[int, User]:
    """Who started the assessment of each application (the actor of its latest
    start_assessment), in one query over the page's applications; a subquery per row costs
    the page more than the rows themselves."""
    found = {}
    for application_id, actor in db.session.execute(
            sa.select(AuditEvent.application_id, User)
            .outerjoin(User, User.id == AuditEvent.actor_id)
            # Their roles only if something asks (they are shown by name).
            .options(lazyload(User.role_rows))
            .where(AuditEvent.application_id.in_(application_ids),
                   AuditEvent.trigger == "start_assessment")
            .order_by(AuditEvent.id)):
        found[application_id] = actor  # the latest wins, also when it was no one's
    return found


def queue_items(rows, today: date, due_soon_days: int) -> list[QueueItem]:
    items = []
    for application, due_on, started_by in rows:
        kind = (DeadlineKind.REPAIR if application.state == S.INCOMPLETE
                else DeadlineKind.DECISION)
        deadline = Deadline(kind, due_on, application, today) if due_on else None
        items.append(QueueItem(application, deadline, started_by, due_soon_days))
    return items


def queue_filter_choices() -> dict:
    """What the queue can be filtered on: schemes with their windows, states, regions."""
    schemes = db.session.scalars(
        sa.select(Scheme).order_by(Scheme.id).options(selectinload(Scheme.windows)))
    return {
        "schemes": list(schemes),
        "states": list(QUEUE_STATES),
        "regions": list(Region),
    }


# -- the approvers' queue ----------------------------------------------------------------------

@dataclass(frozen=True)
class DecisionItem:
    application: Application
    assessments: list[Assessment]
    deadline: Deadline | None
    # Four eyes: whoever assessed an application does not decide on it.
    assessed_by_viewer: bool


def assessments_by_application(application_ids: list[int]) -> dict[int, list[Assessment]]:
    found: dict[int, list[Assessment]] = {application_id: [] for application_id in application_ids}
    if not application_ids:
        return found
    for assessment in db.session.scalars(
            sa.select(Assessment).where(Assessment.application_id.in_(application_ids))
            .order_by(Assessment.at, Assessment.id)):
        found[assessment.application_id].append(assessment)
    return found


def decision_queue(user: User, today: date) -> list[DecisionItem]:
    """Assessed applications waiting for a grant or a refusal, the soonest due first."""
    stmt = scope_to_user(
        sa.select(Application).where(Application.state == S.ASSESSED), Application, user)
    applications = list(db.session.scalars(stmt.order_by(
        Application.decision_due_on.is_(None), Application.decision_due_on,
        Application.reference)))
    assessments = assessments_by_application([a.id for a in applications])
    return [DecisionItem(
        application, assessments[application.id],
        Deadline(DeadlineKind.DECISION, application.decision_due_on, application, today)
        if application.decision_due_on else None,
        any(a.assessor_id == user.id for a in assessments[application.id]),
    ) for application in applications]


@dataclass(frozen=True)
class OrderedDecision:
    item: DecisionItem
    place: QueueEntry  # its place in the window's order and the room left under the ceiling


@dataclass(frozen=True)
class WindowOrder:
    """A first-come-first-served window's decisions in the order of its law (Awb 4:26)."""

    window: Window
    remaining_cents: int
    decisions: list[OrderedDecision]


def in_order_of_completeness(items: list[DecisionItem]) -> tuple[list[WindowOrder],
                                                                 list[DecisionItem]]:
    """Split the approvers' queue: the decisions of windows that grant in the order of
    completeness, per window in that order (the order the allocation run funds in), each with
    the room left before it; and the others, as they came (soonest due first)."""
    ordered: dict[int, list[DecisionItem]] = {}
    others = []
    for item in items:
        application = item.application
        version = application.rules_version
        if (keeps_order_of_completeness(workflow_for(application.scheme.code))
                and version is not None and version.rules["rules"].get(ORDER_RULE)):
            ordered.setdefault(application.window_id, []).append(item)
        else:
            others.append(item)
    windows = []
    for window_items in ordered.values():
        window = window_items[0].application.window
        by_id = {item.application.id: item for item in window_items}
        windows.append(WindowOrder(window, window.line_for(None).remaining_cents, [
            OrderedDecision(by_id[entry.application_id], entry)
            for entry in window_queue(window) if entry.application_id in by_id]))
    windows.sort(key=lambda order: (order.window.scheme.code, order.window.opens_at))
    return windows, others


@dataclass(frozen=True)
class AwaitingApproval:
    """What one person prepared and a second, the approver, must approve (four eyes)."""

    decisions: list[PreparedDecision]  # settlements and recoveries
    runs: list[AllocationRun]  # allocation runs


def awaiting_approval(user: User) -> AwaitingApproval:
    """For an approver: prepared settlements, recoveries and allocation runs, oldest first."""
    if not user.has_role(Role.APPROVER):
        return AwaitingApproval([], [])
    decisions = db.session.scalars(scope_to_user(
        sa.select(PreparedDecision).join(Application)
        .where(PreparedDecision.status == PreparedStatus.PREPARED,
               PreparedDecision.kind == PreparedKind.TRIGGER), Application, user)
        .order_by(PreparedDecision.prepared_at, PreparedDecision.id))
    runs = db.session.scalars(sa.select(AllocationRun).where(
        AllocationRun.status == RunStatus.PREPARED).order_by(AllocationRun.id))
    return AwaitingApproval(list(decisions), list(runs))


def pending_objections(user: User, today: date) -> list[Deadline]:
    rows = db.session.execute(scope_to_user(
        sa.select(Objection, Application).join(Application)
        .where(Objection.outcome.is_(None)), Application, user)
        .order_by(Objection.decision_due_on, Application.reference))
    return [Deadline(DeadlineKind.OBJECTION, objection.decision_due_on, application, today)
            for objection, application in rows]


# -- the RIF committee -------------------------------------------------------------------------

@dataclass(frozen=True)
class MemberSheet:
    member: User
    scores: dict[str, int]
    total: int
    reasoning: str


@dataclass(frozen=True)
class RankedApplication:
    application: Application
    sheets: list[MemberSheet]
    criteria: list[str]
    quorum: int
    sufficient_average: Fraction
    scored_by_viewer: bool
    # A member who has still to score does not see the others' scores (independent judgement).
    hidden_from_viewer: bool
    conflicts: list[DeclaredConflict] = field(default_factory=list)
    # The committee's active members without a declared conflict: who can still make the quorum.
    members_available: int = 0

    @property
    def members_scored(self) -> int:
        return len(self.sheets)

    @property
    def quorum_reached(self) -> bool:
        return self.members_scored >= self.quorum

    @property
    def quorum_out_of_reach(self) -> bool:
        """Too many members stood aside: those left cannot make the quorum."""
        return not self.quorum_reached and self.members_available < self.quorum

    @property
    def verdict_shown(self) -> bool:
        """Sufficient or not, and a place in the ranking, only once the quorum has scored."""
        return self.quorum_reached and not self.hidden_from_viewer

    @property
    def average_total(self) -> Fraction | None:
        if not self.sheets:
            return None
        return Fraction(sum(sheet.total for sheet in self.sheets), len(self.sheets))

    def criterion_average(self, criterion: str) -> Fraction | None:
        values = [sheet.scores[criterion] for sheet in self.sheets if criterion in sheet.scores]
        return Fraction(sum(values), len(values)) if values else None

    @property
    def average_score(self) -> Fraction | None:
        """The mean score per criterion, over every member: what "sufficient" is judged on."""
        values = [value for sheet in self.sheets for value in sheet.scores.values()]
        return Fraction(sum(values), len(values)) if values else None

    @property
    def sufficient(self) -> bool | None:
        average = self.average_score
        return None if average is None else average >= self.sufficient_average


COMMITTEE_STATES = (S.IN_ASSESSMENT, S.ASSESSED)


def committee_windows() -> list[Window]:
    return list(db.session.scalars(
        sa.select(Window).join(Scheme).where(Scheme.code == COMMITTEE_SCHEME)
        .order_by(Window.opens_at)))


def committee_ranking(user: User, window_id: int | None = None,
                      application_id: int | None = None) -> list[RankedApplication]:
    """RIF applications before the committee (or the one asked for), ranked by their members'
    average total score."""
    stmt = sa.select(Application).join(Application.scheme).where(
        Scheme.code == COMMITTEE_SCHEME)
    if application_id is not None:
        # One application's sheets are shown in any state, also after the decision.
        stmt = stmt.where(Application.id == application_id)
    else:
        stmt = stmt.where(Application.state.in_(COMMITTEE_STATES))
    if window_id:
        stmt = stmt.where(Application.window_id == window_id)
    applications = list(db.session.scalars(scope_to_user(stmt, Application, user)))
    assessments = assessments_by_application([a.id for a in applications])
    conflicts = conflicts_by_application([a.id for a in applications])
    members = active_members()
    workflow = workflow_for(COMMITTEE_SCHEME)
    ranked = []
    for application in applications:
        params = current_rules(application, workflow.default_rules)["rules"]
        sheets = [MemberSheet(a.assessor, dict(a.scores or {}), sum((a.scores or {}).values()),
                              a.reasoning) for a in assessments[application.id]]
        scored = any(sheet.member.id == user.id for sheet in sheets)
        may_score = "record_assessment" in workflow.allowed_triggers(application, user,
                                                                     clock.now())
        ranked.append(RankedApplication(
            application, sheets, list(params["criteria"]), params["committee_quorum"],
            Fraction(str(params["sufficient_average"])), scored, may_score and not scored,
            conflicts[application.id], members - len(conflicts[application.id])))
    return sorted(ranked, key=_rank_key)


def _rank_key(ranked: RankedApplication) -> tuple:
    # Ranked only once the quorum has scored; what is hidden from the viewer does not show
    # through its place in the order either.
    if ranked.average_total is None or ranked.hidden_from_viewer:
        return (2, 0, ranked.application.reference)
    return (0 if ranked.quorum_reached else 1, -ranked.average_total,
            ranked.application.reference)
