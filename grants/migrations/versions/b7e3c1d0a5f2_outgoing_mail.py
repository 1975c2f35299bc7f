"""outgoing mail: the outbox of e-mail notifications

Revision ID: b7e3c1d0a5f2
Revises: b7e2c4a91d30
Create Date: 2026-12-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b7e3c1d0a5f2"
down_revision = "b7e2c4a91d30"
branch_labels = None
depends_on = None

MAIL_KINDS = ("receipt", "information_requested", "decision", "repair_due", "decision_due")


def upgrade():
    op.create_table("outgoing_mail",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("key", sa.String(length=200), nullable=False),
    sa.Column("kind", sa.Enum(*MAIL_KINDS, name="kind", native_enum=False, create_constraint=True, length=29), nullable=False),
    sa.Column("application_id", sa.Integer(), nullable=True),
    sa.Column("user_id", sa.Integer(), nullable=True),
    sa.Column("recipient", sa.String(length=254), nullable=False),
    sa.Column("subject", sa.String(length=300), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("last_error", sa.Text(), nullable=False),
    sa.Column("sending_by", sa.String(length=200), nullable=False),
    sa.Column("sending_until", sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("attempts >= 0", name=op.f("ck_outgoing_mail_attempts")),
    sa.ForeignKeyConstraint(["application_id"], ["applications.id"], name=op.f("fk_outgoing_mail_application_id_applications"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_outgoing_mail_user_id_users"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_mail")),
    sa.UniqueConstraint("key", name=op.f("uq_outgoing_mail_key"))
    )
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outgoing_mail_application_id"), ["application_id"], unique=False)
        batch_op.create_index("ix_outgoing_mail_sent_at_id", ["sent_at", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.drop_index("ix_outgoing_mail_sent_at_id")
        batch_op.drop_index(batch_op.f("ix_outgoing_mail_application_id"))
    op.drop_table("outgoing_mail")
