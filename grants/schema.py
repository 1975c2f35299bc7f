"""Bringing a database to the current schema through the migrations."""

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import upgrade

from grants.extensions import db


def current_revisions() -> set[str]:
    context = MigrationContext.configure(db.session.connection())
    return set(context.get_current_heads())


def head_revisions() -> set[str]:
    config = current_app.extensions["migrate"].migrate.get_config()
    return set(ScriptDirectory.from_config(config).get_heads())


def prepare_database() -> None:
    """Upgrade to the newest schema when the database is behind; otherwise touch nothing."""
    behind = current_revisions() != head_revisions()
    db.session.rollback()  # the check's read transaction must not hold the migration up
    if behind:
        upgrade(revision="heads")
