"""The letter job: render and store the letters of a job's decisions, a chunk at a time.

Read the chunk (a short read transaction), render it with no transaction open, then store each
PDF with ``UPDATE … WHERE pdf IS NULL`` and commit. So a job can be run again at any moment,
by any worker, after any crash: a stored letter is never rendered or stored twice, and a letter
not stored yet is rendered by the next run. Progress is counted from the rows themselves.
"""

import time
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, current_app

from grants.clock import now
from grants.database import writing
from grants.decisions.outbox import letters_waiting
from grants.decisions.render import Letter, RenderError, render_batch, render_one
from grants.extensions import db
from grants.jobs.queue import claim, job, put_on_queue, setting, unfinished_jobs, worker_name
from grants.models import Application, Decision, Job, JobKind, JobStatus

RENDER_LETTERS = "grants.render_letters"


def enqueue(app: Flask, job_id: int) -> None:
    put_on_queue(app, RENDER_LETTERS, job_id)


@letters_waiting.connect
def _letters_committed(app: Flask, job_id: int) -> None:
    enqueue(app, job_id)


@job(RENDER_LETTERS)
def render_letters(queue, job_id: int) -> None:
    run_letters_job(job_id, reschedule=lambda job_id, eta: queue.put_later(
        RENDER_LETTERS, (job_id,), eta))


def resume_letters(app: Flask) -> list[int]:
    """Queue every letter job that is not finished (after a crash, a restart, a lost message)."""
    ids = unfinished_jobs()
    for job_id in ids:
        enqueue(app, job_id)
    return ids


# -- running a letter job -----------------------------------------------------------------------

@dataclass
class Outcome:
    stored: int = 0
    failed: dict[int, str] = field(default_factory=dict)
    chunks: int = 0


def _pending_chunk(job_id: int, size: int, skip: set[int]) -> list[tuple[int, dict, str]]:
    stmt = (sa.select(Decision.id, Decision.context, Decision.template_version)
            .where(Decision.job_id == job_id, Decision.rendered_at.is_(None))
            .order_by(Decision.id).limit(size + len(skip)))
    rows = [row for row in db.session.execute(stmt).all() if row[0] not in skip][:size]
    db.session.commit()  # end the read transaction before rendering
    return [(row[0], row[1], row[2]) for row in rows]


def _render(chunk: list[tuple[int, dict, str]]) -> tuple[dict[int, Letter], dict[int, str]]:
    """Render a chunk in one pass per template version; letter by letter if that fails."""
    letters, errors = {}, {}
    versions: dict[str, list[tuple[int, dict]]] = {}
    for decision_id, context, version in chunk:
        versions.setdefault(version, []).append((decision_id, context))
    for version, items in versions.items():
        try:
            rendered = render_batch([context for _, context in items], version)
            letters.update({decision_id: letter for (decision_id, _), letter
                            in zip(items, rendered, strict=True)})
        except RenderError:
            for decision_id, context in items:  # find the letter that breaks the batch
                try:
                    letters[decision_id] = render_one(context, version)
                except RenderError as error:
                    errors[decision_id] = str(error)[:2000]
    return letters, errors


def _store(job_id: int, me: str, letters: dict[int, Letter], errors: dict[int, str],
           lease: timedelta) -> tuple[int, bool]:
    """Store the chunk's letters (each only if it has none yet); renew the lease. One commit."""
    stored = 0
    with writing():
        moment = now()
        for decision_id, letter in letters.items():
            result = db.session.execute(
                sa.update(Decision)
                .where(Decision.id == decision_id, Decision.job_id == job_id,
                       Decision.pdf.is_(None))
                .values(pdf=letter.pdf, sha256=letter.sha256, rendered_at=moment,
                        pages=letter.pages)
                .execution_options(synchronize_session=False))
            stored += result.rowcount
        for decision_id, message in errors.items():
            db.session.execute(
                sa.update(Decision)
                .where(Decision.id == decision_id, Decision.pdf.is_(None))
                .values(attempts=Decision.attempts + 1, last_error=message)
                .execution_options(synchronize_session=False))
        renewed = db.session.execute(
            sa.update(Job).where(Job.id == job_id, Job.worker == me)
            .values(lease_until=moment + lease)
            .execution_options(synchronize_session=False)).rowcount == 1
        db.session.commit()
    return stored, renewed


def _finish(job_id: int, me: str) -> None:
    with writing():
        left = db.session.scalar(sa.select(sa.func.count(Decision.id)).where(
            Decision.job_id == job_id, Decision.rendered_at.is_(None))) or 0
        db.session.execute(
            sa.update(Job).where(Job.id == job_id, Job.worker == me)
            .values(status=JobStatus.FAILED if left else JobStatus.DONE, finished_at=now(),
                    lease_until=None)
            .execution_options(synchronize_session=False))
        db.session.commit()


def run_letters_job(job_id: int, *, reschedule=None, chunk_size: int | None = None) -> Outcome:
    """Render and store the letters of a job that are still missing. Safe to run any time."""
    app = current_app._get_current_object()
    lease = timedelta(seconds=setting(app, "JOBS_LEASE_SECONDS"))
    size = chunk_size or int(setting(app, "LETTERS_CHUNK_SIZE"))
    pause = float(setting(app, "LETTERS_PAUSE_AFTER_CHUNK") or 0)
    me = worker_name()
    outcome = Outcome()
    try:
        taken, busy_until = claim(job_id, me, lease)
        if not taken:
            if busy_until is not None and reschedule is not None:
                reschedule(job_id, busy_until + timedelta(seconds=1))
            return outcome
        while True:
            chunk = _pending_chunk(job_id, size, set(outcome.failed))
            if not chunk:
                break
            letters, errors = _render(chunk)
            stored, renewed = _store(job_id, me, letters, errors, lease)
            outcome.stored += stored
            outcome.failed.update(errors)
            outcome.chunks += 1
            if not renewed:
                return outcome  # another worker took the job over; it finishes it
            if pause:
                time.sleep(pause)
        _finish(job_id, me)
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
