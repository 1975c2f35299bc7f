"""The `flask grants …` commands. Each command is a boundary: it commits or rolls back whole."""

import os
import sys

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from grants.cli.allocations import allocation_cli
from grants.cli.backup import backup_command, restore_command, sepa_sent_cli
from grants.cli.db_roles import db_roles_command
from grants.cli.holidays import holidays_cli
from grants.cli.mail import mail_cli
from grants.cli.places import places_cli
from grants.cli.progress import progress_report_command
from grants.cli.refusals import fail
from grants.cli.verify import verify_command
from grants.clock import now
from grants.database import writing
from grants.errors import GrantsError
from grants.extensions import db
from grants.models import ROLE_LABELS, Organisation, Role, User

# These only read: on SQLite a write transaction would lock out every web request that writes
# for as long as they run (an export of a large database takes minutes).
# Long-running commands declare their writes where they make them.
# Backup runs beside the app; restore declares the writes it makes after the database is back.
READ_ONLY_COMMANDS = frozenset({"export", "deadlines", "budget", "serve", "worker", "mail",
                                "backup", "restore", "places"})


@click.pass_context
def _declare_writes(ctx: click.Context) -> None:
    # Commands write: SQLite takes its write lock when their transactions begin.
    if ctx.invoked_subcommand not in READ_ONLY_COMMANDS:
        ctx.with_resource(writing())


grants_cli = AppGroup("grants", help="Beheer van de subsidie-applicatie.", callback=_declare_writes)
user_cli = AppGroup("user", help="Gebruikers.")
token_cli = AppGroup("token", help="API-tokens.")
grants_cli.add_command(user_cli)
grants_cli.add_command(token_cli)
grants_cli.add_command(mail_cli)
grants_cli.add_command(holidays_cli)
grants_cli.add_command(allocation_cli)
grants_cli.add_command(backup_command)
grants_cli.add_command(restore_command)
grants_cli.add_command(sepa_sent_cli)
grants_cli.add_command(db_roles_command)
grants_cli.add_command(verify_command)
grants_cli.add_command(progress_report_command)
grants_cli.add_command(places_cli)

ROLE_CHOICE = click.Choice([role.value for role in Role])



def _user_by_email(email: str) -> User:
    user = db.session.scalars(sa.select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        click.secho(f"Er is geen gebruiker met e-mailadres {email}.", fg="red", err=True)
        sys.exit(1)
    return user


@grants_cli.command("migrate")
def migrate_command():
    """Bring the database schema up to date (as `flask db upgrade`)."""
    from grants.schema import prepare_database

    prepare_database()
    click.echo("Het databaseschema is bijgewerkt.")


@grants_cli.command("seed")
def seed_command():
    """Add the schemes, windows, ceilings and budgets of the Techniekpact that are missing."""
    from grants.schema import prepare_database
    from grants.seed import seed_schemes

    prepare_database()
    schemes = seed_schemes(now())
    db.session.commit()
    click.echo("Regelingen: " + ", ".join(scheme.code for scheme in schemes))


@grants_cli.command("demo")
@click.option("--force", is_flag=True,
              help="Ook in een database met andere gegevens dan de demo (zonder bekende "
                   "wachtwoorden).")
def demo_command(force):
    """Prepare the database and load the demo data set (safe to run again)."""
    from grants.demo import NotADemoDatabase, load_demo
    from grants.schema import prepare_database

    prepare_database()
    try:
        users = load_demo(now(), force=force)
    except NotADemoDatabase:
        db.session.rollback()
        click.secho("Deze database bevat andere gegevens dan de demo (gebruikers of "
                    "organisaties). De demo is niet geladen. Gebruik een lege database, of geef "
                    "--force: dan worden de demogegevens toegevoegd, maar krijgt geen enkel "
                    "account een bekend wachtwoord.", fg="red", err=True)
        sys.exit(1)
    db.session.commit()
    # The demo's decisions get their letters here and now, so the pages show them without a
    # worker; the messages already on the queue then find nothing left to do.
    from grants.jobs.letters import run_letters_job
    from grants.jobs.queue import unfinished_jobs

    made = sum(run_letters_job(job_id).stored for job_id in unfinished_jobs())
    if made:
        click.echo(f"{made} besluitbrieven gemaakt.")
    if not users:
        click.echo("Demodata geladen in een database die geen demodatabase is: de "
                   "demo-accounts hebben geen bekend wachtwoord (stel er een in via "
                   "'Wachtwoord vergeten').")
        return
    click.echo("Demodata geladen. Inloggen kan met:")
    for demo in users:
        click.echo(f"  {ROLE_LABELS[demo.role]:<26} {demo.email:<36} {demo.password}")
    from grants.demo import DEMO_TOTP_SECRET
    from grants.services.two_factor import grouped

    click.echo("Medewerkers loggen in met tweestapsverificatie: zet deze sleutel in een "
               f"authenticator-app (TOTP, 6 cijfers, 30 seconden): {grouped(DEMO_TOTP_SECRET)}")
    click.echo("Een API-token maakt u met: flask grants token create EMAIL")


@user_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Volledige naam.")
@click.option("--role", "roles", type=ROLE_CHOICE, multiple=True, required=True,
              help="Rol; mag vaker worden gegeven.")
@click.option("--organisation", "kvk", help="KvK-nummer van de organisatie (aanvragers).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Zonder deze optie wordt ernaar gevraagd.")
def user_create(email, name, roles, kvk, password):
    """Create a user account."""
    from grants.services.accounts import create_user

    organisation = None
    if kvk:
        organisation = db.session.scalars(
            sa.select(Organisation).where(Organisation.kvk == kvk.replace(" ", ""))
        ).first()
        if organisation is None:
            click.secho(f"Er is geen organisatie met KvK-nummer {kvk}.", fg="red", err=True)
            sys.exit(1)
    try:
        user = create_user(email=email, name=name, roles={Role(r) for r in roles},
                           password=password, organisation=organisation)
    except GrantsError as error:
        fail(error)
    db.session.commit()
    click.echo(f"Gebruiker {user.email} aangemaakt ({', '.join(sorted(roles))}).")


@user_cli.command("list")
def user_list():
    """List users with their roles."""
    for user in db.session.scalars(sa.select(User).order_by(User.email)):
        status = "" if user.active else " (geblokkeerd)"
        click.echo(f"{user.email:<40} {','.join(sorted(user.roles)):<24}{status}")


@token_cli.command("create")
@click.argument("email")
@click.option("--label", default="", help="Waarvoor het token is, ter herkenning.")
def token_create(email, label):
    """Create an API token; it is shown once and stored only as a hash."""
    from grants.services.tokens import create_token

    user = _user_by_email(email)
    if not user.active:
        click.secho(f"{user.email} is geblokkeerd; er is geen token gemaakt.", fg="red", err=True)
        sys.exit(1)
    record, token = create_token(user, now(), label)
    db.session.commit()
    click.echo(token)
    click.echo(f"Token {record.id} voor {user.email}. Bewaar het nu: het wordt niet nog eens "
               "getoond.", err=True)


@token_cli.command("revoke")
@click.argument("token", required=False)
@click.option("--id", "token_id", type=int, help="Het nummer uit `flask grants token list`.")
def token_revoke(token, token_id):
    """Revoke a token, given itself or its number."""
    from grants.services.tokens import revoke_token

    if (token is None) == (token_id is None):
        raise click.UsageError("Geef het token of --id, niet allebei.")
    try:
        record = revoke_token(now(), token=token, token_id=token_id)
    except GrantsError as error:
        fail(error)
    db.session.commit()
    click.echo(f"Token {record.id} van {record.user.email} is ingetrokken.")


@token_cli.command("list")
@click.argument("email", required=False)
def token_list(email):
    """List tokens (never the tokens themselves), optionally of one user."""
    from grants.services.tokens import tokens_of

    for record in tokens_of(_user_by_email(email) if email else None):
        state = f"ingetrokken {record.revoked_at:%Y-%m-%d}" if record.revoked_at else "actief"
        click.echo(f"{record.id:>5} {record.user.email:<40} {state:<22} {record.label}")


@grants_cli.command("deadlines")
@click.option("--days", default=7, show_default=True, help="Hoe ver vooruit te kijken.")
def deadlines_command(days):
    """List terms that have run out or run out within --days: decisions, repairs, objections."""
    from grants.services.deadlines import upcoming_deadlines
    from grants.timefmt import AMSTERDAM

    today = now().astimezone(AMSTERDAM).date()
    found = upcoming_deadlines(today, days)
    if not found:
        click.echo(f"Geen termijnen die verlopen zijn of binnen {days} dagen verlopen.")
        return
    for deadline in found:
        line = (f"{deadline.due_on.isoformat()}  {deadline.status:<18} {deadline.label:<26} "
                f"{deadline.application.reference:<20} {deadline.application.title}")
        click.secho(line, fg="red" if deadline.overdue else None)


budget_cli = AppGroup("budget", help="Budgetten en de grootboekstand.")
grants_cli.add_command(budget_cli)


@budget_cli.command("report")
def budget_report_command():
    """Every budget and line: ceiling, reserved, committed, disbursed, remaining, % used."""
    from grants.budget.report import budget_report
    from grants.money import format_eur

    columns = ("Plafond", "Gereserveerd", "Verplicht", "Betaald", "Resterend")
    header = f"{'Budget / regel':<46}" + "".join(f"{c:>20}" for c in columns) + f"{'Benut':>8}"
    click.echo(header)
    click.echo("-" * len(header))
    for budget in budget_report():
        for row, indent in ((budget, ""), *((line, "  ") for line in budget.lines)):
            amounts = (row.ceiling, row.reserved, row.committed, row.disbursed, row.remaining)
            name = (indent + row.name)[:45]
            click.echo(f"{name:<46}" + "".join(f"{format_eur(a):>20}" for a in amounts)
                       + f"{row.used_percent_text:>8}")
        click.echo("")


@grants_cli.command("export")
@click.option("--sqlite", "path", required=True, type=click.Path(dir_okay=False),
              help="Het SQLite-bestand dat wordt geschreven (te openen met Datasette).")
@click.option("--replace", is_flag=True, help="Overschrijf het bestand als het al bestaat.")
def export_command(path, replace):
    """Write a denormalised analysis database (SQLite): applications, decisions, audit trail,
    ledger, budgets and lines. Reads only; an existing FILE is kept unless --replace."""
    from grants.exports import ExportRefused, click_progress, export_sqlite

    try:
        result = export_sqlite(path, replace=replace, progress=click_progress)
    except ExportRefused:
        click.secho(f"{path} bestaat al; er is niets geschreven. Geef --replace om het te "
                    "overschrijven.", fg="red", err=True)
        sys.exit(1)
    except OSError as error:  # no such folder, no room, no permission
        click.secho(f"{path} is niet geschreven: {error.strerror or error}.", fg="red", err=True)
        sys.exit(1)
    for table, count in result.counts.items():
        click.echo(f"{table:<14} {count:>10} rijen")
    click.echo(f"Geschreven: {result.path}  (bekijken: datasette {result.path})")


# -- background jobs (decision letters) --------------------------------------------------------

@grants_cli.group("jobs", cls=AppGroup, invoke_without_command=True)
@click.option("--limit", default=20, show_default=True, help="Hoeveel taken, nieuwste eerst.")
@click.pass_context
def jobs_cli(ctx, limit):
    """Background jobs: progress (done/total, failures). Subcommands: show, retry, run, resume."""
    if ctx.invoked_subcommand is not None:
        return
    from grants.jobs.letters import job_progress

    found = job_progress(limit=limit)
    if not found:
        click.echo("Er zijn nog geen taken.")
        return
    click.echo(f"{'Taak':>6}  {'Status':<18} {'Klaar':>13} {'Fouten':>7}  Omschrijving")
    for item in found:
        click.secho(f"{item.job.id:>6}  {item.job.status_label:<18} "
                    f"{f'{item.done}/{item.total}':>13} {item.failed:>7}  {item.job.label}",
                    fg="red" if item.failed else None)


@jobs_cli.command("show")
@click.argument("job_id", type=int)
def jobs_show(job_id):
    """One job's progress and the letters that failed, with the reason."""
    from grants.jobs.letters import job_failures, job_progress

    found = job_progress(job_id=job_id)
    if not found:
        click.secho(f"Er is geen taak {job_id}.", fg="red", err=True)
        sys.exit(1)
    item = found[0]
    click.echo(f"Taak {item.job.id}: {item.job.label}")
    click.echo(f"Status: {item.job.status_label}; klaar {item.done} van {item.total}, "
               f"wachtend {item.waiting}, mislukt {item.failed}; {item.job.runs} keer opgepakt.")
    for failure in job_failures(job_id):
        click.secho(f"  {failure.reference:<24} {failure.attempts} poging(en): {failure.reason}",
                    fg="red")


@jobs_cli.command("retry")
@click.argument("job_id", type=int)
def jobs_retry(job_id):
    """Queue a job again for the letters it has not made yet."""
    from flask import current_app

    from grants.jobs.letters import retry_job

    if not retry_job(current_app._get_current_object(), job_id):
        click.secho(f"Er is geen taak {job_id}.", fg="red", err=True)
        sys.exit(1)
    click.echo(f"Taak {job_id} staat weer in de wachtrij.")


@jobs_cli.command("run")
@click.argument("job_id", type=int)
def jobs_run(job_id):
    """Run a job here and now, without a worker (what is made already is skipped)."""
    from grants.jobs.letters import run_letters_job

    outcome = run_letters_job(job_id)
    click.echo(f"Taak {job_id}: {outcome.stored} brieven gemaakt, {len(outcome.failed)} mislukt.")


@jobs_cli.command("resume")
def jobs_resume():
    """Queue every unfinished job again (after a crash or a lost message)."""
    from flask import current_app

    from grants.jobs import resume_unfinished
    from grants.jobs.letters import adopt_orphans

    adopt_orphans()
    ids = resume_unfinished(current_app._get_current_object())
    click.echo(f"{len(ids)} onafgemaakte taken opnieuw in de wachtrij.")


@grants_cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve_command(host, port):
    """Serve on one machine: the development web server plus a job worker beside it.

    For production use gunicorn and `flask grants worker` processes instead."""
    from flask import current_app

    from grants.cli.serving import (
        base_url,
        restore_terminate,
        start_worker,
        stop_on_terminate,
    )
    from grants.jobs.queue import queue_for

    app = current_app._get_current_object()
    app.config["BASE_URL"] = base_url(str(app.config["BASE_URL"]), host, port)
    worker = None
    if not queue_for(app).huey.immediate:
        # Its own process: huey's consumer wants the main thread (signals), and rendering
        # letters must not slow the web server down.
        worker = start_worker(app.config["BASE_URL"])
    previous_handler = stop_on_terminate()
    try:
        from werkzeug.serving import run_simple

        run_simple(host, port, app, threaded=True)
    except KeyboardInterrupt:
        pass
    finally:
        restore_terminate(previous_handler)
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)


@grants_cli.command("worker")
@click.option("--processes", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Hoeveel processen taken uitvoeren (brieven: één per processorkern).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Hoeveel taken tegelijk in één proces (threads; zonder --processes).")
def worker_command(processes, workers):
    """Run background jobs from the queue (SQLite in the instance folder, or GRANTS_REDIS_URL)
    until stopped; unfinished jobs are queued again at the start."""
    import logging

    from flask import current_app

    from grants.jobs import resume_unfinished
    from grants.jobs.queue import queue_for

    app = current_app._get_current_object()
    queue = queue_for(app)
    if queue.huey.immediate:
        click.secho("JOBS_IMMEDIATE staat aan: taken lopen dan meteen in het proces dat ze "
                    "maakt, en een worker is niet nodig.", fg="red", err=True)
        sys.exit(1)
    if processes > 1 and workers > 1:
        raise click.UsageError("Kies --processes of --workers, niet allebei.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    ids = resume_unfinished(app)
    click.echo(f"Wachtrij: {queue.where}. {len(ids)} onafgemaakte taken opnieuw in de "
               "wachtrij.", err=True)
    if processes > 1:
        # Rendering a letter is Python work: threads share one core, processes use them all.
        # huey forks them; a forked child must not use the parent's database connections.
        engines = list(db.engines.values())
        os.register_at_fork(after_in_child=lambda: [engine.dispose(close=False)
                                                    for engine in engines])
        queue.huey.create_consumer(workers=processes, worker_type="process").run()
    else:
        queue.huey.create_consumer(workers=workers, worker_type="thread").run()
