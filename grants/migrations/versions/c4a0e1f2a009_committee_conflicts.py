"""committee conflicts: a member who declares a conflict of interest neither sees nor scores the application

Revision ID: c4a0e1f2a009
Revises: c4a0e1f2a008
Create Date: 2026-12-06 23:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4a0e1f2a009"
down_revision = "c4a0e1f2a008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("committee_conflicts",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("application_id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("note", sa.Text(), server_default="", nullable=False),
    sa.ForeignKeyConstraint(["application_id"], ["applications.id"], name=op.f("fk_committee_conflicts_application_id_applications"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_committee_conflicts_user_id_users"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_conflicts")),
    sa.UniqueConstraint("application_id", "user_id", name=op.f("uq_committee_conflicts_application_id_user_id"))
    )
    with op.batch_alter_table("committee_conflicts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_committee_conflicts_application_id"), ["application_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_committee_conflicts_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("committee_conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_committee_conflicts_user_id"))
        batch_op.drop_index(batch_op.f("ix_committee_conflicts_application_id"))
    op.drop_table("committee_conflicts")
