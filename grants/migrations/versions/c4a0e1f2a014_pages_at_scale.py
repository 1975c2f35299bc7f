"""pages at national scale: the due date kept on each application, indexes for the queue, the list and the ledger, the ledger summed per day for the charts

Revision ID: c4a0e1f2a014
Revises: c4a0e1f2a013
Create Date: 2026-12-07 05:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4a0e1f2a014"
down_revision = "c4a0e1f2a013"
branch_labels = None
depends_on = None


# grants.models.applications.due_on_for, as SQL: the repair term while incomplete, the decision
# term while a decision is awaited (grants.models.applications.AWAITING_DECISION).
BACKFILL = ("UPDATE applications SET due_on = CASE WHEN state = 'incomplete' THEN repair_due_on "
            "WHEN state IN ('submitted', 'in_assessment', 'assessed', 'validated') "
            "THEN decision_due_on END")


# What an entry changes the chart's two balances by (grants.budget.charts), and the period it
# falls in: an Amsterdam day on PostgreSQL, an hour in UTC on SQLite (no zones; Amsterdam is a
# whole number of hours from UTC, so an hour never spans two Amsterdam days).
CHANGES = ("CASE WHEN {e}.kind = 'reserve' THEN {e}.amount_cents "
           "WHEN {e}.kind = 'release' AND {e}.bucket = 'reserved' THEN -{e}.amount_cents "
           "ELSE 0 END",
           "CASE WHEN {e}.kind = 'commit' THEN {e}.amount_cents "
           "WHEN {e}.kind = 'release' AND {e}.bucket = 'committed' THEN -{e}.amount_cents "
           "ELSE 0 END")
CHARTED = "kind IN ('reserve', 'commit', 'release')"
PERIOD = {
    "postgresql": "date_trunc('day', {e}.at AT TIME ZONE 'Europe/Amsterdam') "
                  "AT TIME ZONE 'Europe/Amsterdam'",
    # The text SQLAlchemy stores a naive UTC datetime as.
    "sqlite": "strftime('%Y-%m-%d %H:00:00.000000', {e}.at)",
}
UPSERT = ("INSERT INTO ledger_periods (line_id, starts_at, reserved_change_cents, "
          "committed_change_cents) VALUES (NEW.line_id, {period}, {reserved}, {committed}) "
          "ON CONFLICT (line_id, starts_at) DO UPDATE SET "
          "reserved_change_cents = ledger_periods.reserved_change_cents "
          "+ excluded.reserved_change_cents, "
          "committed_change_cents = ledger_periods.committed_change_cents "
          "+ excluded.committed_change_cents")


def _upsert(dialect: str) -> str:
    return UPSERT.format(period=PERIOD[dialect].format(e="NEW"),
                         reserved=CHANGES[0].format(e="NEW"),
                         committed=CHANGES[1].format(e="NEW"))


def create_postgresql_row_trigger():
    """Also what c4a0e1f2a017's downgrade returns to."""
    op.execute(f"""
        CREATE FUNCTION ledger_periods_add() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {_upsert("postgresql")};
            RETURN NULL;
        END $$""")
    op.execute(f"""
        CREATE TRIGGER ledger_entries_periods AFTER INSERT ON ledger_entries
        FOR EACH ROW WHEN (NEW.{CHARTED}) EXECUTE FUNCTION ledger_periods_add()""")


def _ledger_periods():
    op.create_table("ledger_periods",
    sa.Column("line_id", sa.Integer(), nullable=False),
    sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("reserved_change_cents", sa.BigInteger(), nullable=False),
    sa.Column("committed_change_cents", sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(["line_id"], ["budget_lines.id"], name=op.f("fk_ledger_periods_line_id_budget_lines"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("line_id", "starts_at", name=op.f("pk_ledger_periods"))
    )
    dialect = op.get_bind().dialect.name
    period = PERIOD[dialect]
    reserved, committed = (change.format(e="ledger_entries") for change in CHANGES)
    entry_period = period.format(e="ledger_entries")
    # Built from the constants above only.
    op.execute(" ".join([
        "INSERT INTO ledger_periods (line_id, starts_at, reserved_change_cents,",
        "committed_change_cents) SELECT line_id,", entry_period, ",",
        f"SUM({reserved}), SUM({committed}) FROM ledger_entries WHERE", CHARTED,
        "GROUP BY line_id,", entry_period]))
    upsert = _upsert(dialect)
    if dialect == "postgresql":
        create_postgresql_row_trigger()
    else:
        op.execute(f"""
            CREATE TRIGGER ledger_entries_periods AFTER INSERT ON ledger_entries
            WHEN NEW.{CHARTED} BEGIN {upsert}; END""")


def upgrade():
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_on", sa.Date(), nullable=True))
    op.execute(BACKFILL)
    # Plain CREATE INDEX on both databases: no table is rebuilt (ledger_entries' append-only
    # triggers stay as they are).
    op.create_index("ix_applications_state_due_on_reference", "applications",
                    ["state", "due_on", "reference"], unique=False)
    op.create_index("ix_applications_created_at_id", "applications", ["created_at", "id"],
                    unique=False)
    op.create_index("ix_ledger_entries_at_id", "ledger_entries", ["at", "id"], unique=False)
    _ledger_periods()


def downgrade():
    op.execute("DROP TRIGGER ledger_entries_periods" + (
        " ON ledger_entries" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION ledger_periods_add()")
    op.drop_table("ledger_periods")
    op.drop_index("ix_ledger_entries_at_id", table_name="ledger_entries")
    op.drop_index("ix_applications_created_at_id", table_name="applications")
    op.drop_index("ix_applications_state_due_on_reference", table_name="applications")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_column("due_on")
