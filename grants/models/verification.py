"""What `flask grants verify`, the finance page and the nightly check found when they recomputed
the record (grants.services.verification): kept, so that an auditor sees since when the record
has been checked clean, and when and where a drift was first seen."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.database import UTCDateTime
from grants.extensions import db
from grants.i18n import N_
from grants.models.columns import enum_type
from grants.models.users import User


class VerificationOrigin(StrEnum):
    PAGE = "page"  # "Nu controleren" on the finance page, by the user logged in
    CLI = "cli"  # `flask grants verify`, by the user given with --as, if any
    NIGHTLY = "nightly"  # the worker's periodic run at 03:00 Amsterdam time


VERIFICATION_ORIGIN_LABELS = {
    VerificationOrigin.PAGE: N_("op de pagina"),
    VerificationOrigin.CLI: N_("opdrachtregel"),
    VerificationOrigin.NIGHTLY: N_("nachtelijke controle"),
}


class VerificationRun(db.Model):
    __tablename__ = "verification_runs"
    __table_args__ = (
        sa.CheckConstraint("clean = (finding_count = 0)", name="clean"),
        sa.CheckConstraint("finding_count >= 0", name="finding_count"),
        sa.CheckConstraint("origin <> 'page' OR run_by_id IS NOT NULL", name="page_user"),
        sa.CheckConstraint("finished_at >= started_at", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    origin: Mapped[VerificationOrigin] = mapped_column(enum_type(VerificationOrigin, "origin"))
    # Nobody for the nightly run, nor for the command run without --as.
    run_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    # How many records of each kind were recomputed.
    lines_checked: Mapped[int]
    applications_checked: Mapped[int]
    decisions_checked: Mapped[int]
    payment_runs_checked: Mapped[int]
    # [{"kind", "record_id", "record", "check", "unit", "recorded", "recomputed", "message"}]:
    # what was found, the stored and the recomputed figure, and the finding in Dutch.
    findings: Mapped[list] = mapped_column(sa.JSON, default=list)
    finding_count: Mapped[int]
    clean: Mapped[bool]

    run_by: Mapped[User | None] = relationship()

    @property
    def origin_label(self) -> str:
        return VERIFICATION_ORIGIN_LABELS[self.origin]

    @property
    def records_checked(self) -> int:
        return (self.lines_checked + self.applications_checked + self.decisions_checked
                + self.payment_runs_checked)
