"""`flask grants backup PATH`, `flask grants restore PATH` and `flask grants sepa-sent`.

Backup only reads (it runs beside the app: SQLite's online backup API or pg_dump). Restore
replaces the database: run it with the app and its workers stopped; on SQLite it refuses while
any other connection has the database open.
"""

import sys

import click
from flask.cli import AppGroup

from grants.backup import BackupError, create_backup, restore_backup
from grants.clock import now
from grants.extensions import db
from grants.payments.export import resolve_sent, sent_records
from grants.schema import current_revisions, head_revisions


def _refuse(error: BackupError) -> None:
    db.session.rollback()
    click.secho(error.message, fg="red", err=True)
    sys.exit(1)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--replace", is_flag=True, help="Overschrijf PATH als het al bestaat.")
@click.option("--with-secrets", is_flag=True,
              help="Neem ook instance/secret_key en instance/config.py op.")
def backup_command(path, replace, with_secrets):
    """Write a consistent copy of the database and the instance's files to one archive file
    (a .tar, or .tar.gz); safe while the app runs."""
    try:
        result = create_backup(path, now(), replace=replace, with_secrets=with_secrets)
    except BackupError as error:
        _refuse(error)
    for message_id in result.exported:
        click.echo(f"SEPA-bestand {message_id} ontbrak in de exportmap en is er nu in gezet.")
    manifest = result.manifest
    click.echo(f"Back-up geschreven: {result.path} ({manifest['database']['dialect']}, schema "
               f"{', '.join(manifest['schema_revisions'])}, {len(manifest['members'])} "
               "onderdelen).")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Vervang ook een database die al gegevens bevat.")
@click.option("--mark-sent", is_flag=True,
              help="Zet terug ook als de exportmap SEPA-bestanden bevat die de back-up niet als "
                   "goedgekeurd kent; ze worden vastgelegd als verstuurd en niet opnieuw betaald.")
@click.option("--with-secrets", is_flag=True,
              help="Zet ook de geheime sleutel en instance/config.py uit de back-up terug.")
def restore_command(path, force, mark_sent, with_secrets):
    """Check a backup made by `flask grants backup` and put it back. Stop the app and its
    workers first."""
    try:
        result = restore_backup(path, now(), force=force, mark_sent=mark_sent,
                                with_secrets=with_secrets)
    except BackupError as error:
        _refuse(error)
    click.echo(f"Teruggezet: de back-up van {result.manifest['created_at']} "
               f"(versie {result.manifest['app_version']}).")
    for message_id in result.marked_sent:
        click.secho(f"SEPA-bestand {message_id} is vastgelegd als verstuurd: de aanvragen die "
                    "het betaalde worden niet opnieuw betaald. Boek die betalingen met de hand "
                    f"en sluit het af met: flask grants sepa-sent resolve {message_id}",
                    fg="yellow")
    for name in result.files_kept:
        click.secho(f"{name} staat al in de instance-map met een andere inhoud; dat bestand is "
                    "gehouden.", fg="yellow")
    if current_revisions() != head_revisions():
        click.echo("Het schema van de back-up is ouder dan deze versie: voer nu "
                   "`flask grants migrate` uit.")
    db.session.rollback()


sepa_sent_cli = AppGroup(
    "sepa-sent", help="SEPA-bestanden die de bank kreeg maar een teruggezette database niet "
                      "als goedgekeurd kent.")


@sepa_sent_cli.command("list")
def sepa_sent_list():
    """The recorded files, their payments and whether finance has booked them."""
    records = sent_records()
    if not records:
        click.echo("Er zijn geen vastgelegde SEPA-bestanden buiten de database.")
    for record in records:
        state = (f"afgehandeld {record['resolved_at']}: {record['resolution']}"
                 if record["resolved_at"] else "open")
        click.echo(f"{record['message_id']}  {state}")
        for transfer in record["transfers"]:
            euros, cents = divmod(transfer["amount_cents"], 100)
            click.echo(f"  {transfer['reference']:<24} {euros:>12},{cents:02d}  "
                       f"{transfer['iban']}  {transfer['remittance']}")


@sepa_sent_cli.command("resolve")
@click.argument("message_id")
@click.option("--reason", required=True,
              help="Hoe de betalingen zijn verwerkt (bijvoorbeeld: met de hand geboekt).")
def sepa_sent_resolve(message_id, reason):
    """After finance booked a recorded file's payments by hand: let its applications be paid
    by payment runs again."""
    if not reason.strip():
        click.secho("Geef met --reason aan hoe de betalingen zijn verwerkt.", fg="red", err=True)
        sys.exit(1)
    if resolve_sent(message_id, now(), reason.strip()) is None:
        click.secho(f"Er is geen vastgelegd SEPA-bestand {message_id}.", fg="red", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"SEPA-bestand {message_id} is afgehandeld.")
