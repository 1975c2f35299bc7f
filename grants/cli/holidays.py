"""`flask grants holidays …`: the days a royal decree made equal to a holiday for counting
statutory terms (Algemene termijnenwet art. 3); the law's own holidays are computed."""

from datetime import date

import click
from flask.cli import AppGroup

from grants.cli.refusals import fail
from grants.clock import now
from grants.errors import GrantsError
from grants.extensions import db
from grants.timefmt import format_day


def _day(_ctx, _param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value} is geen datum; geef JJJJ-MM-DD.") from None



@click.group("holidays", cls=AppGroup, invoke_without_command=True)
@click.pass_context
def holidays_cli(ctx):
    """Days made equal to a holiday by royal decree (list). Subcommands: add, remove."""
    if ctx.invoked_subcommand is not None:
        return
    from grants.services.days_off import all_days_off

    days = all_days_off()
    if not days:
        click.echo("Er zijn geen bij koninklijk besluit gelijkgestelde dagen.")
    for day_off in days:
        click.echo(f"{day_off.day.isoformat()}  {format_day(day_off.day):<20} {day_off.reason}")


@holidays_cli.command("add")
@click.argument("day", callback=_day)
@click.option("--reason", required=True,
              help="Het koninklijk besluit dat de dag gelijkstelt, met de vindplaats.")
def holidays_add(day, reason):
    """Add a day (JJJJ-MM-DD) a royal decree made equal to a holiday."""
    from grants.services.days_off import add_day_off

    try:
        added = add_day_off(day, reason, actor=None, now=now())
    except GrantsError as error:
        fail(error)
    db.session.commit()
    click.echo(f"{format_day(added.day)} is toegevoegd: een termijn die dan eindigt, loopt door "
               "tot de volgende werkdag.")


@holidays_cli.command("remove")
@click.argument("day", callback=_day)
@click.option("--reason", default="", help="Waarom de dag eraf gaat.")
def holidays_remove(day, reason):
    """Remove a day (JJJJ-MM-DD) from the list."""
    from grants.services.days_off import remove_day_off

    try:
        removed = remove_day_off(day, actor=None, now=now(), reason=reason)
    except GrantsError as error:
        fail(error)
    db.session.commit()
    click.echo(f"{format_day(removed.day)} is uit de lijst verwijderd.")
