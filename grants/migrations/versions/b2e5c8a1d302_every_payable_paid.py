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

STATUS = sa.Enum("prepared", "approved", "cancelled", name="status", native_enum=False,
                 create_constraint=True, length=17)
KIND = sa.Enum("advance", "settlement", "balance", "objection_costs", name="kind",
               native_enum=False, create_constraint=True, length=23)


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table("payment_runs") as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=17), nullable=True))
        batch_op.add_column(sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("approved_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("cancelled_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cancel_reason", sa.Text(), server_default="",
                                      nullable=False))
        batch_op.alter_column("created_at", new_column_name="prepared_at",
                              existing_type=sa.DateTime(timezone=True), existing_nullable=False)
        batch_op.drop_constraint(op.f("fk_payment_runs_created_by_id_users"), type_="foreignkey")
        batch_op.alter_column("created_by_id", new_column_name="prepared_by_id",
                              existing_type=sa.Integer(), existing_nullable=False)
        batch_op.alter_column("sepa_xml", existing_type=sa.LargeBinary(), nullable=True)
        batch_op.alter_column("sepa_sha256", existing_type=sa.String(length=64), nullable=True)
    # Runs made before four eyes were paid at once by one person: approved when made, by no
    # second person.
    bind.execute(sa.text("UPDATE payment_runs SET status = 'approved', "
                         "approved_at = prepared_at"))
    with op.batch_alter_table("payment_runs") as batch_op:
        batch_op.alter_column("status", existing_type=sa.String(length=17), type_=STATUS,
                              nullable=False)
        batch_op.create_foreign_key(batch_op.f("fk_payment_runs_prepared_by_id_users"),
                                    "users", ["prepared_by_id"], ["id"], ondelete="RESTRICT")
        batch_op.create_foreign_key(batch_op.f("fk_payment_runs_approved_by_id_users"),
                                    "users", ["approved_by_id"], ["id"], ondelete="RESTRICT")
        batch_op.create_foreign_key(batch_op.f("fk_payment_runs_cancelled_by_id_users"),
                                    "users", ["cancelled_by_id"], ["id"], ondelete="RESTRICT")
        batch_op.create_check_constraint(
            "approved", "(status = 'approved') = (approved_at IS NOT NULL)")
        batch_op.create_check_constraint(
            "sepa_file", "(status = 'approved') = (sepa_xml IS NOT NULL)")
        batch_op.create_check_constraint(
            "cancelled", "(status = 'cancelled') = (cancelled_at IS NOT NULL)")
        batch_op.create_check_constraint(
            "four_eyes", "approved_by_id IS NULL OR approved_by_id <> prepared_by_id")

    with op.batch_alter_table("payment_lines") as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=23), nullable=True))
        batch_op.add_column(sa.Column("objection_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("end_to_end_id", sa.String(length=35), nullable=True))
        batch_op.add_column(sa.Column("held", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("release_reason", sa.Text(), server_default="",
                                      nullable=False))
        batch_op.alter_column("instalment", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("instalment_count", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("ledger_entry_id", existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint(op.f("uq_payment_lines_application_id_paid_through_cents"),
                                 type_="unique")
    # The end-to-end ids the bank was given (reference-V<instalment>), unique per line.
    seen = set()
    for line_id, reference, instalment in bind.execute(sa.text(
            "SELECT payment_lines.id, applications.reference, payment_lines.instalment "
            "FROM payment_lines JOIN applications "
            "ON applications.id = payment_lines.application_id ORDER BY payment_lines.id")):
        end_to_end = f"{reference}-V{instalment}"
        if end_to_end in seen:
            end_to_end = f"{end_to_end}-{line_id}"
        seen.add(end_to_end)
        bind.execute(sa.text("UPDATE payment_lines SET end_to_end_id = :e, kind = 'advance', "
                             "held = :held WHERE id = :id"),
                     {"e": end_to_end[:35], "held": True, "id": line_id})
    with op.batch_alter_table("payment_lines") as batch_op:
        batch_op.alter_column("kind", existing_type=sa.String(length=23), type_=KIND,
                              nullable=False)
        batch_op.alter_column("end_to_end_id", existing_type=sa.String(length=35),
                              nullable=False)
        batch_op.create_foreign_key(batch_op.f("fk_payment_lines_objection_id_objections"),
                                    "objections", ["objection_id"], ["id"],
                                    ondelete="RESTRICT")
        batch_op.create_unique_constraint(
            batch_op.f("uq_payment_lines_application_id_kind_paid_through_cents_held"),
            ["application_id", "kind", "paid_through_cents", "held"])
        batch_op.create_unique_constraint(batch_op.f("uq_payment_lines_objection_id_held"),
                                          ["objection_id", "held"])
        batch_op.create_unique_constraint(batch_op.f("uq_payment_lines_end_to_end_id"),
                                          ["end_to_end_id"])
        batch_op.create_check_constraint(
            "advance_instalment", "(kind = 'advance') = (instalment IS NOT NULL)")
        batch_op.create_check_constraint(
            "costs_objection", "(kind = 'objection_costs') = (objection_id IS NOT NULL)")
        batch_op.create_check_constraint("held_or_released", "held IS NULL OR held = true")


def downgrade():
    bind = op.get_bind()
    # Only what was paid can be described by the old tables: planned and released lines, and
    # runs never approved, go.
    bind.execute(sa.text("DELETE FROM payment_lines WHERE held IS NULL OR kind <> 'advance' "
                         "OR run_id IN (SELECT id FROM payment_runs "
                         "WHERE status <> 'approved')"))
    bind.execute(sa.text("DELETE FROM payment_runs WHERE status <> 'approved'"))
    with op.batch_alter_table("payment_lines") as batch_op:
        batch_op.drop_constraint(op.f("ck_payment_lines_kind"), type_="check")
        batch_op.drop_constraint(op.f("ck_payment_lines_held_or_released"), type_="check")
        batch_op.drop_constraint(op.f("ck_payment_lines_costs_objection"), type_="check")
        batch_op.drop_constraint(op.f("ck_payment_lines_advance_instalment"), type_="check")
        batch_op.drop_constraint(op.f("uq_payment_lines_end_to_end_id"), type_="unique")
        batch_op.drop_constraint(op.f("uq_payment_lines_objection_id_held"), type_="unique")
        batch_op.drop_constraint(
            op.f("uq_payment_lines_application_id_kind_paid_through_cents_held"), type_="unique")
        batch_op.drop_constraint(op.f("fk_payment_lines_objection_id_objections"),
                                 type_="foreignkey")
        batch_op.drop_column("release_reason")
        batch_op.drop_column("held")
        batch_op.drop_column("end_to_end_id")
        batch_op.drop_column("objection_id")
        batch_op.drop_column("kind")
        batch_op.alter_column("instalment", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("instalment_count", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("ledger_entry_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_payment_lines_application_id_paid_through_cents"),
            ["application_id", "paid_through_cents"])
    with op.batch_alter_table("payment_runs") as batch_op:
        batch_op.drop_constraint(op.f("ck_payment_runs_four_eyes"), type_="check")
        batch_op.drop_constraint(op.f("ck_payment_runs_cancelled"), type_="check")
        batch_op.drop_constraint(op.f("ck_payment_runs_sepa_file"), type_="check")
        batch_op.drop_constraint(op.f("ck_payment_runs_approved"), type_="check")
        for column in ("cancelled_by_id", "approved_by_id", "prepared_by_id"):
            batch_op.drop_constraint(op.f(f"fk_payment_runs_{column}_users"), type_="foreignkey")
        batch_op.drop_constraint(op.f("ck_payment_runs_status"), type_="check")
        batch_op.drop_column("cancel_reason")
        batch_op.drop_column("cancelled_by_id")
        batch_op.drop_column("cancelled_at")
        batch_op.drop_column("approved_by_id")
        batch_op.drop_column("approved_at")
        batch_op.drop_column("status")
        batch_op.alter_column("prepared_at", new_column_name="created_at",
                              existing_type=sa.DateTime(timezone=True), existing_nullable=False)
        batch_op.alter_column("prepared_by_id", new_column_name="created_by_id",
                              existing_type=sa.Integer(), existing_nullable=False)
        batch_op.alter_column("sepa_xml", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.alter_column("sepa_sha256", existing_type=sa.String(length=64), nullable=False)
    # A batch that renames a column loses a key made on the new name: a batch of its own.
    with op.batch_alter_table("payment_runs") as batch_op:
        batch_op.create_foreign_key(batch_op.f("fk_payment_runs_created_by_id_users"),
                                    "users", ["created_by_id"], ["id"], ondelete="RESTRICT")
