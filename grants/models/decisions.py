"""Decisions (beschikkingen) and their letters, and the background jobs that render them.

A ``decisions`` row is written in the same transaction as the transition that took the decision:
it is the outbox. It holds everything the letter is made from (plain values, the template
version); the PDF and its SHA-256 are stored on it once, after the commit, by a job. The database
refuses to delete a decision, to change what it was made from, and to change anything at all
once its letter is stored (triggers on both databases, like the audit trail).
"""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from grants.database import UTCDateTime
from grants.extensions import db
from grants.i18n import N_
from grants.models.applications import Application, AuditEvent
from grants.models.columns import enum_type


class DecisionKind(StrEnum):
    GRANT = "grant"  # verlening (Awb 4:30)
    REJECTION = "rejection"  # afwijzing (with its reason; the ceiling: Awb 4:25)
    NOT_PROCESSED = "not_processed"  # buiten behandeling (Awb 4:5)
    DIRECT_SETTLEMENT = "direct_settlement"  # directe vaststelling (praktijkleren)
    SETTLEMENT = "settlement"  # vaststelling (Awb 4:46)
    RECOVERY = "recovery"  # terugvordering (Awb 4:57)
    OBJECTION = "objection"  # beslissing op bezwaar (Awb 7:11)
    AMENDMENT = "amendment"  # verlening verlaagd of ingetrokken vóór de vaststelling (Awb 4:48)
    # Verdaging van de beslistermijn (Awb 4:14): a notice with the new date, not a decision;
    # its letter goes out like the decisions' letters.
    POSTPONEMENT = "postponement"


# Dutch in the letters; pages translate them.
DECISION_KIND_LABELS = {
    DecisionKind.GRANT: N_("Verlening"),
    DecisionKind.REJECTION: N_("Afwijzing"),
    DecisionKind.NOT_PROCESSED: N_("Buiten behandeling"),
    DecisionKind.DIRECT_SETTLEMENT: N_("Directe vaststelling"),
    DecisionKind.SETTLEMENT: N_("Vaststelling"),
    DecisionKind.RECOVERY: N_("Terugvordering"),
    DecisionKind.OBJECTION: N_("Beslissing op bezwaar"),
    DecisionKind.AMENDMENT: N_("Wijziging verlening"),
    DecisionKind.POSTPONEMENT: N_("Verdaging beslistermijn"),
}


class JobKind(StrEnum):
    LETTERS = "letters"


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # finished, but some letters could not be made (see their errors)


JOB_STATUS_LABELS = {
    JobStatus.QUEUED: N_("In de wachtrij"),
    JobStatus.RUNNING: N_("Bezig"),
    JobStatus.DONE: N_("Klaar"),
    JobStatus.FAILED: N_("Klaar, met fouten"),
}


class Job(db.Model):
    """A batch of background work (the letters of a transaction, an allocation run …).

    Its progress is counted from the rows it covers (a letter is done when its PDF is stored), so
    it stays right whatever happened to the worker. One worker at a time holds the job's lease
    (``worker``, ``lease_until``); a worker that died leaves a lease that runs out, or that a
    new worker on the same machine sees is held by a process that no longer exists.
    """

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[JobKind] = mapped_column(enum_type(JobKind, "kind"))
    label: Mapped[str] = mapped_column(sa.String(200), default="")
    status: Mapped[JobStatus] = mapped_column(enum_type(JobStatus, "status"),
                                              default=JobStatus.QUEUED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    worker: Mapped[str] = mapped_column(sa.String(200), default="")
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How often a worker took the job up (1 normally; more after a worker died or a retry).
    runs: Mapped[int] = mapped_column(default=0)

    @property
    def status_label(self) -> str:
        return JOB_STATUS_LABELS[self.status]


class Decision(db.Model):
    __tablename__ = "decisions"
    __table_args__ = (
        sa.CheckConstraint("(pdf IS NULL) = (sha256 IS NULL) AND "
                           "(pdf IS NULL) = (rendered_at IS NULL)", name="rendered"),
        sa.CheckConstraint("amount_cents IS NULL OR amount_cents >= 0", name="amount"),
        sa.Index("ix_decisions_job_id_rendered_at", "job_id", "rendered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="RESTRICT"), index=True)
    # The transition that took the decision (its audit row); a settlement that recovers money
    # gives two letters for one transition.
    audit_event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("audit_events.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[DecisionKind] = mapped_column(enum_type(DecisionKind, "kind"))
    # The letter's own reference (kenmerk): the application's, a slash and a sequence number.
    reference: Mapped[str] = mapped_column(sa.String(60), unique=True)
    decided_on: Mapped[date]
    # What the decision is about in money (granted, settled, recovered); None when nothing is.
    amount_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    # The plain values (strings and numbers) the letter is rendered from, and the version of
    # the templates that render them.
    context: Mapped[dict] = mapped_column(sa.JSON)
    template_version: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("jobs.id", ondelete="RESTRICT"))
    # Stored once, after the commit; never changed (the database refuses).
    pdf: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pages: Mapped[int | None]
    # Failed attempts to render it, and why the last one failed.
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    # The worker rendering the letter now, until when (grants.jobs.letters): the workers of one
    # job share its letters a chunk at a time; a lease that ran out is free again.
    leased_by: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[Application] = relationship()
    audit_event: Mapped[AuditEvent] = relationship()
    job: Mapped[Job | None] = relationship()

    @property
    def kind_label(self) -> str:
        return DECISION_KIND_LABELS[self.kind]

    @property
    def rendered(self) -> bool:
        return self.rendered_at is not None
