"""How long does a committed praktijkleren allocation run take, per application?

    python bench/allocation_bench.py [--sizes 2000 20000] [--baseline 2000] [--repeat 1]
                                     [--database-url postgresql://…] [--quick]

For each size a fresh database (a temporary SQLite file, or ``<name>_bench_allocation`` created
next to the PostgreSQL database ``--database-url`` names, dropped at the end) gets the schemes
and that many validated praktijkleren applications of five places each in window 2013-2014,
written by bulk INSERT (the intake is measured by bench/places_csv_bench.py). Then, on the same
data, each in a transaction of its own that is rolled back:

- the preview (dry run): gathering the candidates, the exact rate per category, every amount;
- the committed run: finance prepares it (``run_allocation(dry_run=False)``) and an approver
  approves it (``approve_run``), which settles every application — the states, the ledger's
  commitments, the audit rows and the decisions of the letters — up to the final flush. The
  figure per application is the approval's; the preparation is printed beside it.

``--baseline N``: on the database of size N the same run is approved a second time (rolled back
in between) with every decision fired one by one (``fire_trigger``: a lock, flushes and a ledger
UPDATE each), as every run was booked before the engine fired a run's decisions together
(``Workflow.fire_many``): the before-figure, measured in the same run.

Checked after every committed run (exit status 1 otherwise): every application settled, one
audit row and one decision each, the line's committed balance equal to its entries and to what
the run gave. ``--quick`` (what CI runs) takes 50 and 200 applications: the same code paths in
seconds, figures too small to mean anything.

The last line printed is one JSON object: ``{"ms_per_app_2000": …, "ms_per_app_20000": …,
"baseline_ms_per_app_2000": …, …}`` (the keys named after the sizes measured; medians of
``--repeat`` runs).
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime

import sqlalchemy as sa
from scratch_database import scratch_database
from sqlalchemy.engine import make_url

from grants import create_app
from grants.allocation import approval
from grants.allocation.runs import compute, run_allocation
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationState,
    AuditEvent,
    BudgetLine,
    Decision,
    LedgerEntry,
    Organisation,
    OrganisationKind,
    Region,
    Role,
    User,
    UserRole,
)
from grants.schema import prepare_database
from grants.seed import seed_schemes
from grants.services.applications import fire_trigger
from grants.services.schemes import get_window

SUBMITTED = datetime(2014, 6, 10, 8, tzinfo=UTC)
AFTER_WINDOW = datetime(2014, 9, 20, 8, tzinfo=UTC)
# --quick: enough for every step to run (CI keeps the bench from rotting), not for the figures.
QUICK = {"sizes": [50, 200], "baseline": 50}
KINDS = [("mbo", "25180", 40), ("mbo", "25181", 30), ("hbo", "34820", 42), ("vmbo", None, 20),
         ("promovendus", "12345", 40)]


class Failed(Exception):
    """A run that did not do what it should: a broken run, not a slow figure."""


def details(number: int) -> dict:
    places = [{"student_name": f"Student {number}-{n}", "category": category,
               "programme_code": code, "school": "ROC", "starts_on": "2013-09-01",
               "ends_on": "2014-06-30", "weeks": weeks}
              for n, (category, code, weeks) in enumerate(KINDS)]
    return {"employer_id": f"{number:08d}", "iban": "NL91ABNA0417164300", "places": places}


def person(email: str, role: Role) -> User:
    user = User(email=email, name=email.split("@")[0], password_hash="!", active=True)  # noqa: S106
    user.role_rows = [UserRole(role=role)]
    db.session.add(user)
    return user


def fill(count: int) -> None:
    seed_schemes(SUBMITTED)
    window = get_window("praktijkleren", "2013-2014")
    employer = Organisation(name="Bench-werkgever", kvk="99999999",
                            kind=OrganisationKind.EMPLOYER, region=Region.NOORD)
    db.session.add(employer)
    db.session.flush()
    rows = [{"reference": f"PL-BENCH-{n:06d}", "scheme_id": window.scheme_id,
             "window_id": window.id, "organisation_id": employer.id, "region": "Noord",
             "title": f"Bench {n}", "state": ApplicationState.VALIDATED.value,
             "requested_cents": 0, "details": details(n), "submitted_at": SUBMITTED,
             "complete_at": SUBMITTED, "created_at": SUBMITTED, "version": 1}
            for n in range(count)]
    for start in range(0, count, 5000):
        db.session.execute(sa.insert(Application), rows[start:start + 5000])
    person("bench@example.nl", Role.FINANCE)
    person("approver@example.nl", Role.APPROVER)
    db.session.commit()


def user(email: str) -> User:
    return db.session.scalars(sa.select(User).where(User.email == email)).one()


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def check(size: int, outcome) -> None:
    settled = [r for r in outcome.allocation.results if r.outcome == "settled"]
    if len(settled) != size:
        raise Failed(f"the run settled {len(settled):,} of {size:,} applications")
    states = count(Application, Application.state == ApplicationState.SETTLED)
    audits = count(AuditEvent, AuditEvent.trigger == "settle")
    decisions = count(Decision)
    if not states == audits == decisions == size:
        raise Failed(f"{states:,} settled, {audits:,} audit rows, {decisions:,} decisions "
                     f"for {size:,} applications")
    given = sum(r.amount for r in settled)
    booked = db.session.scalar(sa.select(sa.func.sum(LedgerEntry.amount_cents)))
    committed = db.session.scalar(sa.select(sa.func.sum(BudgetLine.committed_cents)))
    if not int(booked) == int(committed) == given:
        raise Failed(f"the run gave {given} cents, the entries hold {booked}, the lines "
                     f"{committed}")


def one_by_one(firings, actor, now, allocation=None):
    """The run's decisions fired each on its own through the engine (fire_trigger): how every
    run was booked before the engine fired many together. The before-figure."""
    return [fire_trigger(application_id, trigger, actor, data, now, allocation=allocation)
            for application_id, trigger, data in firings]


def committed_run(size: int, together: bool) -> tuple[float, float]:
    """Seconds to prepare and to approve the run (rolled back afterwards)."""
    finance, approver = user("bench@example.nl"), user("approver@example.nl")
    try:
        started = time.perf_counter()
        prepared = run_allocation("praktijkleren", "2013-2014", finance, AFTER_WINDOW,
                                  dry_run=False, seed="bench")
        db.session.flush()
        preparing = time.perf_counter() - started
        saved = approval.fire_triggers
        if not together:
            approval.fire_triggers = one_by_one
        try:
            started = time.perf_counter()
            outcome = approval.approve_run(prepared.run.id, approver, AFTER_WINDOW)
            db.session.flush()
            approving = time.perf_counter() - started
        finally:
            approval.fire_triggers = saved
        check(size, outcome)
        return preparing, approving
    finally:
        db.session.rollback()


def measure(url: str, size: int, repeat: int, baseline: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="allocation-bench-instance-") as instance:
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": instance,
                          "SECRET_KEY": "allocation-bench", "CLOCK": lambda: AFTER_WINDOW})
        with app.app_context():
            try:
                prepare_database()
                started = time.perf_counter()
                fill(size)
                print(f"{size:,} validated applications ({5 * size:,} places) filled in "
                      f"{time.perf_counter() - started:.1f} s (bulk insert, not measured)",
                      flush=True)
                started = time.perf_counter()
                preview = compute(get_window("praktijkleren", "2013-2014"), seed="bench")
                print(f"  preview: {time.perf_counter() - started:.2f} s", flush=True)
                if len(preview.candidates) != size:
                    raise Failed(f"the preview gathered {len(preview.candidates):,} of "
                                 f"{size:,} applications")
                db.session.rollback()
                figures = {}
                for together in ([False] if baseline else []) + [True]:
                    runs = [committed_run(size, together) for _ in range(repeat)]
                    preparing = statistics.median(p for p, _ in runs)
                    approving = statistics.median(a for _, a in runs)
                    key = "" if together else "baseline_"
                    figures[f"{key}ms_per_app_{size}"] = round(approving / size * 1000, 2)
                    figures[f"{key}prepare_ms_per_app_{size}"] = round(
                        preparing / size * 1000, 2)
                    way = "together" if together else "one by one (baseline)"
                    print(f"  committed run, {way}: "
                          f"prepared in {preparing:.2f} s, approved (every application "
                          f"settled) in {approving:.2f} s = "
                          f"{figures[f'{key}ms_per_app_{size}']} ms per application",
                          flush=True)
                return figures
            finally:
                db.session.remove()
                db.engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL URL; the bench creates and drops "
                        "<name>_bench_allocation next to its database (default: a temporary "
                        "SQLite file per size)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000, 20_000],
                        help="applications in the committed run, one database each")
    parser.add_argument("--baseline", type=int, default=2_000,
                        help="the size also approved one by one through the engine (0: none)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure (median)")
    parser.add_argument("--quick", action="store_true",
                        help=f"small sizes ({' and '.join(map(str, QUICK['sizes']))}) for CI; "
                        "the figures mean nothing")
    args = parser.parse_args(argv)
    if args.quick:
        # Only the defaults change: sizes given on the command line still win.
        parser.set_defaults(**QUICK)
        args = parser.parse_args(argv)
    if min(args.sizes) < 1 or args.repeat < 1:
        parser.error("at least one application and one run")
    if args.quick:
        print("quick run: sizes too small for figures to mean anything", flush=True)
    figures = {"database": make_url(args.database_url or "sqlite://").get_backend_name(),
               "repeat": args.repeat}
    try:
        for size in args.sizes:
            with scratch_database(args.database_url, "allocation") as url:
                figures.update(measure(url, size, args.repeat, size == args.baseline))
    except Failed as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    if f"baseline_ms_per_app_{args.baseline}" in figures:
        figures[f"speedup_{args.baseline}"] = round(
            figures[f"baseline_ms_per_app_{args.baseline}"]
            / figures[f"ms_per_app_{args.baseline}"], 1)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
