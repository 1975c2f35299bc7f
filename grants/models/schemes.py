from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.database import UTCDateTime, utcnow
from grants.extensions import db
from grants.i18n import N_
from grants.models.columns import enum_type

if TYPE_CHECKING:
    pass


class Ministry(StrEnum):
    SZW = "SZW"
    OCW = "OCW"


MINISTRY_NAMES = {
    Ministry.SZW: N_("Ministerie van Sociale Zaken en Werkgelegenheid"),
    Ministry.OCW: N_("Ministerie van Onderwijs, Cultuur en Wetenschap"),
}


class PlaceCategory(StrEnum):
    """Praktijkleren student categories, each with its own ceiling per study year."""

    VMBO = "vmbo"
    MBO = "mbo"
    HBO = "hbo"
    PROMOVENDUS = "promovendus"


# The categories' names in budget line names and on the ceiling forms.
CATEGORY_NAMES = {
    PlaceCategory.VMBO: "vmbo", PlaceCategory.MBO: "mbo (bbl)", PlaceCategory.HBO: "hbo",
    PlaceCategory.PROMOVENDUS: "promovendi en toio's",
}


class Scheme(db.Model):
    """A subsidy regulation. Its rules are data here so an admin can change them."""

    __tablename__ = "schemes"
    __table_args__ = (sa.CheckConstraint("decision_term_weeks > 0", name="decision_term"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    ministry: Mapped[Ministry] = mapped_column(enum_type(Ministry, "ministry"))
    legal_basis: Mapped[str] = mapped_column(sa.Text)
    # What the letters name (Awb 3:46-3:47): the formal statutory basis the regulation rests
    # on, the regulation's article per ground of a decision ("grant", "eligibility", "ceiling",
    # …), and whom the applicant may ask about a letter ({"name", "phone", "email"}).
    statutory_basis: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    articles: Mapped[dict] = mapped_column(sa.JSON, default=dict, server_default=sa.text("'{}'"))
    contact: Mapped[dict] = mapped_column(sa.JSON, default=dict, server_default=sa.text("'{}'"))
    decision_term_weeks: Mapped[int]
    reference_prefix: Mapped[str] = mapped_column(sa.String(8), unique=True)
    # Parameters of the scheme's rules (terms, percentages, amounts in cents) that an admin can
    # change; which keys a scheme has is defined by its module in grants.workflows.
    rules: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    windows: Mapped[list["Window"]] = relationship(
        back_populates="scheme", order_by="Window.opens_at", cascade="all, delete-orphan"
    )

    @property
    def ministry_name(self) -> str:
        return MINISTRY_NAMES[self.ministry]


class Window(db.Model):
    """An application window (aanvraagtijdvak).

    ``closes_at`` is the last instant at which an application is on time. Its ceiling
    (subsidieplafond) is that of its budget line, or for praktijkleren of one line per category:
    the ledger counts every euro against the line, so the line is the one place a ceiling lives.
    """

    __tablename__ = "windows"
    __table_args__ = (
        sa.UniqueConstraint("scheme_id", "code"),
        sa.CheckConstraint("closes_at > opens_at", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(sa.ForeignKey("schemes.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(200))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Where the figures come from (a Staatscourant reference), or that they are a house default.
    source: Mapped[str] = mapped_column(sa.Text, default="")

    scheme: Mapped[Scheme] = relationship(back_populates="windows")
    # Named, not imported: budget lines know their window (grants.models.budgets imports this
    # module), so the window reaches its lines through the mapper registry only.
    lines = relationship("BudgetLine", back_populates="window", order_by="BudgetLine.id")

    @property
    def categories(self) -> list:
        """The per-category lines (praktijkleren); empty for a window with one ceiling."""
        return [line for line in self.lines if line.category is not None]

    @property
    def ceiling_cents(self) -> int:
        return sum(line.ceiling_cents for line in self.lines)

    total_ceiling_cents = ceiling_cents

    def line_for(self, category: "PlaceCategory | None" = None):
        return next(line for line in self.lines if line.category == category)

    @property
    def amendments(self) -> list:
        return sorted((a for line in self.lines for a in line.amendments), key=lambda a: a.id)


class RuleVersion(db.Model):
    """A frozen copy of the rules an application was submitted under, shared by content.

    Later amendments of the scheme or its window make a new version; applications in flight keep
    theirs.
    """

    __tablename__ = "rule_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(sa.ForeignKey("schemes.id", ondelete="RESTRICT"))
    window_id: Mapped[int] = mapped_column(sa.ForeignKey("windows.id", ondelete="RESTRICT"))
    digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    rules: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
