"""`flask grants verify`: recompute the record from its evidence and report any drift."""

import sys

import click
import sqlalchemy as sa

from grants.clock import now
from grants.database import reading
from grants.extensions import db
from grants.models import Role, User, UserRole, VerificationOrigin
from grants.services.verification import describe, record_run, summary, verify_record


@click.command("verify")
@click.option("--as", "email", default=None,
              help="Het e-mailadres van de financiële medewerker of beheerder die controleert.")
def verify_command(email):
    """Recompute every budget line's balances from the ledger, every application's state from
    its audit trail, every stored letter's SHA-256 and every approved payment run's SEPA file;
    print what differs. Exit status 1 when anything does. The run is recorded."""
    actor = None
    if email:
        actor = db.session.scalars(sa.select(User).join(UserRole).where(
            User.email == email.strip().lower(),
            UserRole.role.in_([Role.FINANCE, Role.ADMIN]))).first()
        if actor is None:
            click.secho(f"{email} is geen financiële medewerker of beheerder.", fg="red",
                        err=True)
            sys.exit(2)
    db.session.commit()
    started_at = now()
    # Only reads, however long: on SQLite no writer has to wait for it.
    with reading():
        report = verify_record()
        db.session.commit()
    run = record_run(report, origin=VerificationOrigin.CLI, actor=actor, started_at=started_at,
                     finished_at=now())
    db.session.commit()

    click.echo(summary(report))
    if report.clean:
        click.echo(f"Geen afwijkingen (controle {run.id}).")
        return
    count = len(report.findings)
    click.secho(f"{count} {'afwijking' if count == 1 else 'afwijkingen'} (controle {run.id}):",
                fg="red")
    for finding in report.findings:
        click.echo(f"- {describe(finding.as_json())}")
    sys.exit(1)
