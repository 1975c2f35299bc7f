"""registration and invitations: organisations register themselves, administrators invite colleagues

Revision ID: c4a0e1f2a006
Revises: c4a0e1f2a005
Create Date: 2026-12-06 23:10:00.000000

"""
import importlib.util
import re
from pathlib import Path

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4a0e1f2a006"
down_revision = "c4a0e1f2a005"
branch_labels = None
depends_on = None

KINDS = ("employers_organisation", "employees_organisation", "om_fund", "knowledge_centre",
         "mbo_institution", "employer")
REGIONS = ("Noord", "Oost-Nederland", "Zuidoost", "Zuidwestvleugel", "Noordvleugel")

# The codes this migration adds to the CHECK constraints of the admin log's actions and the
# outbox's mail kinds. The migrations next to this one (written at the same time) add codes of
# their own to the same constraints, so the codes allowed before are read from the database.
NEW_ACTIONS = ("organisation_registered", "invitation_sent", "invitation_revoked",
               "invitation_accepted")
NEW_MAIL_KINDS = ("registration", "invitation")


def _migration(filename):
    path = Path(__file__).with_name(filename)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _in(column, values):
    return f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def _allowed(table, constraint):
    """The codes a CHECK constraint allows now, as the database has it."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        text = bind.execute(sa.text(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conname = :name AND conrelid = to_regclass(:table)"),
            {"name": constraint, "table": table}).scalar_one()
    else:
        sql = bind.execute(sa.text(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :table"),
            {"table": table}).scalar_one()
        start = sql.index(constraint)
        text = sql[start:sql.index(")", start)]
    return re.findall(r"'([a-z0-9_]+)'", text)


def _change_codes(table, column, add=(), remove=()):
    constraint = f"ck_{table}_{column}"
    codes = [code for code in _allowed(table, constraint) if code not in remove]
    codes += [code for code in add if code not in codes]
    # The enum's column is as long as its longest value plus 8 (grants.models.columns).
    # PostgreSQL alters the table in place (so admin_events keeps its append-only trigger);
    # SQLite copies it.
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(constraint), type_="check")
        batch_op.alter_column(column, existing_type=sa.String(),
                              type_=sa.String(max(map(len, codes)) + 8),
                              existing_nullable=False)
        batch_op.create_check_constraint(batch_op.f(constraint), _in(column, codes))
    if table == "admin_events":
        # SQLite's batch mode copies the table and drops its append-only triggers: set them
        # again.
        _migration("f3b8d2a6c1e4_organisation_changes_in_admin_log.py")._append_only_again()


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("manages_organisation", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    op.create_table(
        "registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("organisation_name", sa.String(length=200), nullable=False),
        sa.Column("kvk", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.Enum(*KINDS, name="kind", native_enum=False,
                                  create_constraint=True, length=30), nullable=False),
        sa.Column("region", sa.Enum(*REGIONS, name="region", native_enum=False,
                                    create_constraint=True, length=23), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("postcode", sa.String(length=7), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("client_address", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_registrations_organisation_id_organisations"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_registrations_user_id_users"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_registrations_token_hash")),
    )
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.create_index("ix_registrations_client_address_created_at",
                              ["client_address", "created_at"], unique=False)
        batch_op.create_index("ix_registrations_email_created_at", ["email", "created_at"],
                              unique=False)

    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("as_administrator", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_invitations_organisation_id_organisations"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["invited_by_id"], ["users.id"],
                                name=op.f("fk_invitations_invited_by_id_users"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_invitations_user_id_users"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["revoked_by_id"], ["users.id"],
                                name=op.f("fk_invitations_revoked_by_id_users"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitations_token_hash")),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitations_organisation_id"), ["organisation_id"],
                              unique=False)

    _change_codes("admin_events", "action", add=NEW_ACTIONS)
    _change_codes("outgoing_mail", "kind", add=NEW_MAIL_KINDS)


def downgrade():
    # Mails not yet sent cannot be kept without their kind; their links die with the tables.
    op.execute("DELETE FROM outgoing_mail WHERE kind IN ('registration', 'invitation')")
    _change_codes("outgoing_mail", "kind", remove=NEW_MAIL_KINDS)
    # Refused while the log holds the new actions: the log is evidence and is not pruned.
    _change_codes("admin_events", "action", remove=NEW_ACTIONS)
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitations_organisation_id"))
    op.drop_table("invitations")
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index("ix_registrations_email_created_at")
        batch_op.drop_index("ix_registrations_client_address_created_at")
    op.drop_table("registrations")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("manages_organisation")
