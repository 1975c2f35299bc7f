"""How a command reports a refusal: roll back, say what and where in red, exit 1."""

import sys

import click

from grants.errors import GrantsError
from grants.extensions import db


def fail(error: GrantsError) -> None:
    db.session.rollback()
    click.secho(error.message, fg="red", err=True)
    for field, messages in error.fields.items():
        for message in messages:
            click.secho(f"  {field}: {message}", fg="red", err=True)
    sys.exit(1)
