"""Decision letters: the real letter job on 1 and then 2 worker processes; letters per second.

    python bench/letters_bench.py [--letters 500] [--chunk 20] [--rounds 1] [--database-url URL]
                                  [--reset] [--quick]

The database is the one ``--database-url`` or GRANTS_DATABASE_URL names (PostgreSQL must be
empty, or ``--reset``), else a temporary SQLite file; bench/pages_bench.py's loader makes the
schema, the schemes and one application. Each timed job is ``--letters`` praktijkleren direct
settlements — the kind an allocation run makes by the ten thousand — each with its own
reference, addressee and amounts, inserted as one job's decisions in one commit, as a committed
run leaves them.

For each number of processes a real worker is started (``flask grants worker --processes P``,
the embedded SQLite queue in a temporary instance folder), warmed up on a small job of its own
(fonts, imports: a long-running worker has paid them), and then timed from putting the job on
the queue until the job is done — leasing, rendering, storing and finishing included. The
worker is then stopped. ``--rounds`` repeats 1, 2, 1, 2 … and reports medians (the machine is
shared: both ways see the same noise). The bench checks that every letter was made, each once,
and exits non-zero otherwise.

The last line is one JSON object: ``letters``, ``letters_per_s_1``, ``letters_per_s_2``,
``processes_ratio`` (2 over 1), ``minutes_for_20000`` at the rate of two processes, and
``cpu_ms_per_letter_1`` / ``_2``: the CPU time (user + system, from /proc) the worker's
processes spent per letter, which the machine's other load changes far less than the rates.
While the job runs the bench reads only its status (the letters are counted at the end), so
that its polling takes next to nothing from the workers' cores.
``--quick`` (what CI runs) makes 20 letters in chunks of 5: the same code paths in well under a
minute, figures too small to mean anything.
"""

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from grants import create_app  # noqa: E402
from grants.database import writing  # noqa: E402
from grants.extensions import db  # noqa: E402
from grants.money import format_eur  # noqa: E402

QUICK = {"letters": 20, "chunk": 5}
STARTED = datetime(2014, 11, 20, 9, 0, tzinfo=UTC)
WORKER_TIMEOUT = 3600


def sample_context(number: int) -> dict:
    """A direct-settlement letter as grants.decisions.context builds it (plain values)."""
    mbo, hbo = 270_000 - number % 97 * 100, 135_000 - number % 89 * 50
    reference = f"PL-2013-2014-{number:05d}"
    return {
        "kind": "direct_settlement", "kind_label": "Directe vaststelling",
        "title": "Besluit: wij stellen uw subsidie direct vast",
        "subject": f"Directe vaststelling subsidie Subsidieregeling praktijkleren, aanvraag "
                   f"{reference}",
        "reference": f"{reference}/1", "date": "20 november 2014", "date_iso": "2014-11-20",
        "scheme": "praktijkleren", "scheme_name": "Subsidieregeling praktijkleren",
        "legal_basis": "Subsidieregeling praktijkleren, Staatscourant 2013, 31130",
        "regulation": "Subsidieregeling praktijkleren",
        "articles": ["artikel 4:46 van de Algemene wet bestuursrecht"],
        "ministry": {"code": "OCW", "name": "Ministerie van Onderwijs, Cultuur en Wetenschap",
                     "address": ["Postbus 16375", "2500 BJ Den Haag"]},
        "minister": "de minister van Onderwijs, Cultuur en Wetenschap",
        "minister_title": "De minister van Onderwijs, Cultuur en Wetenschap",
        "addressee": {"name": f"Leerbedrijf {number}", "attention": "t.a.v. de contactpersoon",
                      "kvk": f"{60000000 + number:08d}"},
        "application": {"reference": reference, "title": "Praktijkleren 2013/14",
                        "window": "Studiejaar 2013/2014", "submitted_on": "15 september 2014",
                        "requested": format_eur(405_000)},
        "amount": format_eur(mbo + hbo), "reason": "", "signed_by": "Financiën",
        "objection": {"due": "1 januari 2015"},
        "places": {
            "study_year": "2013/2014", "rate_cap": format_eur(270_000),
            "rows": [
                {"category": "mbo (bbl)", "students": 1, "places": "1,0000",
                 "rate": format_eur(mbo), "amount": format_eur(mbo)},
                {"category": "hbo", "students": 1, "places": "0,5000",
                 "rate": format_eur(2 * hbo), "amount": format_eur(hbo)},
            ],
            "iban": "NL91 ABNA 0417 1643 00",
            "payment": "Dat doen wij binnen 6 weken na de datum van deze brief.",
            "retention": "ten minste 7 jaar",
        },
    }



def make_job(count: int, label: str) -> int:
    """A job of ``count`` direct-settlement letters for the loaded application, committed."""
    # A writing transaction from its start: on SQLite a read that becomes a write fails when a
    # worker has written in between.
    with writing():
        return _make_job(count, label)


def _make_job(count: int, label: str) -> int:
    from grants.decisions.render import TEMPLATE_VERSION
    from grants.models import AuditEvent, Decision, DecisionKind, Job, JobKind, JobStatus

    audit_event = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).first()
    job = Job(kind=JobKind.LETTERS, label=label, status=JobStatus.QUEUED, created_at=STARTED,
              worker="", runs=0)
    db.session.add(job)
    db.session.flush()
    rows = []
    for number in range(1, count + 1):
        context = sample_context(number)
        context["reference"] = f"PL-BENCH-{job.id}-{number:05d}/1"
        rows.append({
            "application_id": audit_event.application_id, "audit_event_id": audit_event.id,
            "kind": DecisionKind.DIRECT_SETTLEMENT, "reference": context["reference"],
            "decided_on": date(2014, 11, 20), "amount_cents": 405_000, "context": context,
            "template_version": TEMPLATE_VERSION, "created_at": STARTED, "job_id": job.id,
            "attempts": 0, "last_error": "", "leased_by": ""})
    db.session.execute(sa.insert(Decision), rows)
    job_id = job.id
    db.session.commit()
    return job_id


def job_status(job_id: int) -> str:
    """The job's status only: polled while the workers render, so it must cost them nothing
    (the bench shares their cores); the letters are counted once, at the end."""
    from grants.models import Job

    status = db.session.scalar(sa.select(Job.status).where(Job.id == job_id))
    db.session.commit()
    return status


def job_state(job_id: int) -> tuple[str, int, int]:
    """(status, letters stored, distinct hashes)."""
    from grants.models import Decision, Job

    status = db.session.scalar(sa.select(Job.status).where(Job.id == job_id))
    stored, distinct = db.session.execute(
        sa.select(sa.func.count(Decision.sha256), sa.func.count(sa.distinct(Decision.sha256)))
        .where(Decision.job_id == job_id)).one()
    db.session.commit()
    return status, stored, distinct


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and every process under it, now (Linux /proc;
    0.0 elsewhere). The worker's own figure: what the machine's other load does not change."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            # Fields after the command (in parentheses, which may hold spaces): utime is the
            # 14th field of the line, stime the 15th.
            fields = Path(f"/proc/{current}/stat").read_text().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, ValueError, IndexError):
            continue  # gone, or no /proc
    return total / ticks


def start_worker(url: str, instance: str, processes: int, chunk: int, log: Path):
    env = {**os.environ, "GRANTS_DATABASE_URL": url, "GRANTS_INSTANCE_PATH": instance,
           "GRANTS_JOBS_IMMEDIATE": "false", "GRANTS_LETTERS_CHUNK_SIZE": str(chunk),
           "GRANTS_LETTERS_PARALLEL": str(max(2, processes))}
    env.pop("FLASK_APP", None)
    with log.open("ab") as out:
        worker = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "flask", "--app", "wsgi", "grants", "worker",
             "--processes", str(processes)], cwd=ROOT, env=env, stdout=out,
            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while "Wachtrij:" not in log.read_text():
        if worker.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"the worker did not start:\n{log.read_text()}")
        time.sleep(0.05)
    return worker


def stop_worker(worker) -> None:
    worker.send_signal(signal.SIGINT)  # huey's graceful stop
    try:
        worker.wait(timeout=60)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def run_job(app, job_id: int, count: int, worker, log: Path) -> tuple[float, float]:
    """Put the job on the queue; seconds until the worker finished it, and the CPU seconds its
    processes used meanwhile (checked)."""
    from grants.jobs.letters import enqueue

    cpu = cpu_seconds(worker.pid)
    started = time.perf_counter()
    enqueue(app, job_id, count)
    deadline = time.monotonic() + WORKER_TIMEOUT
    while (status := job_status(job_id)) not in ("done", "failed"):
        if worker.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"job {job_id} not finished ({job_state(job_id)[1]}/{count}):\n"
                     f"{log.read_text()}")
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    cpu = cpu_seconds(worker.pid) - cpu
    status, stored, distinct = job_state(job_id)
    if status != "done" or stored != count or distinct != count:
        sys.exit(f"job {job_id}: {status}, {stored} stored, {distinct} distinct of {count}"
                 f":\n{log.read_text()}")
    return elapsed, cpu


def measure(app, url: str, instance: str, processes: int, count: int, chunk: int,
            log: Path) -> tuple[float, float]:
    """Letters per second of one worker with ``processes`` processes on a fresh job, and the
    CPU milliseconds its processes spent per letter."""
    worker = start_worker(url, instance, processes, chunk, log)
    try:
        warm_up = 2 * processes * chunk
        run_job(app, make_job(warm_up, "warm-up"), warm_up, worker, log)
        job_id = make_job(count, f"{count} letters, {processes} processes")
        elapsed, cpu = run_job(app, job_id, count, worker, log)
    finally:
        stop_worker(worker)
    # Who made the letters: one line per worker run (grants.jobs.letters), after the stop.
    shares = re.findall(rf"letter job {job_id}: (\d+) rendered, \d+ stored, \d+ failed, "
                        r"\d+ chunks, by [^:\s]+:(\d+):", log.read_text())
    print(f"  job {job_id}: rendered per process " + ", ".join(
        f"{pid}: {rendered}" for rendered, pid in shares), flush=True)
    return count / elapsed, 1000 * cpu / count


def main() -> int:
    from pages_bench import database, load

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=500)
    parser.add_argument("--chunk", type=int, default=20, help="letters leased at a time")
    parser.add_argument("--rounds", type=int, default=1, help="1, 2 … repeated; medians")
    parser.add_argument("--database-url", default=os.environ.get("GRANTS_DATABASE_URL"),
                        help="default: GRANTS_DATABASE_URL, else a temporary SQLite file")
    parser.add_argument("--reset", action="store_true",
                        help="drop everything in the PostgreSQL database first")
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK['letters']} letters in chunks of {QUICK['chunk']} (CI); "
                        "the figures mean nothing")
    args = parser.parse_args()
    if args.quick:
        parser.set_defaults(**QUICK)  # only the defaults: sizes on the command line still win
        args = parser.parse_args()
    if args.letters < 1 or args.chunk < 1 or args.rounds < 1:
        parser.error("at least one letter, chunks of at least one, at least one round")

    rates: dict[int, list[float]] = {1: [], 2: []}
    cpu_ms: dict[int, list[float]] = {1: [], 2: []}
    with database(args.database_url, args.reset) as url, \
            tempfile.TemporaryDirectory(prefix="letters-bench-") as instance:
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": instance,
                          "SECRET_KEY": "letters-bench", "JOBS_IMMEDIATE": False,
                          "LETTERS_CHUNK_SIZE": args.chunk, "LETTERS_PARALLEL": 2})
        log = Path(instance) / "worker.log"
        with app.app_context():
            load(100)  # the smallest data set the loader makes; the letters need one
            print(f"{args.letters} letters (praktijkleren, direct settlement), chunks of "
                  f"{args.chunk}, on {make_url(url).get_backend_name()}", flush=True)
            for round_number in range(args.rounds):
                for processes in (1, 2):
                    rate, cpu = measure(app, url, instance, processes, args.letters,
                                        args.chunk, log)
                    rates[processes].append(rate)
                    cpu_ms[processes].append(cpu)
                    print(f"round {round_number + 1}: {processes} process(es) "
                          f"{rate:6.1f} letters/s ({1000 / rate:5.1f} ms per letter, "
                          f"{cpu:5.1f} ms CPU per letter)", flush=True)
            db.session.remove()
            db.engine.dispose()
    one, two = (statistics.median(rates[p]) for p in (1, 2))
    figures = {"letters": args.letters, "letters_per_s_1": round(one, 2),
               "letters_per_s_2": round(two, 2), "processes_ratio": round(two / one, 2),
               "minutes_for_20000": round(20_000 / two / 60, 1),
               "cpu_ms_per_letter_1": round(statistics.median(cpu_ms[1]), 1),
               "cpu_ms_per_letter_2": round(statistics.median(cpu_ms[2]), 1), "chunk": args.chunk,
               "rounds": args.rounds, "cores": os.cpu_count(),
               "load_average": round(os.getloadavg()[0], 1),
               "database": make_url(url).get_backend_name()}
    if args.quick:
        print("quick run: sizes too small for figures to mean anything")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
