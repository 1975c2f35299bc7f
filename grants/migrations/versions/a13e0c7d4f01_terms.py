"""terms: days off by royal decree (Algemene termijnenwet), the decision term's own end, the
postmark of an objection (Awb 6:9), the notice postponing a decision (Awb 4:14)

Revision ID: a13e0c7d4f01
Revises: f3b8d2a6c1e4
Create Date: 2026-12-20 12:00:00.000000

"""
import importlib.util
from pathlib import Path

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a13e0c7d4f01"
down_revision = "f3b8d2a6c1e4"
branch_labels = None
depends_on = None

DECISION_KINDS = ("grant", "rejection", "not_processed", "direct_settlement", "settlement",
                  "recovery", "objection", "amendment")
NEW_DECISION_KINDS = ("postponement",)
ACTIONS = ("window_opened", "window_dates_changed", "user_created", "roles_changed",
           "user_deactivated", "user_reactivated", "token_created", "token_revoked",
           "organisation_changed")
NEW_ACTIONS = ("day_off_added", "day_off_removed")


def _migration(filename):
    path = Path(__file__).with_name(filename)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _in(column, values):
    return f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def _change_decision_kinds(kinds):
    # Only the CHECK constraint names the kinds. SQLite rebuilds the table for it, dropping the
    # triggers that guard it: down and up again around the change.
    guards = _migration("6d3c15104e77_decision_letters.py")
    guards._unguard_decisions()
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_decisions_kind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_decisions_kind"), _in("kind", kinds))
    guards._guard_decisions()


def _change_actions(actions):
    with op.batch_alter_table("admin_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_admin_events_action"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_admin_events_action"),
                                         _in("action", actions))
    _migration("f3b8d2a6c1e4_organisation_changes_in_admin_log.py")._append_only_again()


def upgrade():
    op.create_table("statutory_days_off",
    sa.Column("day", sa.Date(), nullable=False),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint("day", name=op.f("pk_statutory_days_off"))
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_term_ends_on", sa.Date(), nullable=True))
    # Terms set before: their own end is taken to be the day they were due.
    op.execute("UPDATE applications SET decision_term_ends_on = decision_due_on")
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("postmarked_on", sa.Date(), nullable=True))
    _change_decision_kinds(DECISION_KINDS + NEW_DECISION_KINDS)
    _change_actions(ACTIONS + NEW_ACTIONS)


def downgrade():
    # Refused while letters or the admin's log hold the new kinds: both are evidence.
    _change_actions(ACTIONS)
    _change_decision_kinds(DECISION_KINDS)
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.drop_column("postmarked_on")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_column("decision_term_ends_on")
    op.drop_table("statutory_days_off")
