from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models.columns import enum_type
from grants.models.schemes import Ministry, Scheme


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
