"""submissions: what the applicant sent, frozen at each submit and each answer

Revision ID: c4a0e1f2a003
Revises: c4a0e1f2a002
Create Date: 2026-12-06 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4a0e1f2a003"
down_revision = "c4a0e1f2a002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("submissions",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("application_id", sa.Integer(), nullable=False),
    sa.Column("audit_event_id", sa.Integer(), nullable=False),
    sa.Column("trigger", sa.String(length=40), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("title", sa.String(length=300), nullable=False),
    sa.Column("requested_cents", sa.BigInteger(), nullable=False),
    sa.Column("details", sa.JSON(), nullable=False),
    sa.Column("attachments", sa.JSON(), nullable=False),
    sa.CheckConstraint("requested_cents >= 0", name=op.f("ck_submissions_requested")),
    sa.ForeignKeyConstraint(["application_id"], ["applications.id"], name=op.f("fk_submissions_application_id_applications"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["audit_event_id"], ["audit_events.id"], name=op.f("fk_submissions_audit_event_id_audit_events"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
    sa.UniqueConstraint("audit_event_id", name=op.f("uq_submissions_audit_event_id"))
    )
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submissions_application_id"), ["application_id"], unique=False)


def downgrade():
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submissions_application_id"))
    op.drop_table("submissions")
