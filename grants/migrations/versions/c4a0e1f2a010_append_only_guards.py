"""append-only guards: assessments, submissions, ceiling amendments once approved, payment runs and
their lines once approved (sent to the bank); on PostgreSQL no TRUNCATE of any evidence table

Revision ID: c4a0e1f2a010
Revises: c4a0e1f2a009
Create Date: 2026-12-07 02:45:00.000000

The database refuses what the app never does, so that neither a bug nor someone with the app's
credentials can rewrite the record: an assessment or a frozen submission is never changed; a
ceiling amendment only gets its approver, once; a payment run changes only while prepared, and
a line only while it waits in a prepared run (the bank has the rest). TRUNCATE fires no row
trigger, so on PostgreSQL every evidence table also gets a statement trigger refusing it (SQLite
has no TRUNCATE: its DELETE without WHERE fires the row triggers).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "c4a0e1f2a010"
down_revision = "c4a0e1f2a009"
branch_labels = None
depends_on = None

# Never changed, never deleted.
APPEND_ONLY = ("assessments", "submissions")
# Rows the record keeps for good, some fields of which may still be filled in once (the earlier
# migrations guard their UPDATE and DELETE): no TRUNCATE of these either.
EVIDENCE = ("audit_events", "ledger_entries", "admin_events", "decisions", "assessments",
            "submissions", "ceiling_amendments", "payment_runs", "payment_lines")

AMENDMENT_FIXED = ("id", "line_id", "old_ceiling_cents", "new_ceiling_cents", "reason",
                   "effective_on", "recorded_at", "recorded_by_id")
# When an UPDATE is refused (a WHEN condition over OLD and NEW) and what the refusal says.
GUARDED_UPDATES = {
    "ceiling_amendments": (
        "OLD.approved_by_id IS NOT NULL OR "
        + " OR ".join(f"NEW.{column} IS DISTINCT FROM OLD.{column}" for column in AMENDMENT_FIXED),
        "a ceiling amendment is fixed: only its approver is filled in, once"),
    "payment_runs": (
        "OLD.status <> 'prepared'",
        "a payment run is fixed once approved or cancelled"),
    "payment_lines": (
        "OLD.held IS NULL OR OLD.ledger_entry_id IS NOT NULL OR "
        "(SELECT status FROM payment_runs WHERE id = OLD.run_id) = 'approved'",
        "a payment line is fixed once released, paid or sent"),
}
NEVER_DELETED = ("ceiling_amendments", "payment_runs", "payment_lines")


def _sqlite(condition: str) -> str:
    return condition.replace("IS DISTINCT FROM", "IS NOT")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE OR REPLACE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
            END $$""")
        for table in APPEND_ONLY:
            op.execute(f"""
                CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION refuse_change()""")
        for table, (condition, message) in GUARDED_UPDATES.items():
            op.execute(f"""
                CREATE FUNCTION {table}_guard() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF {condition} THEN
                        RAISE EXCEPTION '{message}';
                    END IF;
                    RETURN NEW;
                END $$""")
            op.execute(f"""
                CREATE TRIGGER {table}_guard BEFORE UPDATE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {table}_guard()""")
        for table in NEVER_DELETED:
            op.execute(f"""
                CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION refuse_change()""")
        for table in EVIDENCE:
            op.execute(f"""
                CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()""")
        return
    for table in APPEND_ONLY:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table}
                BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""")
    for table, (condition, message) in GUARDED_UPDATES.items():
        op.execute(f"""
            CREATE TRIGGER {table}_guard BEFORE UPDATE ON {table} WHEN {_sqlite(condition)}
            BEGIN SELECT RAISE(ABORT, '{message}'); END""")
    for table in NEVER_DELETED:
        op.execute(f"""
            CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""")


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        for table in EVIDENCE:
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
    on = (lambda table: f" ON {table}") if postgresql else (lambda table: "")
    for table in NEVER_DELETED:
        op.execute(f"DROP TRIGGER {table}_no_delete{on(table)}")
    for table in GUARDED_UPDATES:
        op.execute(f"DROP TRIGGER {table}_guard{on(table)}")
        if postgresql:
            op.execute(f"DROP FUNCTION {table}_guard()")
    for table in APPEND_ONLY:
        if postgresql:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        else:
            op.execute(f"DROP TRIGGER {table}_no_update")
            op.execute(f"DROP TRIGGER {table}_no_delete")
