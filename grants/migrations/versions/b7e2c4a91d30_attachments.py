"""attachments: the PDF documents applicants add to their applications

Revision ID: b7e2c4a91d30
Revises: c4e2a7d90b13
Create Date: 2026-12-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b7e2c4a91d30"
down_revision = "c4e2a7d90b13"
branch_labels = None
depends_on = None

STATES = ("draft", "submitted", "incomplete", "unprocessed", "in_assessment", "assessed",
          "validated", "approved", "rejected", "withdrawn", "monitored", "settlement_requested",
          "settled", "paid", "closed")


def upgrade():
    op.create_table("attachments",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("application_id", sa.Integer(), nullable=False),
    sa.Column("filename", sa.String(length=160), nullable=False),
    sa.Column("content_type", sa.String(length=100), nullable=False),
    sa.Column("size_bytes", sa.Integer(), nullable=False),
    sa.Column("sha256", sa.String(length=64), nullable=False),
    sa.Column("content", sa.LargeBinary(), nullable=False),
    sa.Column("document_kind", sa.String(length=40), nullable=True),
    sa.Column("uploaded_while", sa.Enum(*STATES, name="uploaded_while", native_enum=False, create_constraint=True, length=28), nullable=False),
    sa.Column("answer_event_id", sa.Integer(), nullable=True),
    sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
    sa.CheckConstraint("size_bytes > 0", name=op.f("ck_attachments_size")),
    sa.ForeignKeyConstraint(["application_id"], ["applications.id"], name=op.f("fk_attachments_application_id_applications"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["answer_event_id"], ["audit_events.id"], name=op.f("fk_attachments_answer_event_id_audit_events"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"], name=op.f("fk_attachments_uploaded_by_id_users"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments"))
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index("ix_attachments_application_id_uploaded_at", ["application_id", "uploaded_at"], unique=False)


def downgrade():
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_attachments_application_id_uploaded_at")
    op.drop_table("attachments")
