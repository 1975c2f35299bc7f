from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.database import UTCDateTime
from grants.extensions import db
from grants.models.applications import Application
from grants.models.budgets import LedgerEntry
from grants.models.columns import enum_type
from grants.models.schemes import Ministry
from grants.models.users import User


class PaymentRun(db.Model):
    """A committed batch of advance instalments for one ministry, with its SEPA file.

    The file is stored as it was handed out, with its SHA-256, so that what the bank received
    can always be shown again byte for byte.
    """

    __tablename__ = "payment_runs"
    __table_args__ = (
        sa.CheckConstraint("total_cents >= 0 AND line_count >= 0", name="totals"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ministry: Mapped[Ministry] = mapped_column(enum_type(Ministry, "ministry"))
    # Instalments due on or before this day were paid.
    due_on: Mapped[date] = mapped_column(sa.Date)
    execution_on: Mapped[date] = mapped_column(sa.Date)
    debtor_name: Mapped[str] = mapped_column(sa.String(70))
    debtor_iban: Mapped[str] = mapped_column(sa.String(34))
    debtor_bic: Mapped[str] = mapped_column(sa.String(11))
    message_id: Mapped[str] = mapped_column(sa.String(35), unique=True)
    line_count: Mapped[int]
    total_cents: Mapped[int] = mapped_column(sa.BigInteger)
    sepa_xml: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sepa_sha256: Mapped[str] = mapped_column(sa.String(64))
    # Applications left out of the run, with why: [{"application", "reference", "reason"}].
    skipped: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))

    created_by: Mapped[User] = relationship()
    lines: Mapped[list["PaymentLine"]] = relationship(
        back_populates="run", order_by="PaymentLine.id")


class PaymentLine(db.Model):
    """One instalment (or what was left of it) paid.

    ``paid_through_cents`` is the application's advances paid including this line. It only
    grows, so two runs that computed the same payment cannot both store it: the unique
    constraint refuses the second, whatever the run.
    """

    __tablename__ = "payment_lines"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "paid_through_cents"),
        sa.CheckConstraint("amount_cents > 0", name="amount"),
        sa.CheckConstraint("instalment > 0", name="instalment"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        sa.ForeignKey("payment_runs.id", ondelete="RESTRICT"), index=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="RESTRICT"))
    instalment: Mapped[int]
    instalment_count: Mapped[int]
    due_on: Mapped[date] = mapped_column(sa.Date)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    paid_through_cents: Mapped[int] = mapped_column(sa.BigInteger)
    creditor_name: Mapped[str] = mapped_column(sa.String(200))
    creditor_iban: Mapped[str] = mapped_column(sa.String(34))
    remittance: Mapped[str] = mapped_column(sa.String(140))
    ledger_entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ledger_entries.id", ondelete="RESTRICT"))

    run: Mapped[PaymentRun] = relationship(back_populates="lines")
    application: Mapped[Application] = relationship()
    ledger_entry: Mapped[LedgerEntry] = relationship()
