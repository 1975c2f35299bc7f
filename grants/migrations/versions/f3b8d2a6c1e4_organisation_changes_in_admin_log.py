"""organisation changes in the admin log: applicants change their address and IBAN, logged

Revision ID: f3b8d2a6c1e4
Revises: d9a4e6b1c372
Create Date: 2026-12-15 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f3b8d2a6c1e4"
down_revision = "d9a4e6b1c372"
branch_labels = None
depends_on = None

OLD_ACTIONS = ("window_opened", "window_dates_changed", "user_created", "roles_changed",
               "user_deactivated", "user_reactivated", "token_created", "token_revoked")
NEW_ACTIONS = (*OLD_ACTIONS, "organisation_changed")


def _actions_check(actions):
    return "action IN (" + ", ".join(f"'{action}'" for action in actions) + ")"


def _change(actions, add_column):
    with op.batch_alter_table("admin_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_admin_events_action"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_admin_events_action"),
                                         _actions_check(actions))
        if add_column:
            batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f("fk_admin_events_organisation_id_organisations"), "organisations",
                ["organisation_id"], ["id"], ondelete="RESTRICT")
            batch_op.create_index(batch_op.f("ix_admin_events_organisation_id"),
                                  ["organisation_id"], unique=False)
        else:
            batch_op.drop_index(batch_op.f("ix_admin_events_organisation_id"))
            batch_op.drop_constraint(
                batch_op.f("fk_admin_events_organisation_id_organisations"), type_="foreignkey")
            batch_op.drop_column("organisation_id")
    _append_only_again()


# SQLite's batch mode copies the table into a new one, and its triggers go with the old one:
# the log must stay append-only. PostgreSQL alters the table in place and keeps its trigger.
def _append_only_again():
    if op.get_bind().dialect.name != "sqlite":
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(f"DROP TRIGGER IF EXISTS admin_events_no_{event.lower()}")
        op.execute(f"""
            CREATE TRIGGER admin_events_no_{event.lower()} BEFORE {event} ON admin_events
            BEGIN SELECT RAISE(ABORT, 'admin_events is append-only'); END""")


def upgrade():
    _change(NEW_ACTIONS, add_column=True)


def downgrade():
    # Refused while the log holds organisation changes: the log is evidence and is not pruned.
    _change(OLD_ACTIONS, add_column=False)
