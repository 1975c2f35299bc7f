"""objections: late ones recorded (Awb 6:7, 6:11), the decision term extended once (Awb 7:10)

Revision ID: d8f3a1c6e925
Revises: c5d81f2a7b64
Create Date: 2026-11-29 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d8f3a1c6e925"
down_revision = "c5d81f2a7b64"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("late", sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column("lateness_excused", sa.Text(), server_default="",
                                      nullable=False))
        batch_op.add_column(sa.Column("extended_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("extension_reason", sa.Text(), server_default="",
                                      nullable=False))


def downgrade():
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.drop_column("extension_reason")
        batch_op.drop_column("extended_at")
        batch_op.drop_column("lateness_excused")
        batch_op.drop_column("late")
