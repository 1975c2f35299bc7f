"""two factor: a TOTP secret per user, its recovery codes, and the admin's reset in the log

Revision ID: c4a0e1f2a005
Revises: c4a0e1f2a004
Create Date: 2026-12-06 23:10:00.000000

"""
import importlib.util
from pathlib import Path

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4a0e1f2a005"
down_revision = "c4a0e1f2a004"
branch_labels = None
depends_on = None

ACTIONS = ("window_opened", "window_dates_changed", "user_created", "roles_changed",
           "user_deactivated", "user_reactivated", "token_created", "token_revoked",
           "organisation_changed", "day_off_added", "day_off_removed", "organisation_created",
           "organisation_verified", "organisation_deactivated", "organisation_reactivated")
NEW_ACTIONS = ("two_factor_reset",)


def _migration(filename):
    path = Path(__file__).with_name(filename)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _change_actions(actions):
    check = "action IN (" + ", ".join(f"'{action}'" for action in actions) + ")"
    with op.batch_alter_table("admin_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_admin_events_action"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_admin_events_action"), check)
    # SQLite's batch mode copies the table and drops its append-only triggers: set them again.
    _migration("f3b8d2a6c1e4_organisation_changes_in_admin_log.py")._append_only_again()


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("totp_enabled_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    op.create_table("recovery_codes",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("code_hash", sa.String(length=64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                            name=op.f("fk_recovery_codes_user_id_users"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
    sa.UniqueConstraint("code_hash", name=op.f("uq_recovery_codes_code_hash"))
    )
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_codes_user_id"), ["user_id"],
                              unique=False)
    _change_actions(ACTIONS + NEW_ACTIONS)


def downgrade():
    # Refused while the log holds a reset: the log is evidence and is not pruned.
    _change_actions(ACTIONS)
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_codes_user_id"))
    op.drop_table("recovery_codes")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_enabled_at")
        batch_op.drop_column("totp_secret")
