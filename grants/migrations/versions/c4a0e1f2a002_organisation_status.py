"""organisation status: pending until staff verify it, verified, or deactivated with a reason

Revision ID: c4a0e1f2a002
Revises: c4a0e1f2a001
Create Date: 2027-01-05 13:00:00.000000

"""
import importlib.util
from pathlib import Path

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4a0e1f2a002"
down_revision = "c4a0e1f2a001"
branch_labels = None
depends_on = None

STATUSES = ("pending", "verified", "deactivated")
ACTIONS = ("window_opened", "window_dates_changed", "user_created", "roles_changed",
           "user_deactivated", "user_reactivated", "token_created", "token_revoked",
           "organisation_changed", "day_off_added", "day_off_removed")
NEW_ACTIONS = ("organisation_created", "organisation_verified", "organisation_deactivated",
               "organisation_reactivated")


def _migration(filename):
    path = Path(__file__).with_name(filename)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _in(column, values):
    return f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def _change_actions(actions, length):
    # The enum's column is as long as its longest value plus 8 (grants.models.columns).
    with op.batch_alter_table("admin_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_admin_events_action"), type_="check")
        batch_op.alter_column("action", existing_type=sa.String(), type_=sa.String(length),
                              existing_nullable=False)
        batch_op.create_check_constraint(batch_op.f("ck_admin_events_action"),
                                         _in("action", actions))
    # SQLite's batch mode copies the table and drops its append-only triggers: set them again.
    _migration("f3b8d2a6c1e4_organisation_changes_in_admin_log.py")._append_only_again()


def upgrade():
    # Every organisation from before self-registration was entered by staff: verified.
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=19), nullable=False,
                                      server_default="verified"))
        batch_op.add_column(sa.Column("verified_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("verified_by_name", sa.String(length=200),
                                      nullable=False, server_default=""))
        batch_op.add_column(sa.Column("signatory", sa.String(length=200), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("status_reason", sa.Text(), nullable=False,
                                      server_default=""))
        batch_op.create_check_constraint(batch_op.f("ck_organisations_status"),
                                         _in("status", STATUSES))
    op.execute("UPDATE organisations SET verified_at = created_at")
    _change_actions(ACTIONS + NEW_ACTIONS, 32)


def downgrade():
    # Refused while the log holds the new actions: the log is evidence and is not pruned.
    _change_actions(ACTIONS, 28)
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_organisations_status"), type_="check")
        batch_op.drop_column("status_reason")
        batch_op.drop_column("signatory")
        batch_op.drop_column("verified_by_name")
        batch_op.drop_column("verified_at")
        batch_op.drop_column("status")
