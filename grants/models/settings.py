"""Facts about the installation itself, one row per key (e.g. that this is a demo database)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grants.database import UTCDateTime, utcnow
from grants.extensions import db

# Written by `flask grants demo` into a database that held nothing but demo data: only there
# may it give accounts the passwords it prints.
DEMO_DATABASE = "demo_database"


class Setting(db.Model):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
