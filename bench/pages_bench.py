"""Do the staff's pages stay fast at national scale? p95 of five routes at 100,000 applications.

    python bench/pages_bench.py [--n 100000] [--database-url URL] [--reset] [--quick]
    python bench/pages_bench.py --database-url URL --reuse   # measure an earlier load again

The database is the one ``--database-url`` or GRANTS_DATABASE_URL names, or a temporary SQLite
file when neither is given. A PostgreSQL database must be empty (``--reset`` drops and recreates
its ``public`` schema first: everything in it is lost). The bench builds the schema
(``prepare_database``), seeds the schemes (``seed_schemes``), makes the staff users and one
sector plan in assessment through the services (the application whose page is measured), and
then loads ``--n`` applications with the bulk loader below. It starts ``gunicorn -w 4`` on a
free port against that database, logs a staff user in through the login and code pages, makes
an API token, and measures with a closed-loop client: ``--clients`` threads, each sending its
next request as soon as the last one answered, ``--requests`` requests per route, in rounds
that take turns over the routes (so noise on the shared machine falls on all of them alike).

Routes (p95 of the wall time of each request, in ms):

- hello: ``/healthz``, the app's cheapest route (no session, no database), the reference;
- queue: the assessors' work queue, ``/beoordelen/``, first page, no filters;
- dashboard: finance's overview, ``/financien/``, with a chart per budget;
- api_list: ``GET /api/v1/applications`` (first page of 50, bearer token);
- application: the staff page of the one application made through the services;
- progress, progress_json: the public monitor ``/voortgang`` and its open data
  ``/voortgang/data.json`` (issue 17), no login.

The bulk loader (``load``): organisations of every kind spread over the five regions, then
applications over every window of the three schemes, in every state of their lifecycles with a
spread like the record's (most of them decided long ago, about a fifth in the assessors' queue),
each with the audit rows of the path that led to its state, a frozen copy of what was submitted
(``submissions``), and the ledger entries that path books (reservation at submission, release and
commitment at the grant, an advance, a release at a refusal), in batches of ``BATCH`` rows
through ``executemany``. Amounts are chosen per line so that no line goes over its ceiling; the
lines' maintained balance columns are then set to the sums of their entries in one UPDATE per
line and checked, as bench/ledger_bench.py does. The rows carry what the engine would have
written (frozen rules per window, decision and repair terms, the queue's due date), but not
through ``fire_trigger``: 100,000 applications through the engine would take hours.

``--quick`` (what CI runs) loads 2,000 applications and sends 20 requests per route: the same
code paths in well under a minute on SQLite, figures too small to mean anything. The bench exits
non-zero when a request fails (any status but 200) or the server does not start. The last line
is one JSON object: ``n`` and the p95 of each route, plus each page's ratio to the hello route.
"""

import argparse
import hashlib
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import requests
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from grants import create_app
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationState,
    AuditEvent,
    Bucket,
    BudgetLine,
    EntryKind,
    LedgerEntry,
    Organisation,
    OrganisationKind,
    PlaceCategory,
    Region,
    Role,
    RuleVersion,
    Scheme,
    Submission,
    Window,
)
from grants.models.applications import due_on_for

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2014, 4, 1, 7, 0, tzinfo=UTC)  # window T2 of the sector plans is open
BATCH = 5_000
PASSWORD = "een lang genoeg wachtwoord voor de bench"  # noqa: S105 (throwaway database)
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 (throwaway database)
QUICK = {"n": 2_000, "requests": 20}
ROUTES = ("hello", "queue", "dashboard", "api_list", "application", "progress", "progress_json")
S = ApplicationState

# Share of the applications per state, per lifecycle: most decided long ago, about a fifth
# waiting in the assessors' queue (submitted, incomplete, in assessment, settlement requested).
GRANT_STATES = {
    S.DRAFT: 4, S.SUBMITTED: 8, S.INCOMPLETE: 3, S.UNPROCESSED: 1, S.IN_ASSESSMENT: 7,
    S.ASSESSED: 3, S.APPROVED: 6, S.REJECTED: 14, S.WITHDRAWN: 3, S.MONITORED: 28,
    S.SETTLEMENT_REQUESTED: 4, S.SETTLED: 7, S.CLOSED: 12,
}
PLACES_STATES = {
    S.DRAFT: 4, S.SUBMITTED: 8, S.INCOMPLETE: 3, S.UNPROCESSED: 1, S.IN_ASSESSMENT: 5,
    S.VALIDATED: 10, S.REJECTED: 8, S.WITHDRAWN: 2, S.SETTLED: 9, S.PAID: 30, S.CLOSED: 20,
}
# The triggers that lead to each state (the audit rows an application in it has).
PATHS = {
    S.DRAFT: [],
    S.SUBMITTED: ["submit"],
    S.INCOMPLETE: ["submit", "request_information"],
    S.UNPROCESSED: ["submit", "request_information", "close_unprocessed"],
    S.IN_ASSESSMENT: ["submit", "start_assessment"],
    S.ASSESSED: ["submit", "start_assessment", "record_assessment"],
    S.VALIDATED: ["submit", "start_assessment", "record_assessment"],
    S.APPROVED: ["submit", "start_assessment", "record_assessment", "approve"],
    S.REJECTED: ["submit", "start_assessment", "record_assessment", "reject"],
    S.WITHDRAWN: ["submit", "withdraw"],
    S.MONITORED: ["submit", "start_assessment", "record_assessment", "approve", "pay_advance"],
    S.SETTLEMENT_REQUESTED: ["submit", "start_assessment", "record_assessment", "approve",
                             "pay_advance", "request_settlement"],
    S.SETTLED: ["submit", "start_assessment", "record_assessment", "approve", "pay_advance",
                "request_settlement", "settle"],
    S.PAID: ["submit", "start_assessment", "record_assessment", "settle", "pay"],
    S.CLOSED: ["submit", "start_assessment", "record_assessment", "approve", "pay_advance",
               "request_settlement", "settle", "close"],
}
# What the praktijkleren lifecycle calls the same steps.
PLACES_PATHS = {S.SETTLED: ["submit", "start_assessment", "record_assessment", "settle"],
                S.CLOSED: ["submit", "start_assessment", "record_assessment", "settle", "pay",
                           "close"]}


# -- the database ---------------------------------------------------------------------------

@contextmanager
def database(url: str | None, reset: bool):
    """The database to fill: a temporary SQLite file, or the PostgreSQL database named."""
    if not url or make_url(url).get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory(prefix="pages-bench-") as folder:
            yield url or f"sqlite:///{folder}/pages.db"
        return
    engine = sa.create_engine(make_url(url).set(drivername="postgresql+psycopg"),
                              isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            if reset:
                connection.exec_driver_sql("DROP SCHEMA public CASCADE")
                connection.exec_driver_sql("CREATE SCHEMA public")
            tables = sa.inspect(connection).get_table_names()
        if tables:
            sys.exit(f"{make_url(url).database} is not empty ({len(tables)} tables): give an "
                     "empty database, or --reset to drop everything in it first")
    finally:
        engine.dispose()
    yield url


# -- the bulk loader ------------------------------------------------------------------------

@dataclass
class Loaded:
    """What the measurements need from the loaded database."""

    application_id: int = 0
    counts: dict = field(default_factory=dict)
    token: str = ""


def _staff(email: str, name: str, roles: set[Role]):
    from grants.services.accounts import create_user

    user = create_user(email=email, name=name, roles=roles, password=PASSWORD)
    # Staff log in with a second step (two-factor); the bench answers it with this secret.
    user.totp_secret = TOTP_SECRET
    user.totp_enabled_at = START
    return user


def _organisations(count: int) -> dict[OrganisationKind, list[SimpleNamespace]]:
    """``count`` organisations of the kinds the schemes need, over the five regions."""
    kinds = [OrganisationKind.EMPLOYER] * 5 + [
        OrganisationKind.EMPLOYERS_ORGANISATION, OrganisationKind.EMPLOYEES_ORGANISATION,
        OrganisationKind.MBO_INSTITUTION, OrganisationKind.OM_FUND]
    regions = list(Region)
    rows = [{"name": f"Bench-organisatie {n}", "kvk": f"{20_000_000 + n:08d}",
             "kind": kinds[n % len(kinds)], "region": regions[n % len(regions)],
             "address": f"Werkplaatsweg {n}", "postcode": "8011 AB", "city": "Zwolle",
             "created_at": START} for n in range(count)]
    for start in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(Organisation), rows[start:start + BATCH])
    found: dict[OrganisationKind, list[SimpleNamespace]] = {}
    for id_, kvk, kind, region, name in db.session.execute(
            sa.select(Organisation.id, Organisation.kvk, Organisation.kind, Organisation.region,
                      Organisation.name).where(Organisation.name.startswith("Bench-"))
            .order_by(Organisation.id)):
        found.setdefault(kind, []).append(
            SimpleNamespace(id=id_, kvk=kvk, kind=kind, region=region, name=name))
    return found


def _rule_versions(windows: list[Window]) -> dict[int, int]:
    """A frozen copy of each window's rules, as the first submission in it would store."""
    from grants.workflows import workflow_for
    from grants.workflows.rules import snapshot

    found = {}
    for window in windows:
        rules = snapshot(window, workflow_for(window.scheme.code).default_rules)
        # The digest grants.workflows.rules.freeze gives the same rules.
        digest = hashlib.sha256(json.dumps(rules, sort_keys=True).encode()).hexdigest()
        version = db.session.scalars(sa.select(RuleVersion).where(
            RuleVersion.digest == digest)).one_or_none()
        if version is None:
            version = RuleVersion(scheme_id=window.scheme_id, window_id=window.id,
                                  digest=digest, rules=rules, created_at=START)
            db.session.add(version)
            db.session.flush()
        found[window.id] = version.id
    return found


def _details(scheme: str, organisation, partners, requested: int, window: Window) -> dict:
    """The scheme's fields, as the demo's applications fill them in."""
    from grants import demo

    opens = window.opens_at.date()
    if scheme == "sectorplan":
        employers, employees = partners
        return demo._sector_plan(organisation, employers, employees, requested,
                                 max(opens, date(2014, 1, 1)) + timedelta(days=92))
    if scheme == "rif":
        return demo._rif(organisation, requested, opens + timedelta(days=92))
    return demo._placements(organisation, 2 + organisation.id % 4, opens.year - 1)


def _pick(weights: dict, rng: random.Random):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def load(n: int, seed: int = 20140401) -> Loaded:
    """Seed, make the staff and one application through the services, bulk-load ``n`` more."""
    from grants.schema import prepare_database
    from grants.seed import seed_schemes
    from grants.services.applications import create_application, fire_trigger, reference_for
    from grants.services.consents import give_consent
    from grants.services.tokens import create_token
    from grants.workflows import workflow_for

    rng = random.Random(seed)  # noqa: S311 (a reproducible spread, not a secret)
    prepare_database()
    seed_schemes(START)
    assessor = _staff("beoordelaar@bench.example", "Beoordelaar", {Role.ASSESSOR})
    finance = _staff("financien@bench.example", "Financiën", {Role.FINANCE})
    organisations = _organisations(max(50, n // 50))
    loaded = Loaded()

    # The measured application: a sector plan in T2, submitted and in assessment.
    from grants.services.accounts import create_user

    employers = db.session.get(Organisation, organisations[
        OrganisationKind.EMPLOYERS_ORGANISATION][0].id)
    employees = db.session.get(Organisation, organisations[
        OrganisationKind.EMPLOYEES_ORGANISATION][0].id)
    applicant = create_user(email="aanvrager@bench.example", name="Aanvrager",
                            roles={Role.APPLICANT}, password=PASSWORD, organisation=employers)
    partner = create_user(email="partner@bench.example", name="Partner", roles={Role.APPLICANT},
                          password=PASSWORD, organisation=employees)
    windows = list(db.session.scalars(sa.select(Window).join(Scheme).order_by(Window.id)))
    t2 = next(w for w in windows if w.scheme.code == "sectorplan" and w.code == "T2")
    payload = _details("sectorplan", employers, (employers, employees), 400_000_00, t2)
    fields = workflow_for("sectorplan").fields
    payload = {"scheme": "sectorplan", "window": "T2", "title": "Sectorplan metaal (bench)",
               **fields.to_api(payload)}
    application = create_application(applicant, payload, START)
    give_consent(application.id, partner, START)
    fire_trigger(application.id, "submit", applicant, {}, START)
    fire_trigger(application.id, "start_assessment", assessor, {}, START + timedelta(days=1))
    loaded.application_id = application.id
    _, loaded.token = create_token(assessor, START, "pages bench")
    db.session.commit()

    # -- plan every application: scheme, window, organisation, state, dates -----------------
    versions = _rule_versions(windows)
    by_scheme = {code: [w for w in windows if w.scheme.code == code]
                 for code in ("sectorplan", "praktijkleren", "rif")}
    applicants = {"sectorplan": organisations[OrganisationKind.EMPLOYERS_ORGANISATION],
                  "rif": organisations[OrganisationKind.MBO_INSTITUTION],
                  "praktijkleren": organisations[OrganisationKind.EMPLOYER]}
    plans = []
    for number in range(n):
        scheme = rng.choices(("sectorplan", "praktijkleren", "rif"), weights=(3, 5, 2))[0]
        window = rng.choice(by_scheme[scheme])
        state = _pick(PLACES_STATES if scheme == "praktijkleren" else GRANT_STATES, rng)
        plans.append((number, scheme, window, rng.choice(applicants[scheme]), state))
    loaded.counts = {state.value: sum(1 for p in plans if p[4] == state) for state in S}

    # Amounts per line: together at most 80% of its ceiling, so no line goes over.
    lines = {(line.window_id, line.category): line for line in db.session.scalars(
        sa.select(BudgetLine).where(BudgetLine.window_id.is_not(None)))}
    per_line: dict[int, int] = {}
    for _number, _scheme, window, _organisation, _state in plans:
        per_line[window.id] = per_line.get(window.id, 0) + 1
    sequence = {window.id: 1 for window in windows}  # 1 is the service-made T2 application
    employees_orgs = organisations[OrganisationKind.EMPLOYEES_ORGANISATION]
    details_cache: dict[tuple, dict] = {}

    started = time.perf_counter()
    application_rows, paths = [], []
    for number, scheme, window, organisation, state in plans:
        sequence[window.id] += 1
        category = PlaceCategory.MBO if scheme == "praktijkleren" else None
        line = lines[(window.id, category)]
        share = line.ceiling_cents * 4 // 5 // per_line[window.id]
        amount = max(100_00, share - share * rng.randrange(0, 40) // 100) // 100 * 100
        key = (scheme, organisation.id, window.id)
        if key not in details_cache:
            module = workflow_for(scheme).fields
            raw = _details(scheme, organisation, (organisation, employees_orgs[
                organisation.id % len(employees_orgs)]), amount, window)
            parsed, errors = module.parse(module.to_api(raw))
            assert not errors, (scheme, errors)
            details_cache[key] = parsed
        opens, closes = window.opens_at, window.closes_at
        created = opens + (closes - opens) * rng.random()
        steps = (PLACES_PATHS.get(state) if scheme == "praktijkleren" else None) \
            or PATHS[state]
        times = [created + timedelta(hours=1 + 6 * i + rng.randrange(0, 5 * 24) * (i > 0))
                 for i in range(len(steps))]
        submitted = times[0] if steps else None
        decided = next((t for s, t in zip(steps, times, strict=True)
                        if s in ("approve", "reject", "settle", "close_unprocessed")), None)
        decision_due = (submitted.date() + timedelta(weeks=13)) if submitted else None
        repair_due = times[1].date() + timedelta(days=14) if state in (
            S.INCOMPLETE, S.UNPROCESSED) else None
        granted = amount if "approve" in steps or "settle" in steps else None
        application_rows.append({
            "reference": reference_for(window, sequence[window.id]),
            "scheme_id": window.scheme_id, "window_id": window.id,
            "organisation_id": organisation.id, "region": organisation.region,
            "title": f"Bench-aanvraag {number + 1}", "state": state,
            "requested_cents": amount if scheme != "praktijkleren" else 0,
            "granted_cents": granted, "settled_cents": granted if "settle" in steps else None,
            "details": details_cache[key],
            "rules_version_id": versions[window.id] if steps else None,
            "submitted_at": submitted,
            "complete_at": submitted if state not in (S.INCOMPLETE, S.UNPROCESSED) else None,
            "decision_due_on": decision_due, "decision_term_ends_on": decision_due,
            "suspended_on": times[1].date() if state == S.INCOMPLETE else None,
            "repair_due_on": repair_due if state == S.INCOMPLETE else None,
            # What the model's hook keeps (the bulk INSERT passes no hook).
            "due_on": due_on_for(state, repair_due if state == S.INCOMPLETE else None,
                                 decision_due),
            "decided_at": decided,
            "objection_due_on": decided.date() + timedelta(weeks=6) if decided else None,
            "created_at": created, "version": 1 + len(steps),
        })
        paths.append((steps, times, state, scheme, line.id, amount))
    for start in range(0, len(application_rows), BATCH):
        db.session.execute(sa.insert(Application), application_rows[start:start + BATCH])
    ids = list(db.session.scalars(sa.select(Application.id).where(
        Application.title.startswith("Bench-aanvraag ")).order_by(Application.id)))
    assert len(ids) == n, (len(ids), n)

    # -- audit rows, what was submitted, ledger entries --------------------------------------
    audit, entries = [], []
    for application_id, row, (steps, times, state, scheme, line_id, amount) in zip(
            ids, application_rows, paths, strict=True):
        states = [S.DRAFT]
        for trigger in steps:
            states.append(_after(trigger, states[-1], state, scheme))
        states[-1] = state
        for trigger, at, before, after in zip(steps, times, states[:-1], states[1:],
                                              strict=True):
            actor = applicant.id if trigger in ("submit", "withdraw", "request_settlement") \
                else (finance.id if trigger in ("pay_advance", "pay") else assessor.id)
            audit.append({"application_id": application_id, "trigger": trigger,
                          "from_state": before, "to_state": after, "actor_id": actor, "at": at,
                          "reason": "", "rules_version_id": row["rules_version_id"],
                          "data": {}})
            entries += _bookings(application_id, line_id, trigger, scheme, amount, at,
                                 actor)
    for start in range(0, len(audit), BATCH):
        db.session.execute(sa.insert(AuditEvent), audit[start:start + BATCH])
    submitted = db.session.execute(
        sa.select(AuditEvent.id, AuditEvent.application_id, AuditEvent.at)
        .where(AuditEvent.trigger == "submit", AuditEvent.application_id >= ids[0])).all()
    rows_by_id = dict(zip(ids, application_rows, strict=True))
    copies = [{"application_id": application_id, "audit_event_id": event_id,
               "trigger": "submit", "at": at, "title": rows_by_id[application_id]["title"],
               "requested_cents": rows_by_id[application_id]["requested_cents"],
               "details": rows_by_id[application_id]["details"], "attachments": []}
              for event_id, application_id, at in submitted]
    for start in range(0, len(copies), BATCH):
        db.session.execute(sa.insert(Submission), copies[start:start + BATCH])
    for start in range(0, len(entries), BATCH):
        db.session.execute(sa.insert(LedgerEntry), entries[start:start + BATCH])
    _set_balances()
    db.session.commit()
    loaded.counts["audit_rows"] = len(audit)
    loaded.counts["ledger_entries"] = len(entries)
    loaded.counts["load_seconds"] = round(time.perf_counter() - started, 1)
    if db.engine.dialect.name == "postgresql":
        # What autovacuum does soon after a bulk load; the planner needs the statistics.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("VACUUM ANALYZE")
    return loaded


def reuse() -> Loaded:
    """What a previous run loaded into this database, to measure it again without loading."""
    from grants.models import User
    from grants.services.tokens import create_token

    loaded = Loaded()
    loaded.application_id = db.session.scalar(sa.select(Application.id).where(
        Application.title == "Sectorplan metaal (bench)"))
    if loaded.application_id is None:
        sys.exit("--reuse: this database holds no earlier load of the bench")
    assessor = db.session.scalar(sa.select(User).where(
        User.email == "beoordelaar@bench.example"))
    _, loaded.token = create_token(assessor, datetime.now(UTC), "pages bench (again)")
    db.session.commit()
    loaded.counts = {state.value: count for state, count in db.session.execute(
        sa.select(Application.state, sa.func.count()).where(
            Application.title.startswith("Bench-aanvraag ")).group_by(Application.state))}
    return loaded


def _after(trigger: str, before: S, final: S, scheme: str) -> S:
    """The state a trigger leads to on the way to ``final`` (the last step lands on it)."""
    return {
        "submit": S.SUBMITTED, "request_information": S.INCOMPLETE,
        "close_unprocessed": S.UNPROCESSED, "start_assessment": S.IN_ASSESSMENT,
        "record_assessment": S.VALIDATED if scheme == "praktijkleren" else S.ASSESSED,
        "approve": S.APPROVED, "reject": S.REJECTED, "withdraw": S.WITHDRAWN,
        "pay_advance": S.MONITORED, "request_settlement": S.SETTLEMENT_REQUESTED,
        "settle": S.SETTLED, "pay": S.PAID, "close": S.CLOSED,
    }.get(trigger, final)


def _bookings(application_id: int, line_id: int, trigger: str, scheme: str, amount: int,
              at: datetime, actor_id: int) -> list[dict]:
    """The ledger entries ``trigger`` books for a grant of ``amount`` (domain.md §6)."""
    def entry(kind, value, bucket=None):
        return {"line_id": line_id, "application_id": application_id, "kind": kind,
                "bucket": bucket, "amount_cents": value, "actor_id": actor_id, "at": at,
                "cause": trigger, "reason": ""}

    if scheme == "praktijkleren":
        # Funded by the allocation run at the settlement; paid as one sum.
        return {"settle": [entry(EntryKind.COMMIT, amount)],
                "pay": [entry(EntryKind.DISBURSE, amount)]}.get(trigger, [])
    return {
        "submit": [entry(EntryKind.RESERVE, amount)],
        "approve": [entry(EntryKind.RELEASE, amount, Bucket.RESERVED),
                    entry(EntryKind.COMMIT, amount)],
        "reject": [entry(EntryKind.RELEASE, amount, Bucket.RESERVED)],
        "withdraw": [entry(EntryKind.RELEASE, amount, Bucket.RESERVED)],
        "close_unprocessed": [entry(EntryKind.RELEASE, amount, Bucket.RESERVED)],
        "pay_advance": [entry(EntryKind.DISBURSE, amount * 4 // 5)],
    }.get(trigger, [])


def _set_balances() -> None:
    """Each line's maintained balance columns: the sums of its entries, checked after."""
    kind, bucket, amount = LedgerEntry.kind, LedgerEntry.bucket, LedgerEntry.amount_cents
    release = kind == EntryKind.RELEASE

    def total(*cases):
        return sa.cast(sa.func.coalesce(sa.func.sum(sa.case(*cases, else_=0)), 0), sa.BigInteger)

    sums = db.session.execute(sa.select(
        LedgerEntry.line_id,
        total((kind == EntryKind.RESERVE, amount),
              (release & (bucket == Bucket.RESERVED), -amount)),
        total((kind == EntryKind.COMMIT, amount),
              (release & (bucket == Bucket.COMMITTED), -amount)),
        total((kind == EntryKind.DISBURSE, amount)),
        total((kind == EntryKind.RECOVER, amount)),
    ).group_by(LedgerEntry.line_id)).all()
    for line_id, reserved, committed, disbursed, recovered in sums:
        db.session.execute(sa.update(BudgetLine).where(BudgetLine.id == line_id).values(
            reserved_cents=reserved, committed_cents=committed, disbursed_cents=disbursed,
            recovered_cents=recovered))
    db.session.flush()
    for line_id, reserved, committed, _disbursed, _recovered in sums:
        line = db.session.get(BudgetLine, line_id)
        db.session.refresh(line)
        assert (line.reserved_cents, line.committed_cents) == (reserved, committed), line_id
        assert line.reserved_cents + line.committed_cents <= line.ceiling_cents, line.code


# -- the server and the client --------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def server(url: str, instance: str, workers: int):
    port = free_port()
    env = {**os.environ, "GRANTS_DATABASE_URL": url, "GRANTS_INSTANCE_PATH": instance,
           "GRANTS_SECRET_KEY": "pages-bench"}
    process = subprocess.Popen(  # noqa: S603 (our own command line)
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--chdir", str(ROOT), "--log-level", "warning", "wsgi:app"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                sys.exit(f"gunicorn stopped at start (exit {process.returncode})")
            try:
                if requests.get(f"{base}/healthz", timeout=10).status_code == 200:
                    break
            except requests.RequestException:
                pass  # not listening yet, or its workers still booting
            if time.monotonic() > deadline:
                sys.exit("gunicorn did not answer within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _csrf(page: requests.Response) -> str:
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.text)
    if found is None:
        sys.exit(f"no CSRF token on {page.url} ({page.status_code})")
    return found.group(1)


def log_in(base: str, email: str) -> requests.Session:
    """Through the login page and the code page, as a person would."""
    from grants.services.two_factor import code_at

    browser = requests.Session()
    page = browser.get(f"{base}/login")
    page = browser.post(f"{base}/login", data={"email": email, "password": PASSWORD,
                                               "csrf_token": _csrf(page)})
    if "/login/code" not in page.url:
        sys.exit(f"login of {email} did not ask for the code ({page.status_code} {page.url})")
    code_page = page.url
    for _attempt in range(2):
        page = browser.post(code_page, data={"code": code_at(TOTP_SECRET, datetime.now(UTC)),
                                             "csrf_token": _csrf(page)})
        if "/login" not in page.url:
            return browser
        # A code is accepted once (--reuse: an earlier run may have used this one): the next.
        time.sleep(31 - time.time() % 30)
        page = browser.get(code_page)
    sys.exit(f"the code step of {email} failed ({page.status_code})")


def measure(base: str, loaded: Loaded, requests_per_route: int, clients: int,
            rounds: int = 5) -> dict[str, list[float]]:
    assessor, finance = log_in(base, "beoordelaar@bench.example"), \
        log_in(base, "financien@bench.example")
    api = {"Authorization": f"Bearer {loaded.token}"}
    routes = {
        "hello": (None, "/healthz", {}),
        "queue": (assessor, "/beoordelen/", {}),
        "dashboard": (finance, "/financien/", {}),
        "api_list": (None, "/api/v1/applications", api),
        "application": (assessor, f"/aanvragen/{loaded.application_id}", {}),
        # Issue 17: the public monitor and its open data, read by anyone without a login.
        "progress": (None, "/voortgang", {}),
        "progress_json": (None, "/voortgang/data.json", {}),
    }
    timings: dict[str, list[float]] = {route: [] for route in ROUTES}
    failures: list[str] = []

    def client(route: str, count: list[int], lock: threading.Lock):
        logged_in, path, headers = routes[route]
        session = requests.Session()
        if logged_in is not None:
            session.cookies.update(logged_in.cookies)
        while True:
            with lock:
                if count[0] <= 0:
                    return
                count[0] -= 1
            started = time.perf_counter()
            response = session.get(base + path, headers=headers, allow_redirects=False)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                failures.append(f"{route}: {response.status_code} {path}")
                return
            with lock:
                timings[route].append(elapsed)

    for route in ROUTES:  # warm-up: each worker's first requests import and compile
        for _ in range(2 * clients):
            client_once = routes[route]
            session = requests.Session()
            if client_once[0] is not None:
                session.cookies.update(client_once[0].cookies)
            response = session.get(base + client_once[1], headers=client_once[2])
            if response.status_code != 200:
                sys.exit(f"{route}: {response.status_code} at warm-up")
    per_round = max(1, requests_per_route // rounds)
    for _ in range(rounds):
        for route in ROUTES:
            count, lock = [per_round], threading.Lock()
            threads = [threading.Thread(target=client, args=(route, count, lock))
                       for _ in range(clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if failures:
                sys.exit("failed: " + "; ".join(failures[:5]))
    return timings


def p95(values: list[float]) -> float:
    return round(statistics.quantiles(values, n=20, method="inclusive")[18], 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, help="applications to load (default 100000)")
    parser.add_argument("--requests", type=int, help="requests per route (default 200)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (default 4)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--database-url", default=os.environ.get("GRANTS_DATABASE_URL"),
                        help="default: GRANTS_DATABASE_URL, else a temporary SQLite file")
    parser.add_argument("--reset", action="store_true",
                        help="drop everything in the PostgreSQL database first")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the PostgreSQL database an earlier run loaded, as it is")
    parser.add_argument("--quick", action="store_true",
                        help="2,000 applications and 20 requests per route (what CI runs)")
    args = parser.parse_args()
    if args.reuse and (args.reset or not args.database_url):
        parser.error("--reuse measures a PostgreSQL database loaded before: give its URL, "
                     "and no --reset")
    defaults = QUICK if args.quick else {"n": 100_000, "requests": 200}
    n = args.n or defaults["n"]
    per_route = args.requests or defaults["requests"]

    with (nullcontext(args.database_url) if args.reuse
          else database(args.database_url, args.reset)) as url, \
            tempfile.TemporaryDirectory(prefix="pages-bench-instance-") as instance:
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": instance,
                          "SECRET_KEY": "pages-bench"})
        with app.app_context():
            loaded = reuse() if args.reuse else load(n)
            db.session.remove()
            db.engine.dispose()
        queued = sum(loaded.counts.get(state, 0) for state in (
            "submitted", "incomplete", "in_assessment", "settlement_requested"))
        if args.reuse:
            n = sum(loaded.counts.values())
            print(f"measuring the {n} applications loaded before; {queued} in the queue's "
                  "states", flush=True)
        else:
            print(f"loaded {n} applications in {loaded.counts['load_seconds']} s: "
                  f"{loaded.counts['audit_rows']} audit rows, "
                  f"{loaded.counts['ledger_entries']} ledger entries; {queued} in the queue's "
                  "states", flush=True)
        with server(url, instance, args.workers) as base:
            timings = measure(base, loaded, per_route, args.clients)

    figures = {"n": n, **{f"{route}_p95_ms": p95(timings[route]) for route in ROUTES}}
    print(f"{'route':<12} {'requests':>8} {'median ms':>10} {'p95 ms':>8} {'× hello':>8}")
    for route in ROUTES:
        ratio = figures[f"{route}_p95_ms"] / figures["hello_p95_ms"]
        print(f"{route:<12} {len(timings[route]):>8} {statistics.median(timings[route]):>10.1f}"
              f" {figures[f'{route}_p95_ms']:>8.1f} {ratio:>8.1f}")
        if route != "hello":
            figures[f"{route}_ratio"] = round(ratio, 1)
    figures["requests_per_route"] = per_route
    figures["clients"] = args.clients
    figures["database"] = make_url(url).get_backend_name()
    if args.quick:
        print("quick run: sizes too small for figures to mean anything")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
