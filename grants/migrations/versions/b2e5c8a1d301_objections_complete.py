"""objections complete: paper objections registered by staff, the hearing (Awb 7:2)

Revision ID: b2e5c8a1d301
Revises: b2e5c8a1d300
Create Date: 2026-12-21 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b2e5c8a1d301"
down_revision = "b2e5c8a1d300"
branch_labels = None
depends_on = None


WAIVER_GROUNDS = ("hearing_waived IS NULL OR hearing_waived IN "
                  "('objector_waived', 'manifestly_inadmissible', 'manifestly_unfounded')")


def upgrade():
    with op.batch_alter_table("objections") as batch:
        batch.add_column(sa.Column("on_paper", sa.Boolean(), server_default=sa.false(),
                                   nullable=False))
        batch.add_column(sa.Column("received_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("letter_attachment_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("costs_requested", sa.Boolean(), server_default=sa.false(),
                                   nullable=False))
        batch.add_column(sa.Column("authority_error", sa.Boolean(), server_default=sa.false(),
                                   nullable=False))
        batch.add_column(sa.Column("hearing_invited_at", sa.DateTime(timezone=True),
                                   nullable=True))
        batch.add_column(sa.Column("hearing_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("hearing_place", sa.String(length=200), server_default="",
                                   nullable=False))
        batch.add_column(sa.Column("hearing_held_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("hearing_attended", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("hearing_minutes_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("hearing_waived", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("hearing_waiver_reason", sa.Text(), server_default="",
                                   nullable=False))
        batch.create_foreign_key("fk_objections_letter_attachment_id_attachments",
                                 "attachments", ["letter_attachment_id"], ["id"],
                                 ondelete="RESTRICT")
        batch.create_foreign_key("fk_objections_hearing_minutes_id_attachments",
                                 "attachments", ["hearing_minutes_id"], ["id"],
                                 ondelete="RESTRICT")
        batch.create_check_constraint("hearing_waived", WAIVER_GROUNDS)


def downgrade():
    with op.batch_alter_table("objections") as batch:
        batch.drop_constraint("hearing_waived", type_="check")
        batch.drop_constraint("fk_objections_hearing_minutes_id_attachments",
                              type_="foreignkey")
        batch.drop_constraint("fk_objections_letter_attachment_id_attachments",
                              type_="foreignkey")
        for column in ("hearing_waiver_reason", "hearing_waived", "hearing_minutes_id",
                       "hearing_attended", "hearing_held_on", "hearing_place", "hearing_at",
                       "hearing_invited_at", "authority_error", "costs_requested",
                       "letter_attachment_id", "received_on", "on_paper"):
            batch.drop_column(column)
