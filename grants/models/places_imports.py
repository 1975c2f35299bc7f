"""A large places CSV uploaded on the applicant's page, imported by a job (grants.jobs.places).

The file waits here, in the database like an attachment (so a worker on another machine reads
it, and it is backed up and scoped like its application), until the job has read it; then its
bytes are dropped: the places are on the application, or the refusal says what was wrong.
"""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from grants.database import UTCDateTime
from grants.extensions import db
from grants.i18n import N_
from grants.models.applications import Application
from grants.models.columns import enum_type
from grants.models.users import User


class PlacesImportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"  # the places are imported
    REFUSED = "refused"  # nothing imported: the file (or the application's state) did not allow it
    FAILED = "failed"  # nothing imported: the job broke off on an error of ours


FINISHED_IMPORT_STATUSES = (PlacesImportStatus.DONE, PlacesImportStatus.REFUSED,
                            PlacesImportStatus.FAILED)

PLACES_IMPORT_STATUS_LABELS = {
    PlacesImportStatus.QUEUED: N_("In de wachtrij"),
    PlacesImportStatus.RUNNING: N_("Wordt ingelezen"),
    PlacesImportStatus.DONE: N_("Ingelezen"),
    PlacesImportStatus.REFUSED: N_("Niet ingelezen"),
    PlacesImportStatus.FAILED: N_("Mislukt"),
}


class PlacesImport(db.Model):
    __tablename__ = "places_imports"
    __table_args__ = (
        sa.CheckConstraint("total_bytes > 0", name="total_bytes"),
        sa.CheckConstraint("bytes_read >= 0 AND bytes_read <= total_bytes", name="bytes_read"),
        sa.CheckConstraint("lines_read >= 0", name="lines_read"),
        sa.CheckConstraint("status <> 'done' OR (imported IS NOT NULL AND lines IS NOT NULL "
                           "AND requested_cents IS NOT NULL)", name="done_result"),
        sa.CheckConstraint("status <> 'refused' OR refusal IS NOT NULL", name="refused_reason"),
        sa.CheckConstraint("(finished_at IS NULL) = (status IN ('queued', 'running'))",
                           name="finished"),
        sa.Index("ix_places_imports_application_id_created_at", "application_id",
                 "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="RESTRICT"))
    # The applicant who uploaded it: the import runs with their rights.
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    # The sender's file name, reduced to safe characters; only ever shown.
    filename: Mapped[str] = mapped_column(sa.String(160), default="")
    # The file as uploaded, until the job has read it.
    content: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    total_bytes: Mapped[int]
    status: Mapped[PlacesImportStatus] = mapped_column(
        enum_type(PlacesImportStatus, "status"), default=PlacesImportStatus.QUEUED)
    # How far the job has read (written every so often while it reads).
    lines_read: Mapped[int] = mapped_column(default=0)
    bytes_read: Mapped[int] = mapped_column(default=0)
    # A refusal as the import's service gave it: {"message", "fields": {"line 3": [...]},
    # "status"}; "failed" keeps a message too.
    refusal: Mapped[dict | None] = mapped_column(sa.JSON)
    # When done: the data lines read, the places imported, the requested amount after, and
    # the full places per category ("1.5") as the import counted them.
    lines: Mapped[int | None]
    imported: Mapped[int | None]
    requested_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    fractions: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # One worker at a time reads the file: it holds the lease, renewed with every progress
    # write; a worker that died leaves a lease that runs out, and the import is taken up again.
    worker: Mapped[str] = mapped_column(sa.String(200), default="")
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[Application] = relationship()
    user: Mapped[User] = relationship()

    @property
    def status_label(self) -> str:
        return PLACES_IMPORT_STATUS_LABELS[self.status]

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_IMPORT_STATUSES

    @property
    def percent(self) -> int:
        """How much of the file is read, in whole percents (rounded down)."""
        if self.status == PlacesImportStatus.DONE:
            return 100
        return min(100, 100 * self.bytes_read // self.total_bytes) if self.total_bytes else 0
