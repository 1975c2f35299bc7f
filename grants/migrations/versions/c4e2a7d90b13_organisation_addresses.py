"""organisation addresses: the postal address decision letters are sent to

Revision ID: c4e2a7d90b13
Revises: 6d3c15104e77
Create Date: 2026-11-29 19:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4e2a7d90b13"
down_revision = "6d3c15104e77"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organisations") as batch_op:
        batch_op.add_column(sa.Column("address", sa.String(length=200), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("postcode", sa.String(length=7), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("city", sa.String(length=100), nullable=False,
                                      server_default=""))


def downgrade():
    with op.batch_alter_table("organisations") as batch_op:
        batch_op.drop_column("city")
        batch_op.drop_column("postcode")
        batch_op.drop_column("address")
