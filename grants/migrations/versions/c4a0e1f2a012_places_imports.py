"""places imports: a large places CSV uploaded on the page, imported by a job with its progress

Revision ID: c4a0e1f2a012
Revises: c4a0e1f2a011
Create Date: 2026-12-07 03:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4a0e1f2a012"
down_revision = "c4a0e1f2a011"
branch_labels = None
depends_on = None


STATUSES = ("queued", "running", "done", "refused", "failed")


def upgrade():
    op.create_table("places_imports",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("application_id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("filename", sa.String(length=160), nullable=False),
    sa.Column("content", sa.LargeBinary(), nullable=True),
    sa.Column("total_bytes", sa.Integer(), nullable=False),
    sa.Column("status", sa.Enum(*STATUSES, name="status", native_enum=False, create_constraint=True, length=15), nullable=False),
    sa.Column("lines_read", sa.Integer(), nullable=False),
    sa.Column("bytes_read", sa.Integer(), nullable=False),
    sa.Column("refusal", sa.JSON(), nullable=True),
    sa.Column("lines", sa.Integer(), nullable=True),
    sa.Column("imported", sa.Integer(), nullable=True),
    sa.Column("requested_cents", sa.BigInteger(), nullable=True),
    sa.Column("fractions", sa.JSON(), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("worker", sa.String(length=200), nullable=False),
    sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("total_bytes > 0", name=op.f("ck_places_imports_total_bytes")),
    sa.CheckConstraint("bytes_read >= 0 AND bytes_read <= total_bytes", name=op.f("ck_places_imports_bytes_read")),
    sa.CheckConstraint("lines_read >= 0", name=op.f("ck_places_imports_lines_read")),
    sa.CheckConstraint("status <> 'done' OR (imported IS NOT NULL AND lines IS NOT NULL AND requested_cents IS NOT NULL)", name=op.f("ck_places_imports_done_result")),
    sa.CheckConstraint("status <> 'refused' OR refusal IS NOT NULL", name=op.f("ck_places_imports_refused_reason")),
    sa.CheckConstraint("(finished_at IS NULL) = (status IN ('queued', 'running'))", name=op.f("ck_places_imports_finished")),
    sa.ForeignKeyConstraint(["application_id"], ["applications.id"], name=op.f("fk_places_imports_application_id_applications"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_places_imports_user_id_users"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_places_imports"))
    )
    with op.batch_alter_table("places_imports", schema=None) as batch_op:
        batch_op.create_index("ix_places_imports_application_id_created_at", ["application_id", "created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("places_imports", schema=None) as batch_op:
        batch_op.drop_index("ix_places_imports_application_id_created_at")
    op.drop_table("places_imports")
