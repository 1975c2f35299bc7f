"""action book: evidence as an uploaded document (PDF) beside evidence as a link

Revision ID: c4a0e1f2a015
Revises: c4a0e1f2a016
Create Date: 2026-12-07 10:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4a0e1f2a015"
down_revision = "c4a0e1f2a016"
branch_labels = None
depends_on = None


LINK_OR_DOCUMENT = (
    "(url IS NOT NULL AND content IS NULL AND filename IS NULL AND content_type IS NULL"
    " AND size_bytes IS NULL AND sha256 IS NULL) OR (url IS NULL AND content IS NOT NULL"
    " AND filename IS NOT NULL AND content_type IS NOT NULL AND size_bytes > 0"
    " AND sha256 IS NOT NULL)")


def upgrade():
    with op.batch_alter_table("action_evidence", schema=None) as batch_op:
        batch_op.alter_column("url", existing_type=sa.String(length=2000), nullable=True)
        batch_op.add_column(sa.Column("filename", sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column("content_type", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("size_bytes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("content", sa.LargeBinary(), nullable=True))
        batch_op.create_check_constraint(batch_op.f("ck_action_evidence_link_or_document"),
                                         LINK_OR_DOCUMENT)


def downgrade():
    # A document has no link to become: refused while the book holds one (its history rows
    # point at it and may not be deleted).
    documents = op.get_bind().execute(sa.text(
        "SELECT count(*) FROM action_evidence WHERE url IS NULL")).scalar()
    if documents:
        raise RuntimeError(f"action_evidence holds {documents} uploaded document(s); "
                           "they cannot be kept by the older schema")
    with op.batch_alter_table("action_evidence", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_action_evidence_link_or_document"),
                                 type_="check")
        batch_op.drop_column("content")
        batch_op.drop_column("sha256")
        batch_op.drop_column("size_bytes")
        batch_op.drop_column("content_type")
        batch_op.drop_column("filename")
        batch_op.alter_column("url", existing_type=sa.String(length=2000), nullable=False)
