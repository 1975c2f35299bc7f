"""partner consents: each organisation a sector plan names agrees to what it saw, and the log of it

Revision ID: c4a0e1f2a007
Revises: c4a0e1f2a006
Create Date: 2026-12-06 23:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4a0e1f2a007"
down_revision = "c4a0e1f2a006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("partner_consents",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("application_id", sa.Integer(), nullable=False),
    sa.Column("organisation_id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("content_sha256", sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(["application_id"], ["applications.id"], name=op.f("fk_partner_consents_application_id_applications"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], name=op.f("fk_partner_consents_organisation_id_organisations"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_partner_consents_user_id_users"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_consents")),
    sa.UniqueConstraint("application_id", "organisation_id", name=op.f("uq_partner_consents_application_id_organisation_id"))
    )
    with op.batch_alter_table("partner_consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_consents_application_id"), ["application_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_partner_consents_organisation_id"), ["organisation_id"], unique=False)

    op.create_table("partner_consent_events",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("application_id", sa.Integer(), nullable=False),
    sa.Column("organisation_id", sa.Integer(), nullable=False),
    sa.Column("action", sa.Enum("given", "withdrawn", name="action", native_enum=False, create_constraint=True, length=17), nullable=False),
    sa.Column("actor_id", sa.Integer(), nullable=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("content_sha256", sa.String(length=64), nullable=False),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_partner_consent_events_actor_id_users"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["application_id"], ["applications.id"], name=op.f("fk_partner_consent_events_application_id_applications"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], name=op.f("fk_partner_consent_events_organisation_id_organisations"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_consent_events"))
    )
    with op.batch_alter_table("partner_consent_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_consent_events_application_id"), ["application_id"], unique=False)


def downgrade():
    with op.batch_alter_table("partner_consent_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_consent_events_application_id"))
    op.drop_table("partner_consent_events")
    with op.batch_alter_table("partner_consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_consents_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_partner_consents_application_id"))
    op.drop_table("partner_consents")
