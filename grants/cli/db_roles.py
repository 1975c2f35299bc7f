"""`flask grants db-roles`: PostgreSQL's two roles, so that the app cannot undo what guards it.

The owner role owns the schema: migrations run as it (`flask grants migrate` with its URL). The
app role, which the web and worker processes connect as, may read and write rows and nothing
else: not owning a table, it cannot ALTER it, DISABLE its TRIGGERs or drop it; without the
TRUNCATE privilege it cannot empty one; not a superuser, it cannot set
``session_replication_role`` (which would switch every trigger off). Rows of the append-only
tables it cannot even try to change: those privileges are not granted at all, on top of the
triggers that refuse them.
"""

import click
import sqlalchemy as sa

from grants.extensions import db

# Only ever appended to: the app role gets SELECT and INSERT on these, nothing more.
APPEND_ONLY_TABLES = ("audit_events", "ledger_entries", "admin_events", "assessments",
                      "submissions", "verification_runs", "action_events")


def role_statements(database: str, owner: str, app: str) -> list[str]:
    """The SQL that hands the schema to ``owner`` and rows to ``app`` (run as a superuser,
    after the roles exist). Safe to run again, also after a migration added tables."""
    database, owner_q, app_q = _quote(database), _quote(owner), _quote(app)
    owner_literal = owner.replace("'", "''")
    append_only = ", ".join(APPEND_ONLY_TABLES)
    return [
        f"ALTER ROLE {app_q} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS",
        f"GRANT CONNECT ON DATABASE {database} TO {owner_q}, {app_q}",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f"GRANT USAGE, CREATE ON SCHEMA public TO {owner_q}",
        f"GRANT USAGE ON SCHEMA public TO {app_q}",
        # Every table, sequence and trigger function the migrations made becomes the owner's.
        # (DDL takes no parameters: the operator's role name goes in as a quoted literal.)
        f"""DO $$
        DECLARE item record;
        BEGIN
            FOR item IN SELECT c.oid::regclass AS name FROM pg_class c
                        JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v')
            LOOP
                EXECUTE 'ALTER TABLE ' || item.name || ' OWNER TO '
                        || quote_ident('{owner_literal}');
            END LOOP;
            FOR item IN SELECT p.oid::regprocedure AS name FROM pg_proc p
                        JOIN pg_namespace n ON n.oid = p.pronamespace
                        WHERE n.nspname = 'public'
            LOOP
                EXECUTE 'ALTER FUNCTION ' || item.name || ' OWNER TO '
                        || quote_ident('{owner_literal}');
            END LOOP;
        END $$""",  # noqa: S608
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {app_q}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app_q}",
        f"REVOKE UPDATE, DELETE ON {append_only} FROM {app_q}",
        f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {app_q}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app_q}",
        # Tables and sequences later migrations add are the app's to use as well.
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner_q} IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app_q}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner_q} IN SCHEMA public "
        f"GRANT USAGE, SELECT ON SEQUENCES TO {app_q}",
    ]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _ensure_role(connection, name: str, password: str | None) -> bool:
    exists = connection.scalar(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :name"),
                               {"name": name})
    quoted = connection.dialect.identifier_preparer.quote(name)
    if not exists:
        connection.exec_driver_sql(f"CREATE ROLE {quoted} LOGIN")
    if password:
        # The password is sent as a literal: PostgreSQL takes no parameters in ALTER ROLE.
        literal = password.replace("'", "''")
        connection.exec_driver_sql(f"ALTER ROLE {quoted} PASSWORD '{literal}'")
    return not exists


@click.command("db-roles")
@click.option("--owner", default="grants_owner", show_default=True,
              help="De rol die het schema bezit en de migraties uitvoert.")
@click.option("--app", "app_role", default="grants_app", show_default=True,
              help="De rol waarmee de applicatie en de workers verbinden.")
@click.option("--owner-password", envvar="GRANTS_DB_OWNER_PASSWORD",
              help="Wachtwoord van de eigenaarsrol (of GRANTS_DB_OWNER_PASSWORD).")
@click.option("--app-password", envvar="GRANTS_DB_APP_PASSWORD",
              help="Wachtwoord van de applicatierol (of GRANTS_DB_APP_PASSWORD).")
@click.option("--print-sql", is_flag=True, help="Toon de SQL alleen; voer niets uit.")
def db_roles_command(owner, app_role, owner_password, app_password, print_sql):
    """Set up PostgreSQL's owner and app roles (run with a superuser's GRANTS_DATABASE_URL)."""
    if db.engine.dialect.name != "postgresql":
        raise click.ClickException("Twee databaserollen zijn er alleen voor PostgreSQL; SQLite "
                                   "kent geen rollen (bescherm het bestand in instance/).")
    if owner == app_role:
        raise click.ClickException("De eigenaarsrol en de applicatierol moeten verschillen.")
    statements = role_statements(db.engine.url.database, owner, app_role)
    if print_sql:
        click.echo(";\n".join(statements) + ";")
        return
    db.session.rollback()
    with db.engine.begin() as connection:
        created = [name for name, password in ((owner, owner_password),
                                               (app_role, app_password))
                   if _ensure_role(connection, name, password)]
        for statement in statements:
            connection.exec_driver_sql(statement)
    url = db.engine.url
    for name in created:
        click.echo(f"Rol {name} aangemaakt.")
    click.echo(f"Migraties (flask grants migrate) met GRANTS_DATABASE_URL="
               f"{url.set(username=owner, password=None).render_as_string()}")
    click.echo(f"De applicatie en de workers met GRANTS_DATABASE_URL="
               f"{url.set(username=app_role, password=None).render_as_string()}")
