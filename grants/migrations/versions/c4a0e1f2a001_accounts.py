"""accounts: forced password change, server-side sessions, password reset links, demo marker

Revision ID: c4a0e1f2a001
Revises: b2e5c8a1d304
Create Date: 2027-01-05 12:00:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4a0e1f2a001"
down_revision = "b2e5c8a1d304"
branch_labels = None
depends_on = None

MAIL_KINDS = ("receipt", "information_requested", "decision", "repair_due", "decision_due",
              "report_due", "report_overdue")
NEW_MAIL_KINDS = (*MAIL_KINDS, "password_reset")


def _mail_kind(kinds):
    return sa.Enum(*kinds, name="kind", native_enum=False, create_constraint=True, length=29)


def _change_mail_kinds(old, new):
    # The enum's CHECK constraint names the kinds; batch mode rebuilds it on SQLite too.
    with op.batch_alter_table("outgoing_mail", schema=None, recreate="always") as batch_op:
        batch_op.alter_column("kind", existing_type=_mail_kind(old), type_=_mail_kind(new),
                              existing_nullable=False)


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("session_token", sa.String(length=64), nullable=True))
    # Every account gets a token of its own: the sessions made before this migration carry none
    # and end (users log in once more).
    users = sa.table("users", sa.column("id", sa.Integer()),
                     sa.column("session_token", sa.String()))
    bind = op.get_bind()
    for (user_id,) in bind.execute(sa.select(users.c.id)).all():
        bind.execute(users.update().where(users.c.id == user_id)
                     .values(session_token=secrets.token_hex(32)))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("session_token", existing_type=sa.String(length=64),
                              nullable=False)

    op.create_table(
        "password_reset_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_password_reset_tokens_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_reset_tokens_token_hash")),
    )
    with op.batch_alter_table("password_reset_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_reset_tokens_user_id"), ["user_id"],
                              unique=False)

    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )

    _change_mail_kinds(MAIL_KINDS, NEW_MAIL_KINDS)


def downgrade():
    # A reset link not yet sent cannot be kept without its kind; it is of no use afterwards.
    op.execute("DELETE FROM outgoing_mail WHERE kind = 'password_reset'")
    _change_mail_kinds(NEW_MAIL_KINDS, MAIL_KINDS)
    op.drop_table("settings")
    with op.batch_alter_table("password_reset_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_reset_tokens_user_id"))
    op.drop_table("password_reset_tokens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_token")
        batch_op.drop_column("must_change_password")
