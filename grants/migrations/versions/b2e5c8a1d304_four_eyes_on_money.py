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
    # Runs committed before approvals existed took effect when they were made.
    with op.batch_alter_table("allocation_runs") as batch:
        batch.add_column(sa.Column("status", sa.String(20), nullable=False,
                                   server_default="committed"))
        batch.add_column(sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("approved_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("cancelled_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("cancel_reason", sa.Text(), nullable=False,
                                   server_default=""))
        batch.create_foreign_key(batch.f("fk_allocation_runs_approved_by_id_users"), "users",
                                 ["approved_by_id"], ["id"], ondelete="RESTRICT")
        batch.create_foreign_key(batch.f("fk_allocation_runs_cancelled_by_id_users"), "users",
                                 ["cancelled_by_id"], ["id"], ondelete="RESTRICT")
        batch.create_check_constraint("status",
                                      "status IN ('prepared', 'committed', 'cancelled')")
    with op.batch_alter_table("allocation_runs") as batch:
        batch.alter_column("status", server_default=None)
        batch.alter_column("cancel_reason", server_default=None)

    with op.batch_alter_table("ceiling_amendments") as batch:
        batch.add_column(sa.Column("approved_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f("fk_ceiling_amendments_approved_by_id_users"), "users",
                                 ["approved_by_id"], ["id"], ondelete="RESTRICT")

    op.create_table(
        "prepared_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("trigger", sa.String(40), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("application_version", sa.Integer(), nullable=True),
        sa.Column("line_id", sa.Integer(), nullable=True),
        sa.Column("new_ceiling_cents", sa.BigInteger(), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("prepared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prepared_by_id", sa.Integer(), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=False),
        sa.CheckConstraint("kind IN ('trigger', 'ceiling')", name=op.f("ck_prepared_decisions_kind")),
        sa.CheckConstraint("status IN ('prepared', 'approved', 'cancelled')",
                           name=op.f("ck_prepared_decisions_status")),
        sa.CheckConstraint(
            "(kind = 'trigger' AND application_id IS NOT NULL AND trigger IS NOT NULL) OR "
            "(kind = 'ceiling' AND line_id IS NOT NULL AND new_ceiling_cents IS NOT NULL "
            "AND new_ceiling_cents >= 0 AND effective_on IS NOT NULL)",
            name=op.f("ck_prepared_decisions_subject")),
        sa.CheckConstraint("approved_by_id IS NULL OR approved_by_id <> prepared_by_id",
                           name=op.f("ck_prepared_decisions_four_eyes")),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"], ondelete="RESTRICT",
                                name=op.f("fk_prepared_decisions_application_id_applications")),
        sa.ForeignKeyConstraint(["line_id"], ["budget_lines.id"], ondelete="RESTRICT",
                                name=op.f("fk_prepared_decisions_line_id_budget_lines")),
        sa.ForeignKeyConstraint(["prepared_by_id"], ["users.id"], ondelete="RESTRICT",
                                name=op.f("fk_prepared_decisions_prepared_by_id_users")),
        sa.ForeignKeyConstraint(["approved_by_id"], ["users.id"], ondelete="RESTRICT",
                                name=op.f("fk_prepared_decisions_approved_by_id_users")),
        sa.ForeignKeyConstraint(["cancelled_by_id"], ["users.id"], ondelete="RESTRICT",
                                name=op.f("fk_prepared_decisions_cancelled_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prepared_decisions")),
    )
    with op.batch_alter_table("prepared_decisions") as batch:
        batch.create_index("ix_prepared_decisions_status", ["status"])
        batch.create_index("ix_prepared_decisions_application_id", ["application_id"])
        batch.create_index("ix_prepared_decisions_line_id", ["line_id"])


def downgrade():
    op.drop_table("prepared_decisions")
    with op.batch_alter_table("ceiling_amendments") as batch:
        batch.drop_constraint(batch.f("fk_ceiling_amendments_approved_by_id_users"), type_="foreignkey")
        batch.drop_column("approved_by_id")
    with op.batch_alter_table("allocation_runs") as batch:
        batch.drop_constraint(batch.f("ck_allocation_runs_status"), type_="check")
        batch.drop_constraint(batch.f("fk_allocation_runs_cancelled_by_id_users"), type_="foreignkey")
        batch.drop_constraint(batch.f("fk_allocation_runs_approved_by_id_users"), type_="foreignkey")
        for column in ("cancel_reason", "cancelled_by_id", "cancelled_at", "approved_by_id",
                       "approved_at", "status"):
            batch.drop_column(column)
