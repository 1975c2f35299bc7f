"""How long do a national payment run's preview, preparation and approval take, per payment?

    python bench/payment_run_bench.py [--n 100000] [--database-url postgresql://…] [--quick]
                                      [--repeat 1]

A fresh database (a temporary SQLite file, or ``<name>_bench_payments`` created next to the
PostgreSQL database ``--database-url`` names, dropped at the end) gets ``--n`` applications
through bench/pages_bench.py's bulk loader: every scheme and state, the grants among them with
their commitments and some advances paid. Every organisation is then given a valid Dutch IBAN
(the loader leaves them without one, and a payee without an IBAN is left out of a run), and an
approver is made beside the loader's finance user.

Then, for the ministry with the most payments due, everything due by today is paid, each step
in its own transaction, rolled back at the end:

- the preview (``due_payments``): the candidates, what each is owed, who is left out and why;
- the preparation (``prepare_run``): the same under every application's lock, stored as lines;
- the approval (``approve_run``, by the approver): under the locks again, each line compared
  with what is owed now and paid through the engine, a ``disburse`` entry and an audit row
  each, and the SEPA file made.

The before-figure, in the same run: the same approval with each line's payment fired one by one
(``fire_trigger``: a lock, the engine, flushes) and every balance a guard or effect asks for read
from the ledger, as ``approve_run`` paid a run before it fired a run's payments together with
their balances read once (``ledger.balances_known``). It is the baseline of the approval's
ratio.

Checked after every approval (exit status 1 otherwise): every line paid, the run's total equal
to the disbursements it booked and to what the preview showed, one audit row per payment.
``--quick`` (what CI runs) loads 2,000 applications: the same code paths in well under a minute,
figures too small to mean anything.

The last line printed is one JSON object: ``{"payments": …, "preview_ms_per_payment": …,
"prepare_ms_per_payment": …, "approve_ms_per_payment": …, "baseline_approve_ms_per_payment": …,
"approve_ratio": …}`` (medians of ``--repeat`` runs).
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from contextlib import nullcontext
from datetime import UTC, datetime

import sqlalchemy as sa
from pages_bench import _staff, load
from scratch_database import scratch_database
from stdnum import iban as stdnum_iban

from grants import create_app
from grants.budget.ledger import application_balances
from grants.extensions import db
from grants.models import (
    AuditEvent,
    EntryKind,
    LedgerEntry,
    Ministry,
    Organisation,
    PaymentRunStatus,
    Role,
    User,
)
from grants.payments import runs
from grants.payments.runs import approve_run, due_payments, prepare_run
from grants.services.applications import fire_trigger

QUICK_N = 2_000
# Late enough for every instalment of every window to have fallen due.
NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
TODAY = NOW.date()


def give_ibans() -> None:
    """A valid Dutch IBAN for every organisation (bank code BENC, account number its id)."""
    ids = list(db.session.scalars(sa.select(Organisation.id)))
    rows = []
    for organisation_id in ids:
        bban = f"BENC{organisation_id:010d}"
        rows.append({"id": organisation_id,
                     "iban": f"NL{stdnum_iban.calc_check_digits('NL00' + bban)}{bban}"})
    db.session.execute(sa.update(Organisation), rows)
    db.session.commit()


def busiest_ministry(finance: User) -> tuple[Ministry, int]:
    counts = {ministry: len(due_payments(ministry, TODAY, finance).lines) for ministry in Ministry}
    ministry = max(counts, key=counts.get)
    return ministry, counts[ministry]


def _one_by_one(run_id: int, approver: User) -> None:
    """approve_run's payments made as before issue 16: one fire_trigger each, every balance
    read from the ledger when a guard or effect asks for it."""
    def pay_each(firings, actor, now, approval):
        for application_id, trigger, data in firings:
            fire_trigger(application_id, trigger, actor, data, now, approval=approval)
    saved = runs._fire_payments, runs.balances_known
    runs._fire_payments, runs.balances_known = pay_each, lambda _ids: nullcontext()
    try:
        approve_run(run_id, approver, NOW)
    finally:
        runs._fire_payments, runs.balances_known = saved


def check(run, expected_total: int) -> None:
    disbursed = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(
        LedgerEntry.amount_cents), 0)).where(LedgerEntry.kind == EntryKind.DISBURSE,
                                             LedgerEntry.at == NOW))
    audit = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.at == NOW))
    paid_by_trigger = sum(1 for line in run.lines if line.ledger_entry_id is not None)
    problems = []
    if run.status != PaymentRunStatus.APPROVED:
        problems.append(f"run {run.id} is {run.status}")
    if run.total_cents != expected_total:
        problems.append(f"paid {run.total_cents} cents, the preview showed {expected_total}")
    if any(not line.held for line in run.lines):
        problems.append("lines were released")
    if disbursed != sum(line.amount_cents for line in run.lines if line.ledger_entry_id):
        problems.append(f"{disbursed} cents disbursed against the lines' total")
    if audit != paid_by_trigger:
        problems.append(f"{audit} audit rows for {paid_by_trigger} payments")
    if problems:
        sys.exit("payment run check failed: " + "; ".join(problems))


def measure(finance: User, approver: User, ministry: Ministry,
            one_by_one: bool) -> dict[str, float]:
    """One preview, preparation and approval, rolled back; seconds each."""
    timings = {}
    try:
        started = time.perf_counter()
        preview = due_payments(ministry, TODAY, finance)
        timings["preview"] = time.perf_counter() - started
        started = time.perf_counter()
        run = prepare_run(ministry, TODAY, finance, NOW)
        db.session.flush()
        timings["prepare"] = time.perf_counter() - started
        started = time.perf_counter()
        if one_by_one:
            _one_by_one(run.id, approver)
        else:
            approve_run(run.id, approver, NOW)
        db.session.flush()
        timings["approve"] = time.perf_counter() - started
        check(run, preview.total_cents)
    finally:
        db.session.rollback()
        db.session.expire_all()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="applications (default 100000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each way (default 1)")
    parser.add_argument("--database-url", help="a PostgreSQL URL; default a SQLite file")
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_N} applications (what CI runs)")
    args = parser.parse_args()
    n = QUICK_N if args.quick else args.n

    with scratch_database(args.database_url, "payments") as url, \
            tempfile.TemporaryDirectory(prefix="payments-bench-") as instance:
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": instance,
                          "SECRET_KEY": "payment-run-bench"})
        with app.app_context():
            load(n)
            give_ibans()
            _staff("beslisser@bench.example", "Beslisser", {Role.APPROVER})
            db.session.commit()
            finance = db.session.scalar(sa.select(User).where(
                User.email == "financien@bench.example"))
            approver = db.session.scalar(sa.select(User).where(
                User.email == "beslisser@bench.example"))
            ministry, payments = busiest_ministry(finance)
            grants_paid = Counter(line.application.id for line in
                                  due_payments(ministry, TODAY, finance).lines)
            print(f"{ministry.value}: {payments} payments due to {len(grants_paid)} "
                  f"applications", flush=True)
            if not payments:
                sys.exit("nothing due: the loader made no grants")
            # Ledger balances read once before, so the first measured way pays no cold start.
            application_balances(sa.select(sa.literal(0)))
            figures: dict[str, list[float]] = {}
            for _ in range(args.repeat):
                for way, one_by_one in (("baseline_", True), ("", False)):
                    for step, seconds in measure(finance, approver, ministry,
                                                 one_by_one).items():
                        figures.setdefault(f"{way}{step}", []).append(seconds)
            db.session.remove()
            db.engine.dispose()

    result = {"n": n, "payments": payments, "database": sa.engine.make_url(url)
              .get_backend_name()}
    for name, seconds in figures.items():
        if name.startswith("baseline_") and not name.endswith("approve"):
            continue  # the same code as the measured way's
        median = statistics.median(seconds)
        result[f"{name}_ms_per_payment"] = round(median * 1000 / payments, 3)
        print(f"{name:<18} {median:>8.2f} s  {median * 1000 / payments:>8.3f} ms per payment")
    result["approve_ratio"] = round(result["baseline_approve_ms_per_payment"]
                                    / result["approve_ms_per_payment"], 2)
    if args.quick:
        print("quick run: sizes too small for figures to mean anything")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
