"""letters on every core: each decision's letter leased by the worker rendering it

Revision ID: c4a0e1f2a016
Revises: c4a0e1f2a014
Create Date: 2026-12-07 10:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4a0e1f2a016"
down_revision = "c4a0e1f2a014"
branch_labels = None
depends_on = None


# Plain ADD/DROP COLUMN: on SQLite a batch rebuild of decisions would drop its guard triggers
# (see 6d3c15104e77), and the guard lets these columns change only while no letter is stored.
def upgrade():
    op.add_column("decisions", sa.Column("leased_by", sa.String(length=200), server_default="",
                                         nullable=False))
    op.add_column("decisions", sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column("decisions", "leased_until")
    op.drop_column("decisions", "leased_by")
