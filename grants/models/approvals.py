"""Decisions about money prepared by one person and taken only when another approves them.

A settlement or a recovery (a trigger with its data, prepared on an application) and a ceiling
amendment (a new ceiling for a budget line) wait here until a second person with the right role
approves them; only then do they take effect, with the approver as the one who decides (four
eyes on every money decision, domain.md §4). Allocation runs carry the same status on their own
row (grants.models.allocations), as they are stored with their results anyway.
"""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.database import UTCDateTime
from grants.extensions import db
from grants.i18n import N_
from grants.models.applications import Application
from grants.models.budgets import BudgetLine
from grants.models.users import User


class PreparedKind(StrEnum):
    TRIGGER = "trigger"  # a trigger (settle, recover) fired on an application when approved
    CEILING = "ceiling"  # a ceiling amendment of a budget line when approved


class PreparedStatus(StrEnum):
    PREPARED = "prepared"
    APPROVED = "approved"
    CANCELLED = "cancelled"


PREPARED_STATUS_LABELS = {PreparedStatus.PREPARED: N_("voorbereid"),
                          PreparedStatus.APPROVED: N_("goedgekeurd"),
                          PreparedStatus.CANCELLED: N_("geannuleerd")}


class PreparedDecision(db.Model):
    __tablename__ = "prepared_decisions"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('trigger', 'ceiling')", name="kind"),
        sa.CheckConstraint("status IN ('prepared', 'approved', 'cancelled')", name="status"),
        sa.CheckConstraint(
            "(kind = 'trigger' AND application_id IS NOT NULL AND trigger IS NOT NULL) OR "
            "(kind = 'ceiling' AND line_id IS NOT NULL AND new_ceiling_cents IS NOT NULL "
            "AND new_ceiling_cents >= 0 AND effective_on IS NOT NULL)", name="subject"),
        sa.CheckConstraint("approved_by_id IS NULL OR approved_by_id <> prepared_by_id",
                           name="four_eyes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PreparedKind] = mapped_column(sa.String(20))
    status: Mapped[PreparedStatus] = mapped_column(sa.String(20), default=PreparedStatus.PREPARED,
                                                   index=True)
    application_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="RESTRICT"), index=True)
    trigger: Mapped[str | None] = mapped_column(sa.String(40))
    # The trigger's body as the preparer gave it; fired as is when approved.
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # The application's version when prepared: approving after it changed is refused (409).
    application_version: Mapped[int | None]
    line_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("budget_lines.id", ondelete="RESTRICT"), index=True)
    new_ceiling_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    effective_on: Mapped[date | None]
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime)
    prepared_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="")

    application: Mapped[Application | None] = relationship()
    line: Mapped[BudgetLine | None] = relationship()
    prepared_by: Mapped[User] = relationship(foreign_keys=[prepared_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])

    @property
    def status_label(self) -> str:
        return PREPARED_STATUS_LABELS[PreparedStatus(self.status)]
