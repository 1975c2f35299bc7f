"""The action book (actieboek Techniekpact): the programme's actions, each with its concrete
steps, the evidence of what was done and the schemes and budgets that fund it. Programme staff
keep it; the public pages under /voortgang/acties show it. Every change writes an ActionEvent,
append-only like the admin's log."""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from grants.database import UTCDateTime
from grants.extensions import db
from grants.i18n import N_
from grants.models.budgets import Budget
from grants.models.columns import enum_type
from grants.models.organisations import Region
from grants.models.schemes import Scheme
from grants.models.users import User


class ActionTheme(StrEnum):
    """The Techniekpact's lines of work: choosing technology, learning it, working in it, and
    the regional pacts that carry the national measures into each landsdeel."""

    KIEZEN = "kiezen"
    LEREN = "leren"
    WERKEN = "werken"
    REGIONAAL = "regionaal"


ACTION_THEME_LABELS = {
    ActionTheme.KIEZEN: N_("Kiezen voor techniek"),
    ActionTheme.LEREN: N_("Leren in de techniek"),
    ActionTheme.WERKEN: N_("Werken in de techniek"),
    ActionTheme.REGIONAAL: N_("Regionale techniekpacten"),
}


class ActionKind(StrEnum):
    NATIONAL = "national"
    REGIONAL = "regional"


ACTION_KIND_LABELS = {
    ActionKind.NATIONAL: N_("Landelijke maatregel"),
    ActionKind.REGIONAL: N_("Regionaal techniekpact"),
}


class ActionStatus(StrEnum):
    NOT_STARTED = "not_started"
    ON_SCHEDULE = "on_schedule"
    DELAYED = "delayed"
    DONE = "done"


ACTION_STATUS_LABELS = {
    ActionStatus.NOT_STARTED: N_("Nog niet begonnen"),
    ActionStatus.ON_SCHEDULE: N_("Op schema"),
    ActionStatus.DELAYED: N_("Vertraagd"),
    ActionStatus.DONE: N_("Afgerond"),
}


class ActionEventKind(StrEnum):
    ACTION_CREATED = "action_created"
    ACTION_CHANGED = "action_changed"
    STEP_ADDED = "step_added"
    STEP_DONE = "step_done"
    EVIDENCE_ADDED = "evidence_added"


ACTION_EVENT_LABELS = {
    ActionEventKind.ACTION_CREATED: N_("Actie aangemaakt"),
    ActionEventKind.ACTION_CHANGED: N_("Actie gewijzigd"),
    ActionEventKind.STEP_ADDED: N_("Stap toegevoegd"),
    ActionEventKind.STEP_DONE: N_("Stap afgerond"),
    ActionEventKind.EVIDENCE_ADDED: N_("Bewijsstuk toegevoegd"),
}

action_schemes = sa.Table(
    "action_schemes", db.metadata,
    sa.Column("action_id", sa.ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("scheme_id", sa.ForeignKey("schemes.id", ondelete="RESTRICT"), primary_key=True),
)

action_budgets = sa.Table(
    "action_budgets", db.metadata,
    sa.Column("action_id", sa.ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("budget_id", sa.ForeignKey("budgets.id", ondelete="RESTRICT"), primary_key=True),
)


class Action(db.Model):
    """One action of the work programme: a national measure, or a landsdeel's regional pact."""

    __tablename__ = "actions"
    __table_args__ = (
        # A regional pact belongs to exactly one landsdeel; a national measure to none.
        sa.CheckConstraint("(kind = 'regional') = (region IS NOT NULL)", name="region_of_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    theme: Mapped[ActionTheme] = mapped_column(enum_type(ActionTheme, "theme"), index=True)
    kind: Mapped[ActionKind] = mapped_column(enum_type(ActionKind, "kind"))
    region: Mapped[Region | None] = mapped_column(enum_type(Region, "region"), index=True)
    # The organisations and ministries responsible, as the work programme names them.
    parties: Mapped[list] = mapped_column(sa.JSON, default=list)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[ActionStatus] = mapped_column(enum_type(ActionStatus, "status"))
    # The demo's examples, so that nobody reads them as the programme's real actions.
    is_example: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    steps: Mapped[list["ActionStep"]] = relationship(
        back_populates="action", order_by=lambda: [ActionStep.due_on, ActionStep.id])
    evidence: Mapped[list["ActionEvidence"]] = relationship(
        back_populates="action", order_by="ActionEvidence.id")
    schemes: Mapped[list[Scheme]] = relationship(secondary=action_schemes,
                                                 order_by=Scheme.name)
    budgets: Mapped[list[Budget]] = relationship(secondary=action_budgets,
                                                 order_by=Budget.name)

    @property
    def theme_label(self) -> str:
        return ACTION_THEME_LABELS[self.theme]

    @property
    def kind_label(self) -> str:
        return ACTION_KIND_LABELS[self.kind]

    @property
    def status_label(self) -> str:
        return ACTION_STATUS_LABELS[self.status]


class ActionStep(db.Model):
    """A concrete step of an action with the date it is due, and the date it was done."""

    __tablename__ = "action_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(
        sa.ForeignKey("actions.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    due_on: Mapped[date]
    done_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    action: Mapped[Action] = relationship(back_populates="steps")

    def is_done_by(self, day: date) -> bool:
        return self.done_on is not None and self.done_on <= day

    def is_overdue(self, today: date) -> bool:
        # ``today`` may be a past report's day: a step done after it was still open then.
        return not self.is_done_by(today) and self.due_on < today


class ActionEvidence(db.Model):
    """What shows an action's progress (a report, an agreement, a web page): either a link to
    where it is published, or a PDF kept here and served to everyone on the public pages."""

    __tablename__ = "action_evidence"
    __table_args__ = (
        # A link or a document, never both and never neither; a document has all its facts.
        sa.CheckConstraint(
            "(url IS NOT NULL AND content IS NULL AND filename IS NULL AND content_type IS NULL"
            " AND size_bytes IS NULL AND sha256 IS NULL) OR (url IS NULL AND content IS NOT NULL"
            " AND filename IS NOT NULL AND content_type IS NOT NULL AND size_bytes > 0"
            " AND sha256 IS NOT NULL)", name="link_or_document"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(
        sa.ForeignKey("actions.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    url: Mapped[str | None] = mapped_column(sa.String(2000))
    # The uploader's file name, reduced to safe characters (it is part of the public URL).
    filename: Mapped[str | None] = mapped_column(sa.String(160))
    content_type: Mapped[str | None] = mapped_column(sa.String(100))
    size_bytes: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    content: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)

    action: Mapped[Action] = relationship(back_populates="evidence")

    @property
    def is_document(self) -> bool:
        return self.sha256 is not None


class ActionEvent(db.Model):
    """One change in the action book, append-only: the database refuses UPDATE and DELETE.

    ``changes`` maps each changed field to ``[old, new]`` in plain JSON (dates as ISO 8601,
    enums as their codes, schemes and budgets as their codes), so the history reads the same
    whatever the rows look like later.
    """

    __tablename__ = "action_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    action_id: Mapped[int] = mapped_column(
        sa.ForeignKey("actions.id", ondelete="RESTRICT"), index=True)
    step_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("action_steps.id", ondelete="RESTRICT"))
    evidence_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("action_evidence.id", ondelete="RESTRICT"))
    kind: Mapped[ActionEventKind] = mapped_column(enum_type(ActionEventKind, "kind"))
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor: Mapped[User] = relationship()
    step: Mapped[ActionStep | None] = relationship()
    evidence: Mapped[ActionEvidence | None] = relationship()

    @property
    def kind_label(self) -> str:
        return ACTION_EVENT_LABELS[self.kind]
