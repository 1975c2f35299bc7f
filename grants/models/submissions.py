"""What the applicant sent, as it was sent: the application's data at each submission and each
answer to a request for information, frozen, so the applicant (and anyone later) can see and
print exactly what was received, not what the editable fields say today.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.database import UTCDateTime
from grants.extensions import db
from grants.models.applications import Application, AuditEvent


class Submission(db.Model):
    """One frozen copy, written in the same transaction as the audit row it belongs to."""

    __tablename__ = "submissions"
    __table_args__ = (
        sa.CheckConstraint("requested_cents >= 0", name="requested"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="RESTRICT"), index=True)
    # The submit or provide_information firing that sent it; one copy per firing.
    audit_event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("audit_events.id", ondelete="RESTRICT"), unique=True)
    trigger: Mapped[str] = mapped_column(sa.String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[str] = mapped_column(sa.String(300))
    requested_cents: Mapped[int] = mapped_column(sa.BigInteger)
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # The attachments on file at that moment: [{"id", "filename", "size_bytes", "sha256",
    # "document_kind"}]; kept here so a name and hash survive whatever happens to the file.
    attachments: Mapped[list] = mapped_column(sa.JSON, default=list)

    application: Mapped[Application] = relationship()
    audit_event: Mapped[AuditEvent] = relationship()
