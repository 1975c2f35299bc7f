"""every payable paid in a payment run, four eyes on payment runs, TARGET2 execution dates

Revision ID: b2e5c8a1d302
Revises: b2e5c8a1d301
Create Date: 2026-12-21 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b2e5c8a1d302"
down_revision = "b2e5c8a1d301"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
