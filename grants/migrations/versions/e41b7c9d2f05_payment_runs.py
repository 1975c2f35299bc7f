"""payment runs and their lines (advance instalments, SEPA file); organisation IBAN

Revision ID: e41b7c9d2f05
Revises: d8f3a1c6e925
Create Date: 2026-11-29 20:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e41b7c9d2f05"
down_revision = "d8f3a1c6e925"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organisations") as batch_op:
        batch_op.add_column(sa.Column("iban", sa.String(length=34), nullable=False,
                                      server_default=""))

    op.create_table(
        "payment_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ministry", sa.Enum("SZW", "OCW", name="ministry", native_enum=False,
                                      create_constraint=True, length=11), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("execution_on", sa.Date(), nullable=False),
        sa.Column("debtor_name", sa.String(length=70), nullable=False),
        sa.Column("debtor_iban", sa.String(length=34), nullable=False),
        sa.Column("debtor_bic", sa.String(length=11), nullable=False),
        sa.Column("message_id", sa.String(length=35), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("sepa_xml", sa.LargeBinary(), nullable=False),
        sa.Column("sepa_sha256", sa.String(length=64), nullable=False),
        sa.Column("skipped", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("total_cents >= 0 AND line_count >= 0",
                           name=op.f("ck_payment_runs_totals")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_payment_runs_created_by_id_users"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_runs")),
        sa.UniqueConstraint("message_id", name=op.f("uq_payment_runs_message_id")),
    )

    op.create_table(
        "payment_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("instalment", sa.Integer(), nullable=False),
        sa.Column("instalment_count", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("paid_through_cents", sa.BigInteger(), nullable=False),
        sa.Column("creditor_name", sa.String(length=200), nullable=False),
        sa.Column("creditor_iban", sa.String(length=34), nullable=False),
        sa.Column("remittance", sa.String(length=140), nullable=False),
        sa.Column("ledger_entry_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_payment_lines_amount")),
        sa.CheckConstraint("instalment > 0", name=op.f("ck_payment_lines_instalment")),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_payment_lines_application_id_applications"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["ledger_entry_id"], ["ledger_entries.id"],
                                name=op.f("fk_payment_lines_ledger_entry_id_ledger_entries"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["run_id"], ["payment_runs.id"],
                                name=op.f("fk_payment_lines_run_id_payment_runs"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_lines")),
        sa.UniqueConstraint("application_id", "paid_through_cents",
                            name=op.f("uq_payment_lines_application_id_paid_through_cents")),
    )
    with op.batch_alter_table("payment_lines") as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_lines_run_id"), ["run_id"], unique=False)


def downgrade():
    with op.batch_alter_table("payment_lines") as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_lines_run_id"))
    op.drop_table("payment_lines")
    op.drop_table("payment_runs")
    with op.batch_alter_table("organisations") as batch_op:
        batch_op.drop_column("iban")
