"""objections complete: paper objections registered by staff, the hearing (Awb 7:2)

Revision ID: b2e5c8a1d301
Revises: b2e5c8a1d300
Create Date: 2026-12-21 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b2e5c8a1d301"
down_revision = "b2e5c8a1d300"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
