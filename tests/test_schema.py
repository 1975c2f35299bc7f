"""The migrations build exactly the schema the models describe, on this run's database."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from grants.extensions import db
from grants.schema import current_revisions, head_revisions


def test_database_is_at_the_newest_migration():
    assert current_revisions() == head_revisions()


def test_migrations_match_the_models():
    context = MigrationContext.configure(db.session.connection(),
                                         opts={"compare_type": True})
    assert compare_metadata(context, db.metadata) == []


def test_sqlite_runs_with_wal_and_foreign_keys():
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_check_constraints_guard_the_codes():
    import pytest
    import sqlalchemy as sa
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(sa.text(
            "INSERT INTO organisations (name, kvk, kind, region, created_at) "
            "VALUES ('X', '11112222', 'employer', 'Atlantis', CURRENT_TIMESTAMP)"))


# What the database keeps by itself: a later migration that rebuilds one of these tables on
# SQLite (batch mode copies it) drops its triggers unless it makes them again.
KEPT_BY_TRIGGERS = {
    "applications": {"applications_tallied_insert", "applications_tallied_update",
                     "applications_tallied_delete"},
    "ledger_entries": {"ledger_entries_periods"},
}


def test_the_tables_whose_sums_the_database_keeps_still_have_their_triggers():
    import sqlalchemy as sa

    connection = db.session.connection()
    for table, triggers in KEPT_BY_TRIGGERS.items():
        if connection.dialect.name == "sqlite":
            found = connection.execute(sa.text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table"),
                {"table": table}).scalars()
        else:
            found = connection.execute(sa.text(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = CAST(:table AS regclass)"),
                {"table": table}).scalars()
        assert triggers <= set(found), table
