"""Days made equal to a recognised holiday for counting statutory terms (Algemene termijnenwet
art. 3), by royal decree published in the Staatscourant. The holidays the law names itself are
computed (grants.workflows.terms); these are kept by admins, each with its source."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grants.extensions import db


class StatutoryDayOff(db.Model):
    __tablename__ = "statutory_days_off"

    day: Mapped[date] = mapped_column(primary_key=True)
    # The decree that made it so (e.g. "Besluit van …, Stb. 2014, 123"), as the admin gave it.
    reason: Mapped[str] = mapped_column(sa.Text)
