"""objection costs (Awb 7:15): the amount awarded to the applicant for professional help

Revision ID: b2e5c8a1d300
Revises: a13e0c7d4f01
Create Date: 2026-12-21 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b2e5c8a1d300"
down_revision = "a13e0c7d4f01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("objections") as batch:
        batch.add_column(sa.Column("costs_cents", sa.BigInteger(), nullable=True))
        batch.create_check_constraint("costs_not_negative",
                                      "costs_cents IS NULL OR costs_cents >= 0")


def downgrade():
    with op.batch_alter_table("objections") as batch:
        batch.drop_constraint("costs_not_negative", type_="check")
        batch.drop_column("costs_cents")
