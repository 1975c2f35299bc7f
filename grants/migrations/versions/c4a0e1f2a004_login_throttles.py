"""login throttles: one lockable row per account, client address and known device

Revision ID: c4a0e1f2a004
Revises: c4a0e1f2a003
Create Date: 2026-12-07 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4a0e1f2a004"
down_revision = "c4a0e1f2a003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("login_throttles",
    sa.Column("scope", sa.String(length=10), nullable=False),
    sa.Column("key", sa.String(length=254), nullable=False),
    sa.Column("failures", sa.Integer(), nullable=False),
    sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_login_throttles"))
    )


def downgrade():
    op.drop_table("login_throttles")
