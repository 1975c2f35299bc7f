from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.database import UTCDateTime
from grants.extensions import db
from grants.i18n import N_
from grants.models.applications import Application
from grants.models.schemes import Scheme, Window
from grants.models.users import User


class RunStatus(StrEnum):
    PREPARED = "prepared"  # stored by finance; nothing decided until an approver approves it
    COMMITTED = "committed"  # approved by a second person: its decisions are taken
    CANCELLED = "cancelled"  # withdrawn before approval; it decided nothing


RUN_STATUS_LABELS = {RunStatus.PREPARED: N_("voorbereid"), RunStatus.COMMITTED: N_("vastgesteld"),
                     RunStatus.CANCELLED: N_("geannuleerd")}


class AllocationRun(db.Model):
    """A division of a window's money: its inputs, method, seed, rates and results.

    Previews (dry runs) are computed, shown and forgotten. A run finance commits is stored as
    prepared and takes effect only when a second person, an approver, approves it (four eyes on
    every money decision, domain.md §4).
    """

    __tablename__ = "allocation_runs"
    __table_args__ = (
        sa.CheckConstraint("status IN ('prepared', 'committed', 'cancelled')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(sa.ForeignKey("schemes.id", ondelete="RESTRICT"))
    window_id: Mapped[int] = mapped_column(
        sa.ForeignKey("windows.id", ondelete="RESTRICT"), index=True)
    method: Mapped[str] = mapped_column(sa.String(30))
    lottery_seed: Mapped[str] = mapped_column(sa.String(64))
    # What was divided: per line (or category) the money available when the run was made.
    available: Mapped[dict] = mapped_column(sa.JSON)
    # The candidates as the method saw them, so the run can be recomputed and explained.
    inputs: Mapped[list] = mapped_column(sa.JSON)
    # Praktijkleren: the exact rate per category as "numerator/denominator" cents.
    rates: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    lottery: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    status: Mapped[RunStatus] = mapped_column(sa.String(20), default=RunStatus.PREPARED)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="")

    scheme: Mapped[Scheme] = relationship()
    window: Mapped[Window] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])

    @property
    def status_label(self) -> str:
        return RUN_STATUS_LABELS[RunStatus(self.status)]
    results: Mapped[list["AllocationResult"]] = relationship(
        back_populates="run", order_by="AllocationResult.id")


class AllocationResult(db.Model):
    __tablename__ = "allocation_results"
    __table_args__ = (
        sa.UniqueConstraint("run_id", "application_id"),
        sa.CheckConstraint("amount_cents >= 0", name="amount"),
        sa.CheckConstraint("outcome IN ('approved', 'rejected', 'settled', 'ineligible')",
                           name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("allocation_runs.id", ondelete="RESTRICT"))
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="RESTRICT"), index=True)
    rank: Mapped[int | None]
    outcome: Mapped[str] = mapped_column(sa.String(20))
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    amounts: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    lottery_position: Mapped[int | None]

    run: Mapped[AllocationRun] = relationship(back_populates="results")
    application: Mapped[Application] = relationship()
