from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.database import UTCDateTime, utcnow
from grants.extensions import db
from grants.models.columns import enum_type
from grants.models.organisations import Organisation, Region
from grants.models.schemes import Scheme, Window
from grants.models.users import User


class ApplicationState(StrEnum):
    """Every state of the three lifecycles in domain.md §5; each scheme uses its own subset."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    INCOMPLETE = "incomplete"
    UNPROCESSED = "unprocessed"
    IN_ASSESSMENT = "in_assessment"
    ASSESSED = "assessed"
    VALIDATED = "validated"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    MONITORED = "monitored"
    SETTLEMENT_REQUESTED = "settlement_requested"
    SETTLED = "settled"
    PAID = "paid"
    CLOSED = "closed"


STATE_LABELS = {
    ApplicationState.DRAFT: "Concept",
    ApplicationState.SUBMITTED: "Ingediend",
    ApplicationState.INCOMPLETE: "Onvolledig",
    ApplicationState.UNPROCESSED: "Buiten behandeling",
    ApplicationState.IN_ASSESSMENT: "In beoordeling",
    ApplicationState.ASSESSED: "Beoordeeld",
    ApplicationState.VALIDATED: "Gevalideerd",
    ApplicationState.APPROVED: "Verleend",
    ApplicationState.REJECTED: "Afgewezen",
    ApplicationState.WITHDRAWN: "Ingetrokken",
    ApplicationState.MONITORED: "In uitvoering",
    ApplicationState.SETTLEMENT_REQUESTED: "Vaststelling aangevraagd",
    ApplicationState.SETTLED: "Vastgesteld",
    ApplicationState.PAID: "Betaald",
    ApplicationState.CLOSED: "Afgesloten",
}


class Application(db.Model):
    __tablename__ = "applications"
    __table_args__ = (
        sa.CheckConstraint("requested_cents >= 0", name="requested"),
        sa.Index("ix_applications_scheme_window_state", "scheme_id", "window_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(40), unique=True)
    scheme_id: Mapped[int] = mapped_column(sa.ForeignKey("schemes.id", ondelete="RESTRICT"))
    window_id: Mapped[int] = mapped_column(sa.ForeignKey("windows.id", ondelete="RESTRICT"))
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    region: Mapped[Region] = mapped_column(enum_type(Region, "region"))
    title: Mapped[str] = mapped_column(sa.String(300))
    state: Mapped[ApplicationState] = mapped_column(
        enum_type(ApplicationState, "state"), default=ApplicationState.DRAFT
    )
    requested_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    # Optimistic lock: an UPDATE that finds another version changed nothing and is refused.
    version: Mapped[int] = mapped_column(default=1)

    scheme: Mapped[Scheme] = relationship()
    window: Mapped[Window] = relationship()
    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]
