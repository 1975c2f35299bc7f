"""`flask grants mail …`: the outbox (sent, waiting, failed), sending now, and reminders."""

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from grants.clock import now
from grants.database import writing
from grants.extensions import db
from grants.models import MAIL_STATUS_LABELS, MailStatus, OutgoingMail
from grants.timefmt import AMSTERDAM

STATUS_CHOICE = click.Choice([status.value for status in MailStatus])


@click.group("mail", cls=AppGroup, invoke_without_command=True)
@click.option("--status", type=STATUS_CHOICE, help="Alleen verstuurde, wachtende of mislukte.")
@click.option("--limit", default=50, show_default=True, help="Hoeveel berichten, nieuwste eerst.")
@click.pass_context
def mail_cli(ctx, status, limit):
    """The outbox: mails sent, waiting and failed (with the reason). Subcommands: show, send,
    remind."""
    if ctx.invoked_subcommand is not None:
        return
    from grants.jobs.mail import outbox, outbox_counts

    counts = outbox_counts()
    click.echo(", ".join(f"{MAIL_STATUS_LABELS[s]}: {n}" for s, n in counts.items()))
    for mail in outbox(MailStatus(status) if status else None, limit):
        written = mail.created_at.astimezone(AMSTERDAM)
        click.secho(f"{mail.id:>6}  {written:%Y-%m-%d %H:%M}  {mail.status_label:<10} "
                    f"{mail.recipient:<36} {mail.subject}",
                    fg="red" if mail.status is MailStatus.FAILED else None)
        if mail.status is MailStatus.FAILED:
            click.secho(f"{'':>8}{mail.attempts} poging(en): {mail.last_error}", fg="red")


@mail_cli.command("show")
@click.argument("mail_id", type=int)
def mail_show(mail_id):
    """One mail as it is (or will be) sent."""
    from grants.mail.transport import build_message

    mail = db.session.get(OutgoingMail, mail_id)
    if mail is None:
        click.secho(f"Er is geen bericht {mail_id}.", fg="red", err=True)
        sys.exit(1)
    click.echo(f"Status: {mail.status_label}"
               + (f", {mail.attempts} mislukte poging(en): {mail.last_error}"
                  if mail.last_error else ""))
    message = build_message(mail, str(current_app.config["MAIL_FROM"]))
    for name, value in message.items():
        click.echo(f"{name}: {value}")
    click.echo("")
    click.echo(mail.body)


@mail_cli.command("send")
def mail_send():
    """Send the waiting mails (and those that failed before) here and now, without a worker."""
    from grants.jobs.mail import send_waiting_mail
    from grants.mail.transport import transport_for

    where = transport_for(current_app._get_current_object()).where
    outcome = send_waiting_mail()
    click.echo(f"{outcome.sent} verstuurd, {len(outcome.failed)} mislukt ({where}).")
    for mail_id, reason in outcome.failed.items():
        click.secho(f"  bericht {mail_id}: {reason}", fg="red")
    if outcome.failed:
        sys.exit(1)


@mail_cli.command("remind")
@click.option("--days", default=7, show_default=True,
              help="Herinner aan termijnen die binnen zoveel dagen aflopen.")
def mail_remind(days):
    """Remind of terms that end within --days: the repair term (to the applicant) and the
    decision term (to the assessors); and of reports due soon or late (days as rules data).
    Each is reminded once, however often this runs."""
    from grants.mail.reminders import write_reminders, write_report_reminders

    with writing():
        moment = now()
        today = moment.astimezone(AMSTERDAM).date()
        terms = write_reminders(today, days, moment)
        reports = write_report_reminders(today, moment)
        db.session.commit()  # the mails go on the queue now
    click.echo(f"{terms.written + reports.written} herinneringen geschreven; "
               f"{terms.known + reports.known} waren al eerder geschreven.")
