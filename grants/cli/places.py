"""`flask grants places import-many DIR --user EMAIL`: the places files of many praktijkleren
applications at once, one CSV file per application, each named after its application's
reference (PL-2013-2014-00001.csv). Each file is imported whole or refused whole; a refused file
is listed with its lines and the others are imported. Exits 1 when any file was refused."""

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from grants.extensions import db
from grants.models import User

places_cli = AppGroup("places", help="Praktijkleren: plaatsen inlezen.")


@places_cli.command("import-many")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--user", "email", required=True,
              help="E-mailadres van de aanvrager namens wiens organisatie wordt ingelezen.")
@click.option("--batch", type=click.IntRange(1, 5000), default=None,
              help="Bestanden per transactie (standaard 500).")
def import_many_command(folder: Path, email: str, batch: int | None):
    """Import every FOLDER/<kenmerk>.csv into the application with that reference."""
    from grants.jobs.places import BULK_BATCH, import_many
    from grants.services.places_bulk import PlacesFile

    actor = db.session.scalars(sa.select(User).where(User.email == email.strip().lower())
                               ).first()
    if actor is None:
        click.secho(f"Er is geen gebruiker met e-mailadres {email}.", fg="red", err=True)
        raise SystemExit(1)
    actor_id = actor.id
    db.session.commit()
    paths = sorted(path for path in folder.iterdir()
                   if path.is_file() and path.suffix.lower() == ".csv")
    files = [PlacesFile(path.name, path.stem, _opener(path)) for path in paths]
    counts = {"imported": 0, "refused": 0}

    def done(outcomes) -> None:
        for outcome in outcomes:
            if outcome.refusal is None:
                counts["imported"] += 1
                continue
            counts["refused"] += 1
            click.secho(f"{outcome.name}: {outcome.refusal.message}", fg="red", err=True)
            for where, messages in outcome.refusal.fields.items():
                for message in messages:
                    click.secho(f"  {where}: {message}", fg="red", err=True)
        click.echo(f"{counts['imported'] + counts['refused']} van {len(files)} bestanden "
                   f"verwerkt.")

    import_many(actor_id, files, batch=batch or BULK_BATCH, done=done)
    click.echo(f"{counts['imported']} bestanden ingelezen, {counts['refused']} geweigerd "
               f"(van {len(files)}).")
    if counts["refused"]:
        raise SystemExit(1)


def _opener(path: Path):
    return lambda: path.open("rb")
