"""Attachments (bijlagen): PDF documents an applicant adds to an application.

The bytes live in the database with their SHA-256, so a file is backed up, scoped and served
exactly like the application it belongs to; nothing an applicant sends is ever written to disk
under a name they chose.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from grants.database import UTCDateTime
from grants.extensions import db
from grants.models.applications import Application, ApplicationState, AuditEvent
from grants.models.columns import enum_type
from grants.models.users import User


class Attachment(db.Model):
    __tablename__ = "attachments"
    __table_args__ = (
        sa.CheckConstraint("size_bytes > 0", name="size"),
        sa.Index("ix_attachments_application_id_uploaded_at", "application_id", "uploaded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="RESTRICT"))
    # The sender's file name, reduced to safe characters; only ever shown and offered back.
    filename: Mapped[str] = mapped_column(sa.String(160))
    content_type: Mapped[str] = mapped_column(sa.String(100), default="application/pdf")
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    content: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary, nullable=False))
    # For schemes that ask for named documents (RIF: regional vision, action plan …).
    document_kind: Mapped[str | None] = mapped_column(sa.String(40))
    # Draft, or incomplete: sent with the answer to a request for information.
    uploaded_while: Mapped[ApplicationState] = mapped_column(
        enum_type(ApplicationState, "uploaded_while"))
    # The answer (provide_information) the attachment was sent with, once it is sent.
    answer_event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("audit_events.id", ondelete="RESTRICT"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))

    application: Mapped[Application] = relationship()
    answer_event: Mapped[AuditEvent | None] = relationship()
    uploaded_by: Mapped[User] = relationship()
