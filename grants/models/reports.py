"""Reports (rapportages) a grant asks for: progress reports, and the final report that comes
with the request for settlement. One row per report the grant decision lists, with its due date
as the letter states it, so reminders, the monitoring overview and the deadlines read one place.
"""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.database import UTCDateTime
from grants.extensions import db
from grants.models.applications import Application
from grants.models.attachments import Attachment
from grants.models.columns import enum_type
from grants.models.users import User


class ReportKind(StrEnum):
    PROGRESS = "progress"  # voortgangsverslag
    FINAL = "final"  # inhoudelijk en financieel eindverslag, met de aanvraag tot vaststelling


class ReportStatus(StrEnum):
    DUE = "due"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    SENT_BACK = "sent_back"  # the applicant improves it and sends it again


REPORT_STATUS_LABELS = {
    ReportStatus.DUE: "Te verwachten",
    ReportStatus.SUBMITTED: "Ingediend",
    ReportStatus.ACCEPTED: "Geaccepteerd",
    ReportStatus.SENT_BACK: "Teruggestuurd",
}
# Reports still awaited from the applicant: late once their due date has passed.
OPEN_REPORT_STATUSES = (ReportStatus.DUE, ReportStatus.SENT_BACK)


class GrantReport(db.Model):
    __tablename__ = "grant_reports"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "sequence"),
        sa.CheckConstraint("claimed_cents IS NULL OR claimed_cents >= 0", name="claimed"),
        sa.Index("ix_grant_reports_status_due_on", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="RESTRICT"), index=True)
    sequence: Mapped[int]  # 1, 2, …: the order in which the grant letter lists them
    kind: Mapped[ReportKind] = mapped_column(enum_type(ReportKind, "kind"))
    title: Mapped[str] = mapped_column(sa.String(200))  # as the grant letter names it
    due_on: Mapped[date]
    status: Mapped[ReportStatus] = mapped_column(enum_type(ReportStatus, "status"),
                                                 default=ReportStatus.DUE)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    attachment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("attachments.id", ondelete="RESTRICT"))
    # The final report: the costs claimed and, above the threshold, the accountant's statement.
    claimed_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    statement_attachment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("attachments.id", ondelete="RESTRICT"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    review_reason: Mapped[str] = mapped_column(sa.Text, default="")

    application: Mapped[Application] = relationship()
    attachment: Mapped[Attachment | None] = relationship(foreign_keys=[attachment_id])
    statement: Mapped[Attachment | None] = relationship(foreign_keys=[statement_attachment_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])

    @property
    def status_label(self) -> str:
        return REPORT_STATUS_LABELS[self.status]

    @property
    def awaited(self) -> bool:
        return self.status in OPEN_REPORT_STATUSES

    def overdue_on(self, today: date) -> bool:
        return self.awaited and self.due_on < today
