"""four eyes on every money decision: prepared by one person, approved by another

Revision ID: b2e5c8a1d304
Revises: b2e5c8a1d303
Create Date: 2026-12-21 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b2e5c8a1d304"
down_revision = "b2e5c8a1d303"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
