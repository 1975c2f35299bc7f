"""`flask grants allocation …`: what finance does after an allocation run from the command line."""

import sys

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from grants.allocation.runs import roll_over_again
from grants.cli.refusals import fail
from grants.clock import now
from grants.errors import GrantsError
from grants.extensions import db
from grants.models import Role, User, UserRole
from grants.money import format_eur

allocation_cli = AppGroup("allocation", help="Verdelingen.")


@allocation_cli.command("roll-over")
@click.argument("scheme")
@click.argument("window")
@click.option("--as", "email", required=True, help="Het e-mailadres van de financiële medewerker.")
def roll_over(scheme, window, email):
    """Move what a divided first RIF period still leaves unused to the second, once the
    objection terms against its refusals have passed (what pending objections may still
    restore stays)."""
    actor = db.session.scalars(sa.select(User).join(UserRole).where(
        User.email == email.strip().lower(), UserRole.role == Role.FINANCE)).first()
    if actor is None:
        click.secho(f"{email} is geen financiële medewerker.", fg="red", err=True)
        sys.exit(1)
    try:
        moved = roll_over_again(scheme, window, actor, now())
    except GrantsError as refused:
        fail(refused)
    db.session.commit()
    click.echo(f"{format_eur(moved)} overgeheveld." if moved else "Er valt niets over te hevelen.")
