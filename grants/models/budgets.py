from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.database import UTCDateTime, utcnow
from grants.extensions import db
from grants.models.columns import enum_type
from grants.models.schemes import Ministry, PlaceCategory, Scheme, Window
from grants.models.users import User


class Budget(db.Model):
    """A Techniekpact budget that finance tracks, with or without an applicant workflow."""

    __tablename__ = "budgets"
    __table_args__ = (
        sa.CheckConstraint("ceiling_cents >= 0", name="ceiling"),
        sa.CheckConstraint("ends_on >= starts_on", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    ministry: Mapped[Ministry] = mapped_column(enum_type(Ministry, "ministry"))
    ceiling_cents: Mapped[int] = mapped_column(sa.BigInteger)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    scheme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("schemes.id", ondelete="RESTRICT"))
    source: Mapped[str] = mapped_column(sa.Text, default="")

    scheme: Mapped[Scheme | None] = relationship()
    lines: Mapped[list["BudgetLine"]] = relationship(
        back_populates="budget", order_by="BudgetLine.id")


class CeilingAmendment(db.Model):
    """A change of a line's ceiling: the old value stays visible with the date and the reason."""

    __tablename__ = "ceiling_amendments"
    __table_args__ = (
        sa.CheckConstraint("old_ceiling_cents >= 0 AND new_ceiling_cents >= 0", name="amounts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(
        sa.ForeignKey("budget_lines.id", ondelete="RESTRICT"), index=True)
    old_ceiling_cents: Mapped[int] = mapped_column(sa.BigInteger)
    new_ceiling_cents: Mapped[int] = mapped_column(sa.BigInteger)
    reason: Mapped[str] = mapped_column(sa.Text)
    effective_on: Mapped[date]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    # Who approved an amendment an admin prepared (four eyes); empty for amendments an approved
    # allocation run makes (the RIF roll-over) and for those recorded before approvals existed.
    approved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))

    line: Mapped["BudgetLine"] = relationship(back_populates="amendments")
    recorded_by: Mapped["User | None"] = relationship(foreign_keys=[recorded_by_id])
    approved_by: Mapped["User | None"] = relationship(foreign_keys=[approved_by_id])


class BudgetLine(db.Model):
    """A part of a budget with its own ceiling: a window, a window's category, or a period.

    The balances are kept on the row, changed only together with a ledger entry, so that a
    balance is read, not summed; the CHECK constraints make over-commitment impossible even
    for a writer that bypassed the ledger service.
    """

    __tablename__ = "budget_lines"
    __table_args__ = (
        sa.UniqueConstraint("budget_id", "code"),
        sa.CheckConstraint(
            "ceiling_cents >= 0 AND reserved_cents >= 0 AND committed_cents >= 0 "
            "AND disbursed_cents >= 0 AND recovered_cents >= 0", name="not_negative"),
        sa.CheckConstraint("reserved_cents + committed_cents <= ceiling_cents", name="ceiling"),
        sa.CheckConstraint("disbursed_cents - recovered_cents <= committed_cents",
                           name="disbursed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(
        sa.ForeignKey("budgets.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(sa.String(60))
    name: Mapped[str] = mapped_column(sa.String(200))
    window_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("windows.id", ondelete="RESTRICT"), index=True)
    category: Mapped[PlaceCategory | None] = mapped_column(enum_type(PlaceCategory, "category"))
    ceiling_cents: Mapped[int] = mapped_column(sa.BigInteger)
    reserved_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    committed_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    disbursed_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    recovered_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    budget: Mapped[Budget] = relationship(back_populates="lines")
    window: Mapped[Window | None] = relationship(back_populates="lines")
    amendments: Mapped[list[CeilingAmendment]] = relationship(
        back_populates="line", order_by=CeilingAmendment.id)

    @property
    def remaining_cents(self) -> int:
        return self.ceiling_cents - self.reserved_cents - self.committed_cents

    @property
    def used_permille(self) -> int:
        """Reserved and committed as a share of the ceiling, in tenths of a percent."""
        if not self.ceiling_cents:
            return 0
        return (self.reserved_cents + self.committed_cents) * 1000 // self.ceiling_cents


class EntryKind(StrEnum):
    RESERVE = "reserve"
    COMMIT = "commit"
    RELEASE = "release"
    DISBURSE = "disburse"
    RECOVER = "recover"


class Bucket(StrEnum):
    """What a release gives back: a reservation or a commitment."""

    RESERVED = "reserved"
    COMMITTED = "committed"


class LedgerEntry(db.Model):
    """One movement of money on a line; append-only (the database refuses changes)."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        sa.CheckConstraint("amount_cents > 0", name="amount"),
        sa.CheckConstraint("(kind = 'release') = (bucket IS NOT NULL)", name="release_bucket"),
        sa.Index("ix_ledger_entries_line_id_at", "line_id", "at"),
        # What one application holds on one line: without it SQLite (which keeps no statistics
        # unless analysed) scans the whole line, which grows with every entry.
        sa.Index("ix_ledger_entries_application_id_line_id", "application_id", "line_id"),
        # The newest entries first (finance's overview), read backwards.
        sa.Index("ix_ledger_entries_at_id", "at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(sa.ForeignKey("budget_lines.id", ondelete="RESTRICT"))
    application_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="RESTRICT"))
    kind: Mapped[EntryKind] = mapped_column(enum_type(EntryKind, "kind"))
    bucket: Mapped[Bucket | None] = mapped_column(enum_type(Bucket, "bucket"))
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The trigger that caused it ("approve", …; its audit row has the same application and
    # time), or "manual" for an entry finance booked by hand.
    cause: Mapped[str] = mapped_column(sa.String(40))
    reason: Mapped[str] = mapped_column(sa.Text, default="")

    line: Mapped[BudgetLine] = relationship()
    actor: Mapped[User | None] = relationship()


class LedgerPeriod(db.Model):
    """What a line's reservations and commitments changed by in one period: written by the
    database itself, by a trigger on every INSERT into ledger_entries (which are append-only),
    so that the charts read one row per line and day instead of the whole ledger.

    A period is an Amsterdam day on PostgreSQL (``starts_at`` its midnight); SQLite knows no
    zones, so there it is an hour in UTC, which always falls within one Amsterdam day."""

    __tablename__ = "ledger_periods"

    line_id: Mapped[int] = mapped_column(
        sa.ForeignKey("budget_lines.id", ondelete="RESTRICT"), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    reserved_change_cents: Mapped[int] = mapped_column(sa.BigInteger)
    committed_change_cents: Mapped[int] = mapped_column(sa.BigInteger)
