"""grant reports: the progress and final reports a grant asks for; report reminders by mail;
RIF grants lowered or ended (a decision of its own kind)

Revision ID: d9a4e6b1c372
Revises: e41b7c9d2f05
Create Date: 2026-12-02 10:00:00.000000

"""
import importlib.util
from pathlib import Path

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d9a4e6b1c372"
down_revision = "e41b7c9d2f05"
branch_labels = None
depends_on = None

MAIL_KINDS = ("receipt", "information_requested", "decision", "repair_due", "decision_due")
REPORT_MAIL_KINDS = ("report_due", "report_overdue")


def _mail_kind(kinds):
    return sa.Enum(*kinds, name="kind", native_enum=False, create_constraint=True, length=29)


def _change_mail_kinds(old, new):
    # The enum's CHECK constraint names the kinds; batch mode rebuilds it on SQLite too.
    with op.batch_alter_table("outgoing_mail", schema=None, recreate="always") as batch_op:
        batch_op.alter_column("kind", existing_type=_mail_kind(old), type_=_mail_kind(new),
                              existing_nullable=False)

DECISION_KINDS = ("grant", "rejection", "not_processed", "direct_settlement", "settlement",
                  "recovery", "objection")
NEW_DECISION_KINDS = ("amendment",)


def _decision_letters():
    """The migration that guards the decisions table with triggers: rebuilding the table under
    SQLite drops them, so they are taken down and put back around the change."""
    path = Path(__file__).with_name("6d3c15104e77_decision_letters.py")
    spec = importlib.util.spec_from_file_location("decision_letters_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _decision_kind(kinds):
    return sa.Enum(*kinds, name="kind", native_enum=False, create_constraint=True, length=25)


def _change_decision_kinds(old, new):
    guards = _decision_letters()
    guards._unguard_decisions()
    with op.batch_alter_table("decisions", schema=None, recreate="always") as batch_op:
        batch_op.alter_column("kind", existing_type=_decision_kind(old),
                              type_=_decision_kind(new), existing_nullable=False)
    guards._guard_decisions()


def upgrade():
    op.create_table("grant_reports",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("application_id", sa.Integer(), nullable=False),
    sa.Column("sequence", sa.Integer(), nullable=False),
    sa.Column("kind", sa.Enum("progress", "final", name="kind", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("title", sa.String(length=200), nullable=False),
    sa.Column("due_on", sa.Date(), nullable=False),
    sa.Column("status", sa.Enum("due", "submitted", "accepted", "sent_back", name="status", native_enum=False, create_constraint=True, length=17), nullable=False),
    sa.Column("note", sa.Text(), nullable=False),
    sa.Column("attachment_id", sa.Integer(), nullable=True),
    sa.Column("claimed_cents", sa.BigInteger(), nullable=True),
    sa.Column("statement_attachment_id", sa.Integer(), nullable=True),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("submitted_by_id", sa.Integer(), nullable=True),
    sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
    sa.Column("review_reason", sa.Text(), nullable=False),
    sa.CheckConstraint("claimed_cents IS NULL OR claimed_cents >= 0", name=op.f("ck_grant_reports_claimed")),
    sa.ForeignKeyConstraint(["application_id"], ["applications.id"], name=op.f("fk_grant_reports_application_id_applications"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["attachment_id"], ["attachments.id"], name=op.f("fk_grant_reports_attachment_id_attachments"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["statement_attachment_id"], ["attachments.id"], name=op.f("fk_grant_reports_statement_attachment_id_attachments"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["submitted_by_id"], ["users.id"], name=op.f("fk_grant_reports_submitted_by_id_users"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["reviewed_by_id"], ["users.id"], name=op.f("fk_grant_reports_reviewed_by_id_users"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_grant_reports")),
    sa.UniqueConstraint("application_id", "sequence", name=op.f("uq_grant_reports_application_id_sequence"))
    )
    with op.batch_alter_table("grant_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grant_reports_application_id"), ["application_id"], unique=False)
        batch_op.create_index("ix_grant_reports_status_due_on", ["status", "due_on"], unique=False)
    _change_mail_kinds(MAIL_KINDS, MAIL_KINDS + REPORT_MAIL_KINDS)
    _change_decision_kinds(DECISION_KINDS, DECISION_KINDS + NEW_DECISION_KINDS)


def downgrade():
    _change_decision_kinds(DECISION_KINDS + NEW_DECISION_KINDS, DECISION_KINDS)
    op.execute("DELETE FROM outgoing_mail WHERE kind IN ('report_due', 'report_overdue')")
    _change_mail_kinds(MAIL_KINDS + REPORT_MAIL_KINDS, MAIL_KINDS)
    with op.batch_alter_table("grant_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_grant_reports_status_due_on")
        batch_op.drop_index(batch_op.f("ix_grant_reports_application_id"))
    op.drop_table("grant_reports")
