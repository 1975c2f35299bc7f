"""The letter job: render and store the letters of a job's decisions, a chunk at a time.

A job's letters are shared by every worker that takes the job up, on one machine or several:
each worker leases a chunk of letters (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite writes
one at a time anyway), renders it with no transaction open, then stores each PDF with
``UPDATE … WHERE pdf IS NULL`` and commits. So a job can be run again at any moment, by any
number of workers, after any crash: a stored letter is never rendered or stored twice, a letter
whose worker died is free again when its lease runs out (at once for a dead process on the same
machine), and progress is counted from the rows themselves. The worker that finds nothing left
to lease and nobody else still rendering finishes the job.
"""

import gc
import logging
import math
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app

from grants.clock import now
from grants.database import writing
from grants.decisions.outbox import letters_waiting
from grants.decisions.render import Letter, RenderError, render_one
from grants.extensions import db
from grants.jobs.queue import (
    dead,
    job,
    put_on_queue,
    queue_for,
    setting,
    unfinished_jobs,
    worker_name,
)
from grants.models import Application, Decision, Job, JobKind, JobStatus

log = logging.getLogger(__name__)

RENDER_LETTERS = "grants.render_letters"
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


def enqueue(app: Flask, job_id: int, letters: int | None = None) -> None:
    """Put the job on the queue once for each worker that may share it (``LETTERS_PARALLEL``,
    no more than it has chunks of ``letters`` waiting, counted when not given); a copy that
    finds nothing left to do ends at once."""
    copies = 1
    if not queue_for(app).huey.immediate:
        if letters is None:
            letters = db.session.scalar(sa.select(sa.func.count(Decision.id)).where(
                Decision.job_id == job_id, Decision.rendered_at.is_(None))) or 0
            db.session.commit()  # end the read transaction
        chunks = math.ceil(letters / int(setting(app, "LETTERS_CHUNK_SIZE")))
        copies = max(1, min(int(setting(app, "LETTERS_PARALLEL")), chunks))
    for _ in range(copies):
        put_on_queue(app, RENDER_LETTERS, job_id)


@letters_waiting.connect
def _letters_committed(app: Flask, job_id: int, letters: int) -> None:
    enqueue(app, job_id, letters)


@job(RENDER_LETTERS)
def render_letters(queue, job_id: int) -> None:
    # A queue that runs jobs at once runs them in the web (or test) process: its collector is
    # not the job's to change.
    run_letters_job(job_id, reschedule=lambda job_id, eta: queue.put_later(
        RENDER_LETTERS, (job_id,), eta), in_worker=not queue.huey.immediate)


def resume_letters(app: Flask) -> list[int]:
    """Queue every letter job that is not finished (after a crash, a restart, a lost message)."""
    ids = unfinished_jobs()
    for job_id in ids:
        enqueue(app, job_id)
    return ids


# -- running a letter job -----------------------------------------------------------------------

@dataclass
class Outcome:
    rendered: int = 0
    stored: int = 0
    failed: dict[int, str] = field(default_factory=dict)
    chunks: int = 0


Chunk = list[tuple[int, dict, str]]


def _dead_holders(job_id: int, me: str, moment: datetime) -> list[str]:
    """Workers holding live leases on the job's letters whose process is gone (this machine)."""
    holders = db.session.scalars(sa.select(Decision.leased_by).distinct().where(
        Decision.job_id == job_id, Decision.rendered_at.is_(None),
        Decision.leased_until > moment, Decision.leased_by != me))
    return [holder for holder in holders if dead(holder)]


def _lease_chunk(job_id: int, me: str, size: int, lease: timedelta, first: bool) -> Chunk:
    """Lease the next letters nobody renders (one commit); none when the job is not active.

    A letter that failed waits for a retry (``last_error``), so that no worker tries it again
    and again within one run.
    """
    with writing():
        moment = now()
        status = db.session.scalar(sa.select(Job.status).where(Job.id == job_id))
        if status not in ACTIVE:
            db.session.commit()
            return []
        free = sa.or_(Decision.leased_until.is_(None), Decision.leased_until <= moment,
                      Decision.leased_by.in_([me, *_dead_holders(job_id, me, moment)]))
        rows = db.session.execute(
            sa.select(Decision.id, Decision.context, Decision.template_version)
            .where(Decision.job_id == job_id, Decision.rendered_at.is_(None),
                   Decision.last_error == "", free)
            .order_by(Decision.id).limit(size)
            .with_for_update(skip_locked=True)).all()
        if rows:
            db.session.execute(
                sa.update(Decision).where(Decision.id.in_([row[0] for row in rows]))
                .values(leased_by=me, leased_until=moment + lease)
                .execution_options(synchronize_session=False))
            if first:  # this worker joins the job: counted once per worker run
                db.session.execute(
                    sa.update(Job).where(Job.id == job_id, Job.status.in_(ACTIVE))
                    .values(status=JobStatus.RUNNING, worker=me, lease_until=moment + lease,
                            started_at=sa.func.coalesce(Job.started_at, moment),
                            runs=Job.runs + 1)
                    .execution_options(synchronize_session=False))
        db.session.commit()
    return [(row[0], row[1], row[2]) for row in rows]


def _render(chunk: Chunk) -> tuple[dict[int, Letter], dict[int, str]]:
    """Each letter on its own: one that cannot be made does not hold up the others."""
    letters, errors = {}, {}
    for decision_id, context, version in chunk:
        try:
            letters[decision_id] = render_one(context, version)
        except RenderError as error:
            errors[decision_id] = str(error)[:2000]
    return letters, errors


# Laying out a letter makes many short-lived objects that refer to each other; with Python's
# default thresholds the cyclic collector runs about seven times per letter, its older
# generations walking everything a worker holds (app, ORM, fonts, WeasyPrint's caches): 7–9 ms
# of a 70–80 ms letter (timed with gc.callbacks, December 2026). After its first chunk a worker
# process has loaded all it keeps, so it collects once, freezes that (never walked again) and
# lets the young generation grow to 50,000 objects: the collector then takes about 2.5 ms per
# letter, and no more than that many objects wait for it.
_COLLECTOR_THRESHOLDS = (50_000, 20, 100)
_collector_settled = threading.Lock()
_collector_settled_in: int | None = None  # the process that did it (a fork starts afresh)


def _settle_collector() -> None:
    global _collector_settled_in
    with _collector_settled:
        if _collector_settled_in == os.getpid():
            return
        _collector_settled_in = os.getpid()
        gc.collect()
        gc.freeze()
        gc.set_threshold(*_COLLECTOR_THRESHOLDS)


def _store(job_id: int, letters: dict[int, Letter], errors: dict[int, str]) -> int:
    """Store the chunk's letters (each only if it has none yet) and give up its lease."""
    stored = 0
    with writing():
        moment = now()
        for decision_id, letter in letters.items():
            result = db.session.execute(
                sa.update(Decision)
                .where(Decision.id == decision_id, Decision.job_id == job_id,
                       Decision.pdf.is_(None))
                .values(pdf=letter.pdf, sha256=letter.sha256, rendered_at=moment,
                        pages=letter.pages, leased_by="", leased_until=None)
                .execution_options(synchronize_session=False))
            stored += result.rowcount
        for decision_id, message in errors.items():
            db.session.execute(
                sa.update(Decision)
                .where(Decision.id == decision_id, Decision.pdf.is_(None))
                .values(attempts=Decision.attempts + 1, last_error=message, leased_by="",
                        leased_until=None)
                .execution_options(synchronize_session=False))
        db.session.commit()
    return stored


def _busy_until(job_id: int) -> datetime | None:
    """When the last lease another worker holds on the job's waiting letters runs out."""
    until = db.session.scalar(sa.select(sa.func.max(Decision.leased_until)).where(
        Decision.job_id == job_id, Decision.rendered_at.is_(None), Decision.last_error == "",
        Decision.leased_until > now()))
    db.session.commit()
    return until


def _finish(job_id: int) -> None:
    with writing():
        left = db.session.scalar(sa.select(sa.func.count(Decision.id)).where(
            Decision.job_id == job_id, Decision.rendered_at.is_(None))) or 0
        db.session.execute(
            sa.update(Job).where(Job.id == job_id, Job.status.in_(ACTIVE))
            .values(status=JobStatus.FAILED if left else JobStatus.DONE, finished_at=now(),
                    lease_until=None)
            .execution_options(synchronize_session=False))
        db.session.commit()


def run_letters_job(job_id: int, *, reschedule=None, chunk_size: int | None = None,
                    in_worker: bool = False) -> Outcome:
    """Render and store letters of the job that nobody else is rendering, until none are left.
    Safe to run any time, in any number of workers at once. ``in_worker``: this process only
    runs jobs, and its garbage collector may be tuned for letters (``_settle_collector``)."""
    app = current_app._get_current_object()
    lease = timedelta(seconds=setting(app, "JOBS_LEASE_SECONDS"))
    size = chunk_size or int(setting(app, "LETTERS_CHUNK_SIZE"))
    pause = float(setting(app, "LETTERS_PAUSE_AFTER_CHUNK") or 0)
    me = worker_name()
    outcome = Outcome()
    try:
        while chunk := _lease_chunk(job_id, me, size, lease, first=not outcome.chunks):
            letters, errors = _render(chunk)
            if in_worker:
                _settle_collector()
            outcome.rendered += len(letters)
            outcome.stored += _store(job_id, letters, errors)
            outcome.failed.update(errors)
            outcome.chunks += 1
            if pause:
                time.sleep(pause)
        if outcome.chunks:
            log.info("letter job %s: %s rendered, %s stored, %s failed, %s chunks, by %s",
                     job_id, outcome.rendered, outcome.stored, len(outcome.failed),
                     outcome.chunks, me)
        busy_until = _busy_until(job_id)
        if busy_until is None:
            _finish(job_id)  # nothing waits that anybody renders: done, or failed letters
        elif reschedule is not None:
            # Another worker renders the last letters and will finish the job; should it die,
            # this copy comes back when its lease has run out and takes them over.
            reschedule(job_id, busy_until + timedelta(seconds=1))
        return outcome
    finally:
        db.session.remove()


# -- progress -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Failure:
    decision_id: int
    reference: str
    application_reference: str
    attempts: int
    reason: str


@dataclass(frozen=True)
class Progress:
    job: Job
    total: int
    done: int
    failed: int

    @property
    def waiting(self) -> int:
        return self.total - self.done - self.failed

    @property
    def percent(self) -> int:
        return 100 * self.done // self.total if self.total else 100


def job_progress(limit: int = 50, job_id: int | None = None) -> list[Progress]:
    """The newest jobs (or one), with done/total counted from their decisions."""
    stmt = sa.select(Job).order_by(Job.id.desc()).limit(limit)
    if job_id is not None:
        stmt = sa.select(Job).where(Job.id == job_id)
    jobs = list(db.session.scalars(stmt))
    if not jobs:
        return []
    waiting_failed = sa.and_(Decision.rendered_at.is_(None), Decision.last_error != "")
    counts = {row[0]: row[1:] for row in db.session.execute(
        sa.select(Decision.job_id, sa.func.count(Decision.id), sa.func.count(Decision.rendered_at),
                  sa.func.sum(sa.case((waiting_failed, 1), else_=0)))
        .where(Decision.job_id.in_([job.id for job in jobs])).group_by(Decision.job_id))}
    return [Progress(job, *(int(n or 0) for n in counts.get(job.id, (0, 0, 0))))
            for job in jobs]


def job_failures(job_id: int) -> list[Failure]:
    rows = db.session.execute(
        sa.select(Decision.id, Decision.reference, Application.reference, Decision.attempts,
                  Decision.last_error)
        .join(Application, Application.id == Decision.application_id)
        .where(Decision.job_id == job_id, Decision.rendered_at.is_(None),
               Decision.last_error != "")
        .order_by(Decision.id)).all()
    return [Failure(*row) for row in rows]


def retry_job(app: Flask, job_id: int) -> bool:
    """Queue a finished job again for the letters it could not make."""
    with writing():
        updated = db.session.execute(
            sa.update(Job).where(Job.id == job_id)
            .values(status=JobStatus.QUEUED, finished_at=None, lease_until=None)
            .execution_options(synchronize_session=False)).rowcount
        # The failed letters may be leased again; their attempts stay counted.
        db.session.execute(
            sa.update(Decision).where(Decision.job_id == job_id, Decision.pdf.is_(None))
            .values(last_error="")
            .execution_options(synchronize_session=False))
        db.session.commit()
    if updated:
        enqueue(app, job_id)
    return bool(updated)


def adopt_orphans(label: str = "Besluitbrieven (opgepakt)") -> int | None:
    """A job for letters that have none (should not happen; kept for repairs): its id."""
    with writing():
        orphans = list(db.session.scalars(sa.select(Decision.id).where(
            Decision.job_id.is_(None), Decision.rendered_at.is_(None))))
        if not orphans:
            db.session.rollback()
            return None
        job = Job(kind=JobKind.LETTERS, label=label, status=JobStatus.QUEUED,
                  created_at=now(), worker="", runs=0)
        db.session.add(job)
        db.session.flush()
        db.session.execute(sa.update(Decision).where(Decision.id.in_(orphans))
                           .values(job_id=job.id).execution_options(synchronize_session=False))
        job_id = job.id
        db.session.commit()
    return job_id
