from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.database import UTCDateTime
from grants.extensions import db
from grants.i18n import N_
from grants.models.applications import Application, Objection
from grants.models.budgets import LedgerEntry
from grants.models.columns import enum_type
from grants.models.schemes import Ministry
from grants.models.users import User


class PaymentRunStatus(StrEnum):
    """Four eyes (domain.md §4): one person prepares a run, another approves it."""

    PREPARED = "prepared"
    APPROVED = "approved"
    CANCELLED = "cancelled"


PAYMENT_RUN_STATUS_LABELS = {
    PaymentRunStatus.PREPARED: N_("voorbereid"),
    PaymentRunStatus.APPROVED: N_("goedgekeurd"),
    PaymentRunStatus.CANCELLED: N_("geannuleerd"),
}


class PaymentKind(StrEnum):
    ADVANCE = "advance"
    # Praktijkleren's direct settlement (directe vaststelling): the whole amount at once.
    SETTLEMENT = "settlement"
    # What a settlement of a grant leaves unpaid after the advances.
    BALANCE = "balance"
    # Costs of professional help reimbursed after an upheld objection (Awb 7:15).
    OBJECTION_COSTS = "objection_costs"


PAYMENT_KIND_LABELS = {
    PaymentKind.ADVANCE: N_("voorschot"),
    PaymentKind.SETTLEMENT: N_("vaststelling"),
    PaymentKind.BALANCE: N_("saldo na vaststelling"),
    PaymentKind.OBJECTION_COSTS: N_("proceskosten bezwaar"),
}


class PaymentRun(db.Model):
    """A batch of payments for one ministry, with its SEPA file once a second person approved.

    Prepared, the run only plans its lines: nothing is booked and there is no file. Approved,
    its lines are paid and the file is stored as it was handed out, with its SHA-256, so that
    what the bank received can always be shown again byte for byte.
    """

    __tablename__ = "payment_runs"
    __table_args__ = (
        sa.CheckConstraint("total_cents >= 0 AND line_count >= 0", name="totals"),
        sa.CheckConstraint("(status = 'approved') = (approved_at IS NOT NULL)", name="approved"),
        sa.CheckConstraint("(status = 'approved') = (sepa_xml IS NOT NULL)", name="sepa_file"),
        sa.CheckConstraint("(status = 'cancelled') = (cancelled_at IS NOT NULL)",
                           name="cancelled"),
        sa.CheckConstraint("approved_by_id IS NULL OR approved_by_id <> prepared_by_id",
                           name="four_eyes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ministry: Mapped[Ministry] = mapped_column(enum_type(Ministry, "ministry"))
    status: Mapped[PaymentRunStatus] = mapped_column(enum_type(PaymentRunStatus, "status"),
                                              default=PaymentRunStatus.PREPARED)
    # What fell due on or before this day is paid.
    due_on: Mapped[date] = mapped_column(sa.Date)
    # The requested execution date (pain.001 ReqdExctnDt), a TARGET2 business day: as planned
    # while prepared, fixed when approved.
    execution_on: Mapped[date] = mapped_column(sa.Date)
    debtor_name: Mapped[str] = mapped_column(sa.String(70))
    debtor_iban: Mapped[str] = mapped_column(sa.String(34))
    debtor_bic: Mapped[str] = mapped_column(sa.String(11))
    message_id: Mapped[str] = mapped_column(sa.String(35), unique=True)
    # The lines still held (planned, or paid once approved).
    line_count: Mapped[int]
    total_cents: Mapped[int] = mapped_column(sa.BigInteger)
    sepa_xml: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    sepa_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    # Applications left out when the run was prepared, with why:
    # [{"application", "reference", "reason"}].
    skipped: Mapped[list] = mapped_column(sa.JSON, default=list)
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime)
    prepared_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # None with approved_at set: a run paid at once by one person before four eyes existed.
    approved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    prepared_by: Mapped[User] = relationship(foreign_keys=[prepared_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])
    lines: Mapped[list["PaymentLine"]] = relationship(
        back_populates="run", order_by="PaymentLine.id")

    @property
    def status_label(self) -> str:
        return PAYMENT_RUN_STATUS_LABELS[self.status]


class PaymentLine(db.Model):
    """One payment of a run: an advance instalment (or what was left of it), a settlement, a
    balance after settlement, or an objection's costs.

    ``held`` is true while the line keeps its payable (planned in a prepared run, or paid) and
    NULL once released (its run cancelled, or the payable gone when the run was approved), so
    the payable is free for another run. ``paid_through_cents`` is what the application has
    been paid of that kind including this line; it only grows, so two lines that would pay the
    same money cannot both be held: the unique constraints refuse the second, whatever the run.
    Objection costs are no subsidy money: they are booked on no budget line and have no ledger
    entry; their line, unique per objection, is the record that they were paid.
    """

    __tablename__ = "payment_lines"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "kind", "paid_through_cents", "held"),
        sa.UniqueConstraint("objection_id", "held"),
        sa.CheckConstraint("amount_cents > 0", name="amount"),
        sa.CheckConstraint("instalment > 0", name="instalment"),
        sa.CheckConstraint("(kind = 'advance') = (instalment IS NOT NULL)",
                           name="advance_instalment"),
        sa.CheckConstraint("(kind = 'objection_costs') = (objection_id IS NOT NULL)",
                           name="costs_objection"),
        sa.CheckConstraint("held IS NULL OR held = true", name="held_or_released"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        sa.ForeignKey("payment_runs.id", ondelete="RESTRICT"), index=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="RESTRICT"))
    kind: Mapped[PaymentKind] = mapped_column(enum_type(PaymentKind, "kind"),
                                              default=PaymentKind.ADVANCE)
    objection_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("objections.id", ondelete="RESTRICT"))
    instalment: Mapped[int | None]
    instalment_count: Mapped[int | None]
    # When the payable fell due: the instalment's day, the settlement's or the objection's
    # decision day.
    due_on: Mapped[date] = mapped_column(sa.Date)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    paid_through_cents: Mapped[int] = mapped_column(sa.BigInteger)
    creditor_name: Mapped[str] = mapped_column(sa.String(200))
    creditor_iban: Mapped[str] = mapped_column(sa.String(34))
    remittance: Mapped[str] = mapped_column(sa.String(140))
    end_to_end_id: Mapped[str] = mapped_column(sa.String(35), unique=True)
    held: Mapped[bool | None] = mapped_column(default=True)
    # Why the line was released when its run was approved (nothing when cancelled: the run
    # says why).
    release_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # The disburse entry booked when approved (the first, where a settlement is paid on
    # several budget lines); none for objection costs.
    ledger_entry_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ledger_entries.id", ondelete="RESTRICT"))

    run: Mapped[PaymentRun] = relationship(back_populates="lines")
    application: Mapped[Application] = relationship()
    objection: Mapped[Objection | None] = relationship()
    ledger_entry: Mapped[LedgerEntry | None] = relationship()

    @property
    def kind_label(self) -> str:
        return PAYMENT_KIND_LABELS[self.kind]
