"""What a piece of code asks the database: the statements it sends, counted by the tests that
hold a page or a run to a number of statements however many rows it weighs (issue 16)."""

import sqlalchemy as sa

from grants.extensions import db


def statements_of(action) -> tuple[list[str], object]:
    """The statements ``action()`` sends (savepoints, the tests' own transaction, aside) and
    what it returns."""
    seen = []

    def note(_connection, _cursor, statement, *_rest):
        if not statement.startswith(("SAVEPOINT", "RELEASE")):
            seen.append(statement)

    engine = db.session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        result = action()
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    return seen, result
