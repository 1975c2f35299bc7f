"""letters that hold every part: the signer's function, the addressee, the contact line

Revision ID: b2e5c8a1d303
Revises: b2e5c8a1d302
Create Date: 2026-12-21 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b2e5c8a1d303"
down_revision = "b2e5c8a1d302"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
