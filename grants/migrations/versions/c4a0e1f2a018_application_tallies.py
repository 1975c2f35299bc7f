"""application tallies: how many applications there are per scheme, window, state and region, kept by the database so that a list's total needs no count of every row

Revision ID: c4a0e1f2a018
Revises: c4a0e1f2a017
Create Date: 2026-12-07 17:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4a0e1f2a018"
down_revision = "c4a0e1f2a017"
branch_labels = None
depends_on = None


KEY = "scheme_id, window_id, state, region"
COLUMNS = f"INSERT INTO application_tallies ({KEY}, change)"
# Only a change of one of the key's columns moves an application between tallies. A table
# rebuilt by a later batch migration on SQLite loses its triggers: such a migration must create
# these again (grants.models.ApplicationTally).
MOVED = " OR ".join(f"OLD.{column} {{differs}} NEW.{column}" for column in KEY.split(", "))
MOVE = (f"{COLUMNS} VALUES (OLD.scheme_id, OLD.window_id, OLD.state, OLD.region, -1), "
        "(NEW.scheme_id, NEW.window_id, NEW.state, NEW.region, 1)")


def upgrade():
    op.create_table("application_tallies",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("scheme_id", sa.Integer(), nullable=False),
    sa.Column("window_id", sa.Integer(), nullable=False),
    sa.Column("state", sa.String(length=40), nullable=False),
    sa.Column("region", sa.String(length=40), nullable=False),
    sa.Column("change", sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_application_tallies"))
    )
    # The SQL here is built from the constants above only (S608).
    op.execute(f"{COLUMNS} SELECT {KEY}, count(*) FROM applications GROUP BY {KEY}")  # noqa: S608
    if op.get_bind().dialect.name == "postgresql":
        # Per statement for inserts and deletes: a bulk load of 100,000 applications adds one
        # row per key, not one per application.
        op.execute(f"""
            CREATE FUNCTION application_tallies_add() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                {COLUMNS} SELECT {KEY}, count(*) FROM added GROUP BY {KEY};
                RETURN NULL;
            END $$""")  # noqa: S608
        op.execute(f"""
            CREATE FUNCTION application_tallies_remove() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                {COLUMNS} SELECT {KEY}, -count(*) FROM removed GROUP BY {KEY};
                RETURN NULL;
            END $$""")  # noqa: S608
        op.execute(f"""
            CREATE FUNCTION application_tallies_move() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                {MOVE};
                RETURN NULL;
            END $$""")
        op.execute("""
            CREATE TRIGGER applications_tallied_insert AFTER INSERT ON applications
            REFERENCING NEW TABLE AS added
            FOR EACH STATEMENT EXECUTE FUNCTION application_tallies_add()""")
        op.execute("""
            CREATE TRIGGER applications_tallied_delete AFTER DELETE ON applications
            REFERENCING OLD TABLE AS removed
            FOR EACH STATEMENT EXECUTE FUNCTION application_tallies_remove()""")
        op.execute(f"""
            CREATE TRIGGER applications_tallied_update
            AFTER UPDATE OF {KEY} ON applications
            FOR EACH ROW WHEN ({MOVED.format(differs='IS DISTINCT FROM')}) EXECUTE FUNCTION application_tallies_move()""")
    else:
        op.execute(f"""
            CREATE TRIGGER applications_tallied_insert AFTER INSERT ON applications BEGIN
            {COLUMNS} VALUES (NEW.scheme_id, NEW.window_id, NEW.state, NEW.region, 1); END""")  # noqa: S608
        op.execute(f"""
            CREATE TRIGGER applications_tallied_delete AFTER DELETE ON applications BEGIN
            {COLUMNS} VALUES (OLD.scheme_id, OLD.window_id, OLD.state, OLD.region, -1); END""")
        op.execute(f"""
            CREATE TRIGGER applications_tallied_update AFTER UPDATE OF {KEY} ON applications
            WHEN {MOVED.format(differs='IS NOT')} BEGIN {MOVE}; END""")


def downgrade():
    for name in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER applications_tallied_{name}" + (
            " ON applications" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        for name in ("add", "remove", "move"):
            op.execute(f"DROP FUNCTION application_tallies_{name}()")
    op.drop_table("application_tallies")
