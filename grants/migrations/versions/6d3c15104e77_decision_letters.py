"""decision letters: decisions (the outbox and the stored PDFs) and background jobs

Revision ID: 6d3c15104e77
Revises: a110ca7e0001
Create Date: 2026-11-30 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "6d3c15104e77"
down_revision = "a110ca7e0001"
branch_labels = None
depends_on = None

DECISION_KINDS = ("grant", "rejection", "not_processed", "direct_settlement", "settlement",
                  "recovery", "objection")
# What a decision was made from: fixed from the moment it is written.
FIXED_COLUMNS = ("application_id", "audit_event_id", "kind", "reference", "decided_on",
                 "amount_cents", "context", "template_version", "created_at")


def upgrade():
    op.create_table("jobs",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("kind", sa.Enum("letters", name="kind", native_enum=False, create_constraint=True, length=15), nullable=False),
    sa.Column("label", sa.String(length=200), nullable=False),
    sa.Column("status", sa.Enum("queued", "running", "done", "failed", name="status", native_enum=False, create_constraint=True, length=15), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("worker", sa.String(length=200), nullable=False),
    sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("runs", sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs"))
    )
    op.create_table("decisions",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("application_id", sa.Integer(), nullable=False),
    sa.Column("audit_event_id", sa.Integer(), nullable=False),
    sa.Column("kind", sa.Enum(*DECISION_KINDS, name="kind", native_enum=False, create_constraint=True, length=25), nullable=False),
    sa.Column("reference", sa.String(length=60), nullable=False),
    sa.Column("decided_on", sa.Date(), nullable=False),
    sa.Column("amount_cents", sa.BigInteger(), nullable=True),
    sa.Column("context", sa.JSON(), nullable=False),
    sa.Column("template_version", sa.String(length=20), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("job_id", sa.Integer(), nullable=True),
    sa.Column("pdf", sa.LargeBinary(), nullable=True),
    sa.Column("sha256", sa.String(length=64), nullable=True),
    sa.Column("rendered_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("pages", sa.Integer(), nullable=True),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("last_error", sa.Text(), nullable=False),
    sa.CheckConstraint("(pdf IS NULL) = (sha256 IS NULL) AND (pdf IS NULL) = (rendered_at IS NULL)", name=op.f("ck_decisions_rendered")),
    sa.CheckConstraint("amount_cents IS NULL OR amount_cents >= 0", name=op.f("ck_decisions_amount")),
    sa.ForeignKeyConstraint(["application_id"], ["applications.id"], name=op.f("fk_decisions_application_id_applications"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["audit_event_id"], ["audit_events.id"], name=op.f("fk_decisions_audit_event_id_audit_events"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_decisions_job_id_jobs"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    sa.UniqueConstraint("reference", name=op.f("uq_decisions_reference"))
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisions_application_id"), ["application_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_decisions_audit_event_id"), ["audit_event_id"], unique=False)
        batch_op.create_index("ix_decisions_job_id_rendered_at", ["job_id", "rendered_at"], unique=False)

    _guard_decisions()


# A decision letter is evidence, like the audit trail: the database itself refuses to delete a
# decision, to change what it was made from, and to change anything once its letter is stored
# (the PDF and its hash are written exactly once). Only a row still waiting for its letter may
# change, and then only its job, its attempts and its last error, or get its letter.
# (A later batch_alter_table on decisions under SQLite rebuilds the table: recreate these then.)
def _guard_decisions():
    if op.get_bind().dialect.name == "postgresql":
        changed = " OR ".join(
            f"NEW.{column}::text IS DISTINCT FROM OLD.{column}::text" for column in FIXED_COLUMNS)
        op.execute(f"""
            CREATE FUNCTION decisions_guard() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    RAISE EXCEPTION 'decisions are kept: a decision cannot be deleted';
                END IF;
                IF OLD.pdf IS NOT NULL OR OLD.sha256 IS NOT NULL OR {changed} THEN
                    RAISE EXCEPTION 'decisions are fixed: a decision and its stored letter cannot be changed';
                END IF;
                RETURN NEW;
            END $$""")
        op.execute("""
            CREATE TRIGGER decisions_guard BEFORE UPDATE OR DELETE ON decisions
            FOR EACH ROW EXECUTE FUNCTION decisions_guard()""")
    else:
        changed = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in FIXED_COLUMNS)
        op.execute("""
            CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
            BEGIN SELECT RAISE(ABORT, 'decisions are kept: a decision cannot be deleted'); END""")
        op.execute(f"""
            CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
            WHEN OLD.pdf IS NOT NULL OR OLD.sha256 IS NOT NULL OR {changed}
            BEGIN SELECT RAISE(ABORT, 'decisions are fixed: a decision and its stored letter cannot be changed'); END""")


def _unguard_decisions():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER decisions_guard ON decisions")
        op.execute("DROP FUNCTION decisions_guard()")
    else:
        op.execute("DROP TRIGGER decisions_no_update")
        op.execute("DROP TRIGGER decisions_no_delete")


def downgrade():
    _unguard_decisions()
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_decisions_job_id_rendered_at")
        batch_op.drop_index(batch_op.f("ix_decisions_audit_event_id"))
        batch_op.drop_index(batch_op.f("ix_decisions_application_id"))
    op.drop_table("decisions")
    op.drop_table("jobs")
