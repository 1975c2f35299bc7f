"""iban changes: a new IBAN held until a second person confirms it

Revision ID: c4a0e1f2a008
Revises: c4a0e1f2a007
Create Date: 2026-12-06 23:10:00.000000

"""
import importlib.util
from pathlib import Path

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4a0e1f2a008"
down_revision = "c4a0e1f2a007"
branch_labels = None
depends_on = None

STATUSES = ("pending", "confirmed", "rejected", "withdrawn")
# The same names serve as admin log actions and as mail kinds.
STEPS = ("iban_change_requested", "iban_change_confirmed", "iban_change_rejected",
         "iban_change_withdrawn")


def _migration(filename):
    path = Path(__file__).with_name(filename)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _in(column, values):
    return _migration("c4a0e1f2a006_registration_invitations.py")._in(column, values)


def _change_codes(table, column, add=(), remove=()):
    """The codes allowed now (read from the database: the migrations just before this one,
    written at the same time, add codes of their own to the same columns), plus ``add``, less
    ``remove``; altered in place on PostgreSQL, so the admin log keeps its append-only trigger."""
    _migration("c4a0e1f2a006_registration_invitations.py")._change_codes(
        table, column, add=add, remove=remove)


def upgrade():
    op.create_table(
        "iban_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("old_iban", sa.String(length=34), nullable=False),
        sa.Column("new_iban", sa.String(length=34), nullable=False),
        sa.Column("status", sa.String(length=17), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint("new_iban <> ''", name=op.f("ck_iban_changes_new_iban")),
        sa.CheckConstraint(_in("status", STATUSES), name=op.f("ck_iban_changes_status")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_iban_changes_organisation_id_organisations"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"],
                                name=op.f("fk_iban_changes_requested_by_id_users"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"],
                                name=op.f("fk_iban_changes_decided_by_id_users"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iban_changes")),
    )
    with op.batch_alter_table("iban_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_iban_changes_organisation_id"),
                              ["organisation_id"], unique=False)
        batch_op.create_index("ix_iban_changes_one_pending", ["organisation_id"], unique=True,
                              sqlite_where=sa.text("status = 'pending'"),
                              postgresql_where=sa.text("status = 'pending'"))

    for table, column in (("admin_events", "action"), ("outgoing_mail", "kind")):
        _change_codes(table, column, add=STEPS)


def downgrade():
    # Mail not yet sent about a change cannot be kept without its kind. The log is evidence:
    # its constraint change is refused while it holds these steps.
    outgoing_mail = sa.table("outgoing_mail", sa.column("kind", sa.String()))
    op.execute(outgoing_mail.delete().where(outgoing_mail.c.kind.in_(STEPS)))
    for table, column in (("outgoing_mail", "kind"), ("admin_events", "action")):
        _change_codes(table, column, remove=STEPS)
    with op.batch_alter_table("iban_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_iban_changes_one_pending")
        batch_op.drop_index(batch_op.f("ix_iban_changes_organisation_id"))
    op.drop_table("iban_changes")
