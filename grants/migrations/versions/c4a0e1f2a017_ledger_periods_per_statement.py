"""ledger periods summed per statement on PostgreSQL: one upsert per line and day for all the entries an INSERT adds

Revision ID: c4a0e1f2a017
Revises: c4a0e1f2a015
Create Date: 2026-12-07 17:00:00.000000

"""
from importlib import import_module

from alembic import op


# revision identifiers, used by Alembic.
revision = "c4a0e1f2a017"
down_revision = "c4a0e1f2a015"
branch_labels = None
depends_on = None


# The row trigger of c4a0e1f2a014 upserted the (line, day) row once for each entry. On
# PostgreSQL every update of a row leaves its old version behind until the transaction ends, and
# each next upsert of the same row walks past all of them: an allocation run committing 20,000
# applications on one line spent 15 of its 56 seconds there (quadratic). One upsert per line and
# day for all the rows a statement inserts writes each row once a statement. In the order of
# line and day, so two transactions lock the rows they share in the same order. SQLite updates
# a row in place and keeps its row trigger.
SUMMED = """
    INSERT INTO ledger_periods (line_id, starts_at, reserved_change_cents, committed_change_cents)
    SELECT added.line_id,
           date_trunc('day', added.at AT TIME ZONE 'Europe/Amsterdam')
               AT TIME ZONE 'Europe/Amsterdam' AS starts_at,
           SUM(CASE WHEN added.kind = 'reserve' THEN added.amount_cents
                    WHEN added.kind = 'release' AND added.bucket = 'reserved'
                    THEN -added.amount_cents ELSE 0 END),
           SUM(CASE WHEN added.kind = 'commit' THEN added.amount_cents
                    WHEN added.kind = 'release' AND added.bucket = 'committed'
                    THEN -added.amount_cents ELSE 0 END)
    FROM added
    WHERE added.kind IN ('reserve', 'commit', 'release')
    GROUP BY 1, 2
    ORDER BY 1, 2
    ON CONFLICT (line_id, starts_at) DO UPDATE SET
        reserved_change_cents = ledger_periods.reserved_change_cents
            + excluded.reserved_change_cents,
        committed_change_cents = ledger_periods.committed_change_cents
            + excluded.committed_change_cents"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER ledger_entries_periods ON ledger_entries")
    op.execute("DROP FUNCTION ledger_periods_add()")
    op.execute(f"""
        CREATE FUNCTION ledger_periods_add() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {SUMMED};
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE TRIGGER ledger_entries_periods AFTER INSERT ON ledger_entries
        REFERENCING NEW TABLE AS added
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_periods_add()""")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # Back to c4a0e1f2a014's row trigger.
    earlier = import_module("grants.migrations.versions.c4a0e1f2a014_pages_at_scale")
    op.execute("DROP TRIGGER ledger_entries_periods ON ledger_entries")
    op.execute("DROP FUNCTION ledger_periods_add()")
    earlier.create_postgresql_row_trigger()
