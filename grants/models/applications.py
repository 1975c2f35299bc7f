from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.database import UTCDateTime, utcnow
from grants.extensions import db
from grants.i18n import N_
from grants.models.columns import enum_type
from grants.models.organisations import Organisation, Region
from grants.models.schemes import RuleVersion, Scheme, Window
from grants.models.users import User


class ApplicationState(StrEnum):
    """Every state of the three lifecycles in domain.md §5; each scheme uses its own subset."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    INCOMPLETE = "incomplete"
    UNPROCESSED = "unprocessed"
    IN_ASSESSMENT = "in_assessment"
    ASSESSED = "assessed"
    VALIDATED = "validated"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    MONITORED = "monitored"
    SETTLEMENT_REQUESTED = "settlement_requested"
    SETTLED = "settled"
    PAID = "paid"
    CLOSED = "closed"


STATE_LABELS = {
    ApplicationState.DRAFT: N_("Concept"),
    ApplicationState.SUBMITTED: N_("Ingediend"),
    ApplicationState.INCOMPLETE: N_("Onvolledig"),
    ApplicationState.UNPROCESSED: N_("Buiten behandeling"),
    ApplicationState.IN_ASSESSMENT: N_("In beoordeling"),
    ApplicationState.ASSESSED: N_("Beoordeeld"),
    ApplicationState.VALIDATED: N_("Gevalideerd"),
    ApplicationState.APPROVED: N_("Verleend"),
    ApplicationState.REJECTED: N_("Afgewezen"),
    ApplicationState.WITHDRAWN: N_("Ingetrokken"),
    ApplicationState.MONITORED: N_("In uitvoering"),
    ApplicationState.SETTLEMENT_REQUESTED: N_("Vaststelling aangevraagd"),
    ApplicationState.SETTLED: N_("Vastgesteld"),
    ApplicationState.PAID: N_("Betaald"),
    ApplicationState.CLOSED: N_("Afgesloten"),
}

# Dutch names of the canonical triggers (domain.md §5) that audit events record, for pages,
# letters, downloads and diagrams.
TRIGGER_LABELS = {
    "submit": N_("Indienen"),
    "request_information": N_("Informatie opvragen (hersteltermijn)"),
    "provide_information": N_("Informatie aanvullen"),
    "close_unprocessed": N_("Buiten behandeling stellen"),
    "start_assessment": N_("Beoordeling starten"),
    "record_assessment": N_("Beoordeling vastleggen"),
    "approve": N_("Verlenen"),
    "reject": N_("Afwijzen"),
    "withdraw": N_("Intrekken"),
    "pay_advance": N_("Voorschot betalen"),
    "submit_report": N_("Rapportage indienen"),
    "accept_report": N_("Rapportage accepteren"),
    "send_back_report": N_("Rapportage terugsturen"),
    "advise_adjustment": N_("Advies: subsidie verlagen of beëindigen"),
    "adjust_grant": N_("Subsidie verlagen of beëindigen"),
    "request_settlement": N_("Vaststelling aanvragen"),
    "settle": N_("Vaststellen"),
    "pay": N_("Betalen"),
    "recover": N_("Terugvorderen"),
    "close": N_("Afsluiten"),
    "lodge_objection": N_("Bezwaar maken"),
    "decide_objection": N_("Beslissen op bezwaar"),
    "extend_objection_term": N_("Beslistermijn bezwaar verlengen"),
    # Awb 7:2, 7:3: additions to the canonical triggers, like extend_objection_term.
    "invite_to_hearing": N_("Uitnodigen voor de hoorzitting"),
    "record_hearing": N_("Hoorzitting vastleggen"),
    "waive_hearing": N_("Afzien van horen"),
    # Awb 4:14: an addition to the canonical triggers, like extend_objection_term.
    "extend_decision_term": N_("Beslistermijn verdagen"),
    # Not a transition: a committee member stands aside (grants.services.committee).
    "declare_conflict": N_("Belangenverstrengeling gemeld"),
}


# While a decision is awaited its term (Awb 4:13) runs; while incomplete, the repair term.
AWAITING_DECISION = (ApplicationState.SUBMITTED, ApplicationState.IN_ASSESSMENT,
                     ApplicationState.ASSESSED, ApplicationState.VALIDATED)


def due_on_for(state: ApplicationState, repair_due_on: date | None,
               decision_due_on: date | None) -> date | None:
    """The term that matters now: the repair term while incomplete, else the decision term
    while a decision is awaited; none in any other state."""
    if state == ApplicationState.INCOMPLETE:
        return repair_due_on
    if state in AWAITING_DECISION:
        return decision_due_on
    return None


class Recommendation(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"


class ObjectionOutcome(StrEnum):
    UPHELD = "upheld"
    REJECTED = "rejected"
    INADMISSIBLE = "inadmissible"


class Application(db.Model):
    __tablename__ = "applications"
    __table_args__ = (
        sa.CheckConstraint("requested_cents >= 0", name="requested"),
        sa.Index("ix_applications_scheme_window_state", "scheme_id", "window_id", "state"),
        # The work queue's order within each state: it reads the first page off this index
        # instead of sorting every application in the queue.
        sa.Index("ix_applications_state_due_on_reference", "state", "due_on", "reference"),
        # The lists' order, newest first (read backwards: both databases scan an index either
        # way, so the index needs no DESC).
        sa.Index("ix_applications_created_at_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(40), unique=True)
    scheme_id: Mapped[int] = mapped_column(sa.ForeignKey("schemes.id", ondelete="RESTRICT"))
    window_id: Mapped[int] = mapped_column(sa.ForeignKey("windows.id", ondelete="RESTRICT"))
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    region: Mapped[Region] = mapped_column(enum_type(Region, "region"))
    title: Mapped[str] = mapped_column(sa.String(300))
    state: Mapped[ApplicationState] = mapped_column(
        enum_type(ApplicationState, "state"), default=ApplicationState.DRAFT
    )
    requested_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    granted_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    # The final amount (vaststelling), at most the grant.
    settled_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    # The scheme's own fields (grants.workflows.fields), money in cents.
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # The rules (windows, ceilings, amounts, terms) the application was submitted under.
    rules_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("rule_versions.id", ondelete="RESTRICT"))
    # Receipt (Awb 4:3a) of the first submission: what the window is judged by.
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the application was last made complete: what first-come-first-served orders by.
    complete_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The day the decision term (Awb 4:13) is due: its own end, as moved by a suspension
    # (4:15) or a postponement (4:14), then off a weekend or holiday (Algemene termijnenwet).
    decision_due_on: Mapped[date | None]
    # That own end, before the Algemene termijnenwet moved it: what a suspension adds days to.
    decision_term_ends_on: Mapped[date | None]
    # While information is requested (Awb 4:15) the decision clock is stopped since this day.
    suspended_on: Mapped[date | None]
    repair_due_on: Mapped[date | None]
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    objection_due_on: Mapped[date | None]
    # What the work queue orders by: due_on_for() of the columns above, stored so that the
    # queue can use an index. Kept by the hook below in every flush that writes the row (the
    # engine's transitions and effects, edits, imports), so in the same transaction.
    due_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    # Optimistic lock: an UPDATE that finds another version changed nothing and is refused.
    # Raised by hand, once per change (a trigger, an edit), however many flushes it takes.
    version: Mapped[int] = mapped_column(default=1)

    scheme: Mapped[Scheme] = relationship()
    window: Mapped[Window] = relationship()
    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()
    rules_version: Mapped["RuleVersion | None"] = relationship()

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


class ApplicationTally(db.Model):
    """How many applications there are per scheme, window, state and region, kept as changes
    that add up: +1 where an application comes (inserted, or moved there by an update), -1
    where it goes. Written by the database itself, by triggers on every INSERT, UPDATE and
    DELETE of applications (whoever writes: the engine, an import, plain SQL), so that a list
    can say how many match without counting 100,000 rows (issue 16). Rows are only added;
    grants.services.tallies folds them into one per key, which changes no sum."""

    __tablename__ = "application_tallies"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign keys: a key's rows are taken by the triggers of other writers at once, and
    # locking its scheme and window for each would only make them wait on one another.
    scheme_id: Mapped[int]
    window_id: Mapped[int]
    state: Mapped[str] = mapped_column(sa.String(40))
    region: Mapped[str] = mapped_column(sa.String(40))
    change: Mapped[int]


@sa.event.listens_for(Application, "before_insert")
@sa.event.listens_for(Application, "before_update")
def _keep_due_on(_mapper, _connection, application: Application) -> None:
    # A column attribute set here is part of the very INSERT or UPDATE being flushed.
    application.due_on = due_on_for(application.state, application.repair_due_on,
                                    application.decision_due_on)


class Assessment(db.Model):
    """One assessor's (or, for RIF, one committee member's) judgement of an application."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="RESTRICT"), index=True)
    assessor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    recommendation: Mapped[str] = mapped_column(enum_type(Recommendation, "recommendation"))
    scores: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    reasoning: Mapped[str] = mapped_column(sa.Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    assessor: Mapped[User] = relationship()


class AuditEvent(db.Model):
    """One transition, append-only: the database refuses UPDATE and DELETE on this table."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="RESTRICT"), index=True)
    trigger: Mapped[str] = mapped_column(sa.String(40))
    from_state: Mapped[ApplicationState] = mapped_column(enum_type(ApplicationState, "from_state"))
    to_state: Mapped[ApplicationState] = mapped_column(enum_type(ApplicationState, "to_state"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    rules_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("rule_versions.id", ondelete="RESTRICT"))
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor: Mapped[User | None] = relationship()



class Objection(db.Model):
    """A bezwaar (Awb 6:7) against one of the application's decisions, and how it was decided."""

    __tablename__ = "objections"
    __table_args__ = (
        sa.CheckConstraint("costs_cents IS NULL OR costs_cents >= 0", name="costs_not_negative"),
        sa.CheckConstraint(
            "hearing_waived IS NULL OR hearing_waived IN "
            "('objector_waived', 'manifestly_inadmissible', 'manifestly_unfounded')",
            name="hearing_waived"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="RESTRICT"), index=True)
    against_event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("audit_events.id", ondelete="RESTRICT"))
    lodged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The postmark of an objection sent by post: posted within the term and received within a
    # week after it, it is on time (Awb 6:9).
    postmarked_on: Mapped[date | None]
    lodged_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(sa.Text)
    decision_due_on: Mapped[date]
    outcome: Mapped[ObjectionOutcome | None] = mapped_column(
        enum_type(ObjectionOutcome, "outcome"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # Lodged after the objection term (Awb 6:7): recorded all the same, and declared
    # inadmissible unless the lateness is excused (Awb 6:11).
    late: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Why the lateness is excusable, as the approver recorded it; empty when not excused.
    lateness_excused: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # The decision term (Awb 7:10) is extended at most once; when and why.
    extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extension_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # Upheld because the authority erred (Awb 7:15): the applicant's costs of professional help
    # at the fixed rate, a payable that a payment run pays; None when nothing was awarded.
    costs_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    # A paper objection registered by staff: the day it came in (what its timeliness is judged
    # by) and the scanned letter; lodged_by is then the staff member who registered it.
    on_paper: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    received_on: Mapped[date | None]
    letter_attachment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("attachments.id", ondelete="RESTRICT"))
    # The objector asks for the costs of professional help (Awb 7:15 lid 2, before the decision).
    costs_requested: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Revoked because of an error of the authority (Awb 7:15 lid 2), as the approver decided.
    authority_error: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The hearing (Awb 7:2): invited for a moment and place, then held (with minutes) or waived
    # on one of the grounds of Awb 7:3 (or because the objector waived it).
    hearing_invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hearing_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hearing_place: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    hearing_held_on: Mapped[date | None]
    hearing_attended: Mapped[bool | None]
    hearing_minutes_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("attachments.id", ondelete="RESTRICT"))
    hearing_waived: Mapped[str | None] = mapped_column(sa.String(40))
    hearing_waiver_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    @property
    def heard(self) -> bool:
        """The hearing took place or was waived: the objection can be decided (Awb 7:2)."""
        return self.hearing_held_on is not None or self.hearing_waived is not None
