"""`flask grants progress-report --until YYYY-MM-DD`: the progress report for parliament as a
PDF, with the figures at that day beside those six months earlier."""

from pathlib import Path

import click

from grants.errors import ValidationFailed
from grants.services.progress_report import parse_report_day, report_pdf


@click.command("progress-report")
@click.option("--until", "until", required=True, metavar="JJJJ-MM-DD",
              help="De dag waarvan de rapportage de stand geeft (aan het eind van die dag).")
@click.option("--out", "out", default=None, type=click.Path(dir_okay=False, writable=True),
              help="Het PDF-bestand; standaard voortgangsrapportage-<datum>.pdf hier.")
def progress_report_command(until, out):
    """Write the progress report (PDF) for the day given."""
    try:
        day = parse_report_day(until)
    except ValidationFailed as refused:
        raise click.BadParameter(refused.message, param_hint="--until") from None
    path = Path(out or f"voortgangsrapportage-{day.isoformat()}.pdf")
    path.write_bytes(report_pdf(day))
    click.echo(f"Voortgangsrapportage op {day.isoformat()} geschreven naar {path}.")
