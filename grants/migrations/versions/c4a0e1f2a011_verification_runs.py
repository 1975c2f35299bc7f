"""verification runs: what `flask grants verify` found when it recomputed the record

Revision ID: c4a0e1f2a011
Revises: c4a0e1f2a010
Create Date: 2026-12-07 03:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4a0e1f2a011"
down_revision = "c4a0e1f2a010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("verification_runs",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("origin", sa.String(length=15), nullable=False),
    sa.Column("run_by_id", sa.Integer(), nullable=True),
    sa.Column("lines_checked", sa.Integer(), nullable=False),
    sa.Column("applications_checked", sa.Integer(), nullable=False),
    sa.Column("decisions_checked", sa.Integer(), nullable=False),
    sa.Column("payment_runs_checked", sa.Integer(), nullable=False),
    sa.Column("findings", sa.JSON(), nullable=False),
    sa.Column("finding_count", sa.Integer(), nullable=False),
    sa.Column("clean", sa.Boolean(), nullable=False),
    sa.CheckConstraint("clean = (finding_count = 0)", name=op.f("ck_verification_runs_clean")),
    sa.CheckConstraint("finding_count >= 0", name=op.f("ck_verification_runs_finding_count")),
    sa.CheckConstraint("origin IN ('page', 'cli', 'nightly')", name=op.f("ck_verification_runs_origin")),
    sa.CheckConstraint("origin <> 'page' OR run_by_id IS NOT NULL", name=op.f("ck_verification_runs_page_user")),
    sa.CheckConstraint("finished_at >= started_at", name=op.f("ck_verification_runs_period")),
    sa.ForeignKeyConstraint(["run_by_id"], ["users.id"], name=op.f("fk_verification_runs_run_by_id_users"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_runs"))
    )


def downgrade():
    op.drop_table("verification_runs")
