"""admin events: the append-only log of what admins changed (windows, accounts, tokens)

Revision ID: c5d81f2a7b64
Revises: b7e3c1d0a5f2
Create Date: 2026-12-01 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c5d81f2a7b64"
down_revision = "b7e3c1d0a5f2"
branch_labels = None
depends_on = None

ACTIONS = ("window_opened", "window_dates_changed", "user_created", "roles_changed",
           "user_deactivated", "user_reactivated", "token_created", "token_revoked")


def upgrade():
    op.create_table("admin_events",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor_id", sa.Integer(), nullable=True),
    sa.Column("action", sa.Enum(*ACTIONS, name="action", native_enum=False, create_constraint=True, length=28), nullable=False),
    sa.Column("window_id", sa.Integer(), nullable=True),
    sa.Column("user_id", sa.Integer(), nullable=True),
    sa.Column("token_id", sa.Integer(), nullable=True),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("data", sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_admin_events_actor_id_users"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["token_id"], ["api_tokens.id"], name=op.f("fk_admin_events_token_id_api_tokens"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_admin_events_user_id_users"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["window_id"], ["windows.id"], name=op.f("fk_admin_events_window_id_windows"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_events"))
    )
    with op.batch_alter_table("admin_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_events_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_admin_events_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_admin_events_window_id"), ["window_id"], unique=False)

    _append_only("admin_events")


# Like the ledger and the audit trail, the admin's log is evidence: the database itself refuses
# to change or delete a row.
def _append_only(table):
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE OR REPLACE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
            END $$""")
        op.execute(f"""
            CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION refuse_change()""")
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table}
                BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""")


def downgrade():
    # The triggers go with the table; refuse_change() stays for the ledger and the audit trail.
    with op.batch_alter_table("admin_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_events_window_id"))
        batch_op.drop_index(batch_op.f("ix_admin_events_user_id"))
        batch_op.drop_index(batch_op.f("ix_admin_events_at"))

    op.drop_table("admin_events")
