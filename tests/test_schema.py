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
