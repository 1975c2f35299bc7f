"""Do balances stay fast as the ledger grows? The same operations at 1,000 and 1,000,000 entries.

    python bench/ledger_bench.py [--database-url URL] [--entries 1000000] [--small 1000] [--quick]

Two fresh databases are built: temporary SQLite files by default, or, given a PostgreSQL URL,
two databases created next to it (``<name>_bench_small`` and ``<name>_bench_large``) and dropped
at the end. Each gets the schemes (``seed_schemes``) and one sector plan in window T2 brought to
``assessed`` through the services; then the T2 budget line is filled with ledger entries of
filler applications (four each: reserve, release, commit, disburse, as a real grant books them).

The filling is a bulk INSERT of ``LedgerEntry`` rows in batches, with the line's maintained
balance columns set to match in one UPDATE: going through ``ledger.post()`` a million times would
take far too long. The balances are then checked against the sum of the entries.

Measured, interleaved between the two databases, median of ``--repeat`` runs each:

- the balance report as the pages and the API read it (``budget_report()``, one line's figures);
- one approval through the engine (``fire_trigger(… "approve" …)``), rolled back after each
  timing so every run approves the same assessed application;
- one application's balance on the line (``ledger.application_balance``);
- for reference, the line's balance summed from the ledger: what the maintained balance columns
  spare the pages. It grows with the ledger; the others should not.

``--quick`` (what CI runs) uses 1,000 and 25,000 entries and 7 timings: every step runs in
seconds, but at that size the ratios say little.
"""

import argparse
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from grants import create_app
from grants.budget.ledger import application_balance
from grants.budget.report import budget_report
from grants.database import writing
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationState,
    Bucket,
    BudgetLine,
    EntryKind,
    LedgerEntry,
    Organisation,
    OrganisationKind,
    Region,
    Role,
    Scheme,
    User,
    Window,
)

START = datetime(2014, 4, 1, 7, 0, tzinfo=UTC)  # window T2 is open
DECIDED = START + timedelta(days=9)
BATCH = 20_000
PASSWORD = "een lang genoeg wachtwoord voor de bench"  # noqa: S105 (throwaway database)
# What each filler application books on the line, in cents.
RESERVE, COMMIT, DISBURSE = 1_000, 800, 500
# --quick: enough for every step to run (CI keeps the bench from rotting), not for the ratios;
# 25,000 entries still fill one whole batch and a partial one.
QUICK = {"entries": 25_000, "small": 1_000, "repeat": 7}


@dataclass
class Target:
    """One database with its app and the ids the measurements use."""

    label: str
    entries: int
    url: str
    app: object = None
    application_id: int = 0
    filler_id: int = 0
    line_id: int = 0
    approver_id: int = 0
    fill_seconds: float = 0.0
    try_index: str | None = None
    analyze: bool = True
    timings: dict = field(default_factory=dict)


# -- databases ------------------------------------------------------------------------------

@contextmanager
def databases(url: str | None, sizes: dict[str, int]) -> Iterator[dict[str, str]]:
    """A fresh database per size; removed afterwards."""
    if not url or make_url(url).get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory(prefix="ledger-bench-") as folder:
            yield {label: f"sqlite:///{folder}/{label}.db" for label in sizes}
        return
    base = make_url(url).set(drivername="postgresql+psycopg")
    names = {label: f"{base.database}_bench_{label}" for label in sizes}
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")

    def drop_all():
        with admin.connect() as connection:
            for name in names.values():
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    try:
        drop_all()  # left over from an interrupted run
        with admin.connect() as connection:
            for name in names.values():
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield {label: base.set(database=name).render_as_string(hide_password=False)
               for label, name in names.items()}
    finally:
        drop_all()
        admin.dispose()


def make_app(url: str, instance: str):
    return create_app({"DATABASE_URL": url, "INSTANCE_PATH": instance,
                       "SECRET_KEY": "ledger-bench", "CLOCK": lambda: DECIDED})


# -- building the data ----------------------------------------------------------------------

def sector_plan(employers: Organisation, employees: Organisation) -> dict:
    return {
        "scheme": "sectorplan", "window": "T2", "title": "Sectorplan metaal (bench)",
        "lead_organisation": employers.id,
        "partners": [{"organisation": employers.id, "role": "employers"},
                     {"organisation": employees.id, "role": "employees"}],
        "sector": "Metaal en techniek", "region": "Noord",
        "measures": [
            {"title": "Leerwerkplekken voor jongeren", "theme": "youth",
             "eligible_cost": "1000000.00", "requested_subsidy": "500000.00"},
            {"title": "Van werk naar werk", "theme": "work_to_work",
             "eligible_cost": "333.33", "requested_subsidy": "166.66"},
        ],
        "starts_on": "2014-07-01", "ends_on": "2015-12-31",
    }


def assessed_application() -> tuple[Application, User]:
    """Users, organisations and one sector plan in T2, assessed: through the services."""
    from grants.services.accounts import create_user
    from grants.services.applications import create_application, fire_trigger
    from grants.services.consents import give_consent

    employers = Organisation(name="Metaalwerkgevers", kvk="90000001",
                             kind=OrganisationKind.EMPLOYERS_ORGANISATION, region=Region.NOORD)
    employees = Organisation(name="Metaalbond", kvk="90000002",
                             kind=OrganisationKind.EMPLOYEES_ORGANISATION, region=Region.NOORD)
    db.session.add_all([employers, employees])
    db.session.flush()
    applicant = create_user(email="aanvrager@bench.example", name="Aanvrager",
                            roles={Role.APPLICANT}, password=PASSWORD, organisation=employers)
    assessor = create_user(email="beoordelaar@bench.example", name="Beoordelaar",
                           roles={Role.ASSESSOR}, password=PASSWORD)
    approver = create_user(email="beslisser@bench.example", name="Beslisser",
                           roles={Role.APPROVER}, password=PASSWORD)
    partner = create_user(email="partner@bench.example", name="Partner",
                          roles={Role.APPLICANT}, password=PASSWORD, organisation=employees)
    application = create_application(applicant, sector_plan(employers, employees), START)
    # The employees' organisation consents to the plan before it is submitted (issue 14).
    give_consent(application.id, partner, START)
    fire_trigger(application.id, "submit", applicant, {}, START)
    fire_trigger(application.id, "start_assessment", assessor, {}, START + timedelta(days=1))
    fire_trigger(application.id, "record_assessment", assessor,
                 {"recommendation": "positive", "reasoning": "Bench."},
                 START + timedelta(days=2))
    assert application.state == ApplicationState.ASSESSED
    return application, approver


def fillers(count: int, template: Application) -> Iterator[list[dict]]:
    """Filler applications, already granted and paid an advance, in batches."""
    batch = []
    for number in range(1, count + 1):
        batch.append({
            "reference": f"BENCH-{number:07d}", "scheme_id": template.scheme_id,
            "window_id": template.window_id, "organisation_id": template.organisation_id,
            "region": template.region, "title": f"Vulaanvraag {number}",
            "state": ApplicationState.MONITORED, "requested_cents": RESERVE,
            "granted_cents": COMMIT, "details": {}, "created_at": START,
            "submitted_at": START, "decided_at": START, "version": 1,
        })
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def entries(line_id: int, application_ids: list[int], count: int,
            actor_id: int) -> Iterator[list[dict]]:
    """Four entries per filler application, the way a grant books them; ``count`` in all."""
    kinds = ((EntryKind.RESERVE, None, RESERVE, "submit"),
             (EntryKind.RELEASE, Bucket.RESERVED, RESERVE, "approve"),
             (EntryKind.COMMIT, None, COMMIT, "approve"),
             (EntryKind.DISBURSE, None, DISBURSE, "pay_advance"))
    batch = []
    for number in range(count):
        kind, bucket, amount, cause = kinds[number % 4]
        batch.append({
            "line_id": line_id, "application_id": application_ids[number // 4],
            "kind": kind, "bucket": bucket, "amount_cents": amount, "actor_id": actor_id,
            "at": START + timedelta(seconds=number), "cause": cause, "reason": "",
        })
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def line_sums(line_id: int) -> dict[str, int]:
    """The line's balances summed from its entries: what the maintained columns avoid."""
    kind, bucket, amount = LedgerEntry.kind, LedgerEntry.bucket, LedgerEntry.amount_cents
    release = kind == EntryKind.RELEASE

    def total(*cases):
        return sa.cast(sa.func.coalesce(sa.func.sum(sa.case(*cases, else_=0)), 0), sa.BigInteger)

    row = db.session.execute(sa.select(
        total((kind == EntryKind.RESERVE, amount),
              (release & (bucket == Bucket.RESERVED), -amount)).label("reserved"),
        total((kind == EntryKind.COMMIT, amount),
              (release & (bucket == Bucket.COMMITTED), -amount)).label("committed"),
        total((kind == EntryKind.DISBURSE, amount)).label("disbursed"),
        total((kind == EntryKind.RECOVER, amount)).label("recovered"),
    ).where(LedgerEntry.line_id == line_id)).one()
    return {name: int(value) for name, value in row._mapping.items()}


def build(target: Target, instance: str) -> None:
    from grants.schema import prepare_database
    from grants.seed import seed_schemes

    target.app = make_app(target.url, instance)
    with target.app.app_context():
        prepare_database()
        seed_schemes(START)
        application, approver = assessed_application()
        db.session.commit()
        target.application_id, target.approver_id = application.id, approver.id
        window = db.session.scalars(sa.select(Window).join(Scheme).where(
            Scheme.code == "sectorplan", Window.code == "T2")).one()
        line = window.line_for(None)
        target.line_id = line.id

        started = time.perf_counter()
        count = (target.entries + 3) // 4
        for batch in fillers(count, application):
            db.session.execute(sa.insert(Application), batch)
        ids = list(db.session.scalars(sa.select(Application.id).where(
            Application.reference.startswith("BENCH-")).order_by(Application.id)))
        for batch in entries(line.id, ids, target.entries, approver.id):
            db.session.execute(sa.insert(LedgerEntry), batch)
        sums = line_sums(line.id)
        db.session.execute(
            sa.update(BudgetLine).where(BudgetLine.id == line.id)
            .values(reserved_cents=BudgetLine.reserved_cents + sums["reserved"],
                    committed_cents=BudgetLine.committed_cents + sums["committed"],
                    disbursed_cents=BudgetLine.disbursed_cents + sums["disbursed"],
                    recovered_cents=BudgetLine.recovered_cents + sums["recovered"]))
        db.session.commit()
        target.fill_seconds = time.perf_counter() - started
        target.filler_id = ids[len(ids) // 2]

        line = db.session.get(BudgetLine, line.id)
        maintained = {"reserved": line.reserved_cents, "committed": line.committed_cents,
                      "disbursed": line.disbursed_cents, "recovered": line.recovered_cents}
        assert maintained == line_sums(line.id), (maintained, line_sums(line.id))
        if target.try_index:
            # An index the schema does not have, to see what it changes (--try-index).
            columns = [c.strip() for c in target.try_index.split(",")]
            db.session.execute(sa.text(
                f"CREATE INDEX ix_bench_try ON ledger_entries ({', '.join(columns)})"))
            db.session.commit()
        if target.analyze and db.engine.dialect.name == "postgresql":
            # What autovacuum does soon after a bulk load; the planner needs the statistics.
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("VACUUM ANALYZE")


# -- measuring ------------------------------------------------------------------------------

def op_report(target: Target) -> Callable[[], object]:
    def run():
        for budget in budget_report():
            for line in budget.lines:
                if line.id == target.line_id:
                    return line.remaining
        raise LookupError(target.line_id)
    return run


def op_approve(target: Target) -> Callable[[], object]:
    from grants.services.applications import fire_trigger

    approver = db.session.get(User, target.approver_id)

    def run():
        # Less than requested, so the letter needs the reason (Awb 3:46), as in the tests.
        application = fire_trigger(target.application_id, "approve", approver,
                                   {"amount": "450000.00",
                                    "reason": "Niet alle kosten komen in aanmerking."}, DECIDED)
        assert application.state == ApplicationState.APPROVED
    return run


def op_application_balance(target: Target) -> Callable[[], object]:
    def run():
        balance = application_balance(target.filler_id, target.line_id)
        assert balance.committed == COMMIT, balance
    return run


def op_line_sum(target: Target) -> Callable[[], object]:
    return lambda: line_sums(target.line_id)


OPERATIONS = {
    "balance report (budget_report, one line)": op_report,
    "approval (fire_trigger approve, rolled back)": op_approve,
    "application balance (application_balance)": op_application_balance,
    "reference: line balance summed from ledger": op_line_sum,
}


def measure(target: Target, name: str) -> float:
    """One timing in milliseconds, in a transaction of its own that is rolled back."""
    with target.app.app_context(), writing():
        db.session.execute(sa.select(1))  # begin (and take SQLite's write lock) untimed
        run = OPERATIONS[name](target)
        gc.collect()
        started = time.perf_counter()
        run()
        elapsed = time.perf_counter() - started
        db.session.rollback()
    return elapsed * 1000


def bench(targets: list[Target], repeat: int, warmup: int = 2) -> None:
    for round_number in range(warmup + repeat):
        # Alternate which database goes first, so neither always runs on a warmer machine.
        order = targets if round_number % 2 == 0 else targets[::-1]
        for name in OPERATIONS:
            for target in order:
                elapsed = measure(target, name)
                if round_number >= warmup:
                    target.timings.setdefault(name, []).append(elapsed)


def explain(target: Target) -> None:
    """The plan of the per-application query, to see whether it depends on the ledger size."""
    with target.app.app_context():
        engine = db.session.get_bind()
        captured = []

        def capture(conn, cursor, statement, parameters, context, executemany):
            if "FROM ledger_entries" in statement and not captured:
                captured.append((statement, parameters))

        sa.event.listen(engine, "before_cursor_execute", capture)
        try:
            application_balance(target.filler_id, target.line_id)
        finally:
            sa.event.remove(engine, "before_cursor_execute", capture)
        statement, parameters = captured[0]
        prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
        print(f"\nPlan of application_balance at {target.entries:,} entries:")
        connection = db.session.connection()
        for row in connection.exec_driver_sql(prefix + statement, parameters):
            print("   ", row[-1])


# -- report ---------------------------------------------------------------------------------

def print_table(small: Target, large: Target, repeat: int) -> None:
    width = max(len(name) for name in OPERATIONS)
    head_small, head_large = f"{small.entries:,} entries", f"{large.entries:,} entries"
    print(f"\nMedian of {repeat} runs each, milliseconds (interleaved):\n")
    print(f"{'operation':<{width}}  {head_small:>16}  {head_large:>18}  {'ratio':>8}")
    print("-" * (width + 48))
    for name in OPERATIONS:
        low = statistics.median(small.timings[name])
        high = statistics.median(large.timings[name])
        print(f"{name:<{width}}  {low:>16.3f}  {high:>18.3f}  {high / low:>8.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL URL; the bench creates and drops "
                        "<name>_bench_small and <name>_bench_large next to its database "
                        "(default: temporary SQLite files)")
    parser.add_argument("--entries", type=int, default=1_000_000,
                        help="ledger entries on the line of the large database")
    parser.add_argument("--small", type=int, default=1_000,
                        help="ledger entries on the line of the small database")
    parser.add_argument("--repeat", type=int, default=15, help="timings per operation (≥ 7)")
    parser.add_argument("--try-index", metavar="COLUMNS",
                        help="create an extra index on ledger_entries(COLUMNS) after filling, "
                        "e.g. application_id,line_id: to try a fix, not part of the schema")
    parser.add_argument("--no-analyze", dest="analyze", action="store_false",
                        help="skip PostgreSQL's VACUUM ANALYZE after the bulk load (as before "
                        "autovacuum gets to it)")
    parser.add_argument("--explain", action="store_true",
                        help="print the query plan of the per-application balance")
    parser.add_argument("--quick", action="store_true",
                        help=f"small sizes ({QUICK['small']:,} and {QUICK['entries']:,} entries, "
                        f"{QUICK['repeat']} timings) for CI; the ratios mean little")
    args = parser.parse_args(argv)
    if args.quick:
        # Only the defaults change: sizes given on the command line still win.
        parser.set_defaults(**QUICK)
        args = parser.parse_args(argv)
    if args.repeat < 7:
        parser.error("--repeat must be at least 7")
    if min(args.small, args.entries) < 4:
        parser.error("at least 4 entries (one filler application) per database")

    sizes = {"small": args.small, "large": args.entries}
    with databases(args.database_url, sizes) as urls, \
            tempfile.TemporaryDirectory(prefix="ledger-bench-instance-") as instance:
        targets = [Target(label, sizes[label], urls[label], try_index=args.try_index,
                          analyze=args.analyze) for label in sizes]
        kind = make_url(urls["small"]).get_backend_name()
        print(f"Database: {kind}; {args.small:,} and {args.entries:,} ledger entries on the "
              "line of window T2.", flush=True)
        if args.quick:
            print("quick run: sizes too small for figures to mean anything", flush=True)
        print("Filling: bulk INSERT of LedgerEntry rows (and filler applications, four entries "
              f"each) in batches of {BATCH:,}, with the line's maintained balances set to "
              "their sum in one UPDATE and checked; not through ledger.post(), which would "
              "take far too long a million times.", flush=True)
        if args.try_index:
            print(f"Trying an extra index on ledger_entries ({args.try_index}).", flush=True)
        try:
            for target in targets:
                build(target, instance)
                print(f"  {target.entries:>11,} entries filled in {target.fill_seconds:6.1f} s",
                      flush=True)
            bench(targets, args.repeat)
            print_table(targets[0], targets[1], args.repeat)
            if args.explain:
                for target in targets:
                    explain(target)
        finally:
            for target in (t for t in targets if t.app is not None):
                with target.app.app_context():
                    db.session.remove()
                    db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
