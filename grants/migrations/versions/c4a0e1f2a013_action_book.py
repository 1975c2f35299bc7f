"""action book: the Techniekpact's actions, their steps, evidence and history; the programme role

Revision ID: c4a0e1f2a013
Revises: c4a0e1f2a012
Create Date: 2026-12-07 05:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4a0e1f2a013"
down_revision = "c4a0e1f2a012"
branch_labels = None
depends_on = None

ROLES = ("applicant", "assessor", "approver", "committee", "finance", "admin")
NEW_ROLES = ("programme",)
REGIONS = ("Noord", "Oost-Nederland", "Zuidoost", "Zuidwestvleugel", "Noordvleugel")
THEMES = ("kiezen", "leren", "werken", "regionaal")
KINDS = ("national", "regional")
STATUSES = ("not_started", "on_schedule", "delayed", "done")
EVENT_KINDS = ("action_created", "action_changed", "step_added", "step_done", "evidence_added")


def _enum(values, name, length):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=length)


def _change_roles(roles):
    check = "role IN (" + ", ".join(f"'{role}'" for role in roles) + ")"
    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_user_roles_role"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_user_roles_role"), check)


def upgrade():
    _change_roles(ROLES + NEW_ROLES)
    op.create_table("actions",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("title", sa.String(length=200), nullable=False),
    sa.Column("theme", _enum(THEMES, "theme", 17), nullable=False),
    sa.Column("kind", _enum(KINDS, "kind", 16), nullable=False),
    sa.Column("region", _enum(REGIONS, "region", 23), nullable=True),
    sa.Column("parties", sa.JSON(), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("status", _enum(STATUSES, "status", 19), nullable=False),
    sa.Column("is_example", sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'regional') = (region IS NOT NULL)", name=op.f("ck_actions_region_of_kind")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_actions"))
    )
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actions_theme"), ["theme"], unique=False)
        batch_op.create_index(batch_op.f("ix_actions_region"), ["region"], unique=False)
    op.create_table("action_schemes",
    sa.Column("action_id", sa.Integer(), nullable=False),
    sa.Column("scheme_id", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["action_id"], ["actions.id"], name=op.f("fk_action_schemes_action_id_actions"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["scheme_id"], ["schemes.id"], name=op.f("fk_action_schemes_scheme_id_schemes"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("action_id", "scheme_id", name=op.f("pk_action_schemes"))
    )
    op.create_table("action_budgets",
    sa.Column("action_id", sa.Integer(), nullable=False),
    sa.Column("budget_id", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["action_id"], ["actions.id"], name=op.f("fk_action_budgets_action_id_actions"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["budget_id"], ["budgets.id"], name=op.f("fk_action_budgets_budget_id_budgets"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("action_id", "budget_id", name=op.f("pk_action_budgets"))
    )
    op.create_table("action_steps",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("action_id", sa.Integer(), nullable=False),
    sa.Column("title", sa.String(length=200), nullable=False),
    sa.Column("due_on", sa.Date(), nullable=False),
    sa.Column("done_on", sa.Date(), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["action_id"], ["actions.id"], name=op.f("fk_action_steps_action_id_actions"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_action_steps"))
    )
    with op.batch_alter_table("action_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_steps_action_id"), ["action_id"], unique=False)
    op.create_table("action_evidence",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("action_id", sa.Integer(), nullable=False),
    sa.Column("title", sa.String(length=200), nullable=False),
    sa.Column("url", sa.String(length=2000), nullable=False),
    sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["action_id"], ["actions.id"], name=op.f("fk_action_evidence_action_id_actions"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_action_evidence"))
    )
    with op.batch_alter_table("action_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_evidence_action_id"), ["action_id"], unique=False)
    op.create_table("action_events",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor_id", sa.Integer(), nullable=False),
    sa.Column("action_id", sa.Integer(), nullable=False),
    sa.Column("step_id", sa.Integer(), nullable=True),
    sa.Column("evidence_id", sa.Integer(), nullable=True),
    sa.Column("kind", _enum(EVENT_KINDS, "kind", 22), nullable=False),
    sa.Column("changes", sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_action_events_actor_id_users"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["action_id"], ["actions.id"], name=op.f("fk_action_events_action_id_actions"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["step_id"], ["action_steps.id"], name=op.f("fk_action_events_step_id_action_steps"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["evidence_id"], ["action_evidence.id"], name=op.f("fk_action_events_evidence_id_action_evidence"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_action_events"))
    )
    with op.batch_alter_table("action_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_events_action_id"), ["action_id"], unique=False)
    # The history is evidence like the admin's log: never changed, never deleted, not emptied
    # (refuse_change() is c4a0e1f2a010's).
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE TRIGGER action_events_append_only BEFORE UPDATE OR DELETE ON action_events
            FOR EACH ROW EXECUTE FUNCTION refuse_change()""")
        op.execute("""
            CREATE TRIGGER action_events_no_truncate BEFORE TRUNCATE ON action_events
            FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()""")
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER action_events_no_{event.lower()} BEFORE {event} ON action_events
                BEGIN SELECT RAISE(ABORT, 'action_events is append-only'); END""")


def downgrade():
    # Refused while an account holds the programme role: roles are not silently taken away.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER action_events_no_truncate ON action_events")
        op.execute("DROP TRIGGER action_events_append_only ON action_events")
    else:
        op.execute("DROP TRIGGER action_events_no_update")
        op.execute("DROP TRIGGER action_events_no_delete")
    with op.batch_alter_table("action_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_events_action_id"))
    op.drop_table("action_events")
    with op.batch_alter_table("action_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_evidence_action_id"))
    op.drop_table("action_evidence")
    with op.batch_alter_table("action_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_steps_action_id"))
    op.drop_table("action_steps")
    op.drop_table("action_budgets")
    op.drop_table("action_schemes")
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actions_region"))
        batch_op.drop_index(batch_op.f("ix_actions_theme"))
    op.drop_table("actions")
    _change_roles(ROLES)
