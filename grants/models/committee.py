"""The RIF committee's declarations of a conflict of interest (belangenverstrengeling).

A member who declares one for an application no longer sees it nor scores it, and the quorum
is counted over the other members. A declaration is final: it is never updated nor deleted.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.database import UTCDateTime
from grants.extensions import db
from grants.models.applications import Application
from grants.models.users import User


class CommitteeConflict(db.Model):
    __tablename__ = "committee_conflicts"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    application: Mapped[Application] = relationship()
    user: Mapped[User] = relationship()
