"""How long does the praktijkleren allocation take? 20,000 validated applications, 100,000 places.

    python bench/allocation_bench.py [--applications 20000] [--commit 2000] [--quick]

A fresh SQLite database in a temporary folder gets the schemes and ``--applications`` validated
praktijkleren applications of five places each in window 2013-2014, written by bulk INSERT
(the intake is measured by bench/places_csv_bench.py). Then, on the same data:

- the preview (dry run): gathering the candidates, the exact rate per category, every amount;
- a committed run over the first ``--commit`` applications (a second window's worth of data is
  not needed: the committed run fires one ``settle`` per application through the engine and the
  ledger, so its cost per application is what matters), rolled back afterwards.

Prints wall times and rates (applications and places per second). Run it on a quiet machine or
compare runs in one go; this machine is shared. ``--quick`` (what CI runs) takes 200 applications
and commits 50: the same code paths in seconds, figures too small to mean anything. It exits
non-zero when the preview or the committed run does not cover every application it should.
"""

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from grants import create_app
from grants.allocation.runs import compute, run_allocation
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationState,
    Organisation,
    OrganisationKind,
    Region,
    Role,
    User,
    UserRole,
)
from grants.schema import prepare_database
from grants.seed import seed_schemes
from grants.services.schemes import get_window

SUBMITTED = datetime(2014, 6, 10, 8, tzinfo=UTC)
# --quick: enough for every step to run (CI keeps the bench from rotting), not for the figures.
QUICK = {"applications": 200, "commit": 50}
AFTER_WINDOW = datetime(2014, 9, 20, 8, tzinfo=UTC)
KINDS = [("mbo", "25180", 40), ("mbo", "25181", 30), ("hbo", "34820", 42), ("vmbo", None, 20),
         ("promovendus", "12345", 40)]


def details(number: int) -> dict:
    places = [{"student_name": f"Student {number}-{n}", "category": category,
               "programme_code": code, "school": "ROC", "starts_on": "2013-09-01",
               "ends_on": "2014-06-30", "weeks": weeks}
              for n, (category, code, weeks) in enumerate(KINDS)]
    return {"employer_id": f"{number:08d}", "iban": "NL91ABNA0417164300", "places": places}


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
    finance = User(email="bench@example.nl", name="Bench", password_hash="!", active=True)  # noqa: S106
    finance.role_rows = [UserRole(role=Role.FINANCE)]
    db.session.add(finance)
    db.session.commit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=20_000)
    parser.add_argument("--commit", type=int, default=2_000)
    parser.add_argument("--quick", action="store_true",
                        help=f"small sizes ({QUICK['applications']} applications, "
                        f"{QUICK['commit']} committed) for CI; the figures mean nothing")
    args = parser.parse_args()
    if args.quick:
        # Only the defaults change: sizes given on the command line still win.
        parser.set_defaults(**QUICK)
        args = parser.parse_args()
    if not 1 <= args.commit <= args.applications:
        parser.error("--commit must be between 1 and --applications")
    folder = Path(tempfile.mkdtemp(prefix="grants-allocation-bench-"))
    clock = {"now": AFTER_WINDOW}
    app = create_app({"INSTANCE_PATH": str(folder), "CLOCK": lambda: clock["now"]})
    with app.app_context():
        if args.quick:
            print("quick run: sizes too small for figures to mean anything")
        prepare_database()
        started = time.perf_counter()
        fill(args.applications)
        print(f"Filled {args.applications:,} validated applications "
              f"({5 * args.applications:,} places) in {time.perf_counter() - started:.1f} s "
              "(bulk insert, not measured below)")
        window = get_window("praktijkleren", "2013-2014")

        started = time.perf_counter()
        outcome = compute(window, seed="bench")
        preview = time.perf_counter() - started
        if len(outcome.candidates) != args.applications:
            print(f"FAILED: the preview gathered {len(outcome.candidates):,} of "
                  f"{args.applications:,} validated applications", file=sys.stderr)
            return 1
        places = 5 * len(outcome.candidates)
        print(f"Preview (dry run) of {len(outcome.candidates):,} applications: {preview:.2f} s, "
              f"{len(outcome.candidates) / preview:,.0f} applications/s, "
              f"{places / preview:,.0f} places/s")
        print("  rate per category (cents, rounded down): " + ", ".join(
            f"{c} {int(r):,}" for c, r in outcome.allocation.rates.items()))

        # The committed run, on a window holding only the first --commit applications: the
        # others are withdrawn (the final run waits for every application to be decided).
        db.session.execute(sa.update(Application).where(
            Application.reference >= f"PL-BENCH-{args.commit:06d}").values(state="withdrawn"))
        finance = db.session.scalars(sa.select(User).where(User.email == "bench@example.nl")).one()
        started = time.perf_counter()
        committed = run_allocation("praktijkleren", "2013-2014", finance, AFTER_WINDOW,
                                   dry_run=False, seed="bench")
        db.session.flush()
        elapsed = time.perf_counter() - started
        settled = sum(1 for r in committed.allocation.results if r.outcome == "settled")
        if settled != args.commit:
            # Pro rata settles every candidate; fewer means the run broke, not a slow figure.
            print(f"FAILED: the committed run settled {settled:,} of {args.commit:,} "
                  "applications", file=sys.stderr)
            return 1
        print(f"Committed run settling {settled:,} applications through the engine and the "
              f"ledger: {elapsed:.1f} s, {settled / elapsed:,.0f} applications/s, "
              f"{elapsed / settled * 1000:.1f} ms per application")
        print(f"  extrapolated to {args.applications:,}: "
              f"{elapsed / settled * args.applications:,.0f} s")
        db.session.rollback()
    return 0


if __name__ == "__main__":
    sys.exit(main())
