"""The job queue on huey: the embedded SQLite queue by default, Redis for several machines.

Without ``GRANTS_REDIS_URL`` the queue is a SQLite file in the instance folder (``jobs.sqlite3``;
no server); with it, Redis. ``flask grants worker`` runs a consumer. With ``JOBS_IMMEDIATE``
(the default when testing) a job runs in the process that enqueues it, right after the commit.

A job is a ``jobs`` row; the queue carries only its id. One worker at a time holds a job's
lease. A worker that took a job up and died leaves its lease behind; it runs out after
``JOBS_LEASE_SECONDS``, or at once for a worker on the same machine when the process that held
it no longer exists. Jobs are boundaries: they commit their own transactions.
"""

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from grants.clock import now
from grants.database import writing
from grants.extensions import db
from grants.models import Job, JobStatus

log = logging.getLogger(__name__)

EXTENSION = "grants.jobs"
DEFAULTS = {
    "JOBS_IMMEDIATE": None,  # None: immediate when testing
    "JOBS_LEASE_SECONDS": 120,
    "LETTERS_CHUNK_SIZE": 20,
    # How many workers may share one letter job: it is put on the queue this many times (at most
    # once per chunk). More than the worker processes of all machines together gains nothing.
    "LETTERS_PARALLEL": 8,
    # Seconds to wait after each committed chunk: only for tests that stop a worker mid-batch.
    "LETTERS_PAUSE_AFTER_CHUNK": 0,
    "REDIS_URL": None,
}


def setting(app: Flask, name: str):
    return app.config.get(name, DEFAULTS[name])


# -- the queue ----------------------------------------------------------------------------------

# Each job registers itself where it is defined (``@job``); the queue knows only their names.
JOBS: dict[str, Callable[..., None]] = {}


def job(name: str):
    """Register ``function(queue, *args)`` as the job ``name`` (made a huey task per app)."""
    def register(function: Callable[..., None]) -> Callable[..., None]:
        JOBS[name] = function
        return function
    return register


# Jobs the worker also starts by the clock: name → whether to start at a moment (huey's: naive
# UTC, checked every minute).
SCHEDULES: dict[str, Callable[[datetime], bool]] = {}


def periodic(name: str, when: Callable[[datetime], bool]):
    """Register ``function(queue)`` as the job ``name``, started whenever ``when`` says."""
    def register(function: Callable[..., None]) -> Callable[..., None]:
        SCHEDULES[name] = when
        return job(name)(function)
    return register


class Queue:
    """The app's huey instance and its tasks, made on first use."""

    def __init__(self, app: Flask):
        from huey import RedisHuey, SqliteHuey

        immediate = setting(app, "JOBS_IMMEDIATE")
        immediate = app.testing if immediate is None else bool(immediate)
        redis_url = setting(app, "REDIS_URL")
        if redis_url:
            self.huey = RedisHuey("grants", url=redis_url, results=False, immediate=immediate)
            self.where = f"Redis ({redis_url.rsplit('@', 1)[-1]})"
        else:
            path = Path(app.instance_path) / "jobs.sqlite3"
            Path(app.instance_path).mkdir(parents=True, exist_ok=True)
            self.huey = SqliteHuey("grants", filename=str(path), results=False,
                                   immediate=immediate)
            self.where = f"SQLite ({path})"
        self.tasks = {name: self._task(app, name, function) for name, function in JOBS.items()}

    def _task(self, app: Flask, name: str, function: Callable[..., None]):
        def run(*args) -> None:
            with app.app_context():
                function(self, *args)

        if name in SCHEDULES:
            return self.huey.periodic_task(SCHEDULES[name], name=name)(run)
        return self.huey.task(name=name)(run)

    def put(self, name: str, *args) -> None:
        self.tasks[name](*args)

    def put_later(self, name: str, args: tuple, eta: datetime) -> None:
        """Run again at ``eta`` (a job busy elsewhere); immediate queues have no later."""
        if not self.huey.immediate:
            self.tasks[name].schedule(args=args, eta=eta)


def queue_for(app: Flask) -> Queue:
    queue = app.extensions.get(EXTENSION)
    if queue is None:
        queue = app.extensions[EXTENSION] = Queue(app)
    return queue


def put_on_queue(app: Flask, name: str, *args) -> None:
    """Put a job on the queue (after the commit that made its rows)."""
    try:
        queue_for(app).put(name, *args)
    except Exception:  # the broker is away: the rows wait; a worker's start picks them up
        log.exception("job %s%r could not be put on the queue", name, args)


def unfinished_jobs() -> list[int]:
    """The jobs that are queued or were running, oldest first (ends the read transaction)."""
    ids = list(db.session.scalars(sa.select(Job.id).where(
        Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING])).order_by(Job.id)))
    db.session.commit()
    return ids


# -- the lease ----------------------------------------------------------------------------------

def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def dead(worker: str) -> bool:
    """The lease holder ran on this machine in a process that is gone."""
    host, _, rest = worker.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def claim(job_id: int, me: str, lease: timedelta) -> tuple[bool, datetime | None]:
    """Take the job's lease: (taken, when the current lease runs out if not)."""
    with writing():
        job = db.session.get(Job, job_id, populate_existing=True)
        if job is None or job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
            db.session.commit()
            return False, None
        moment = now()
        holder = job.worker
        free = (job.lease_until is None or job.lease_until <= moment or holder == me
                or dead(holder))
        if not free:
            until = job.lease_until
            db.session.commit()
            return False, until
        updated = db.session.execute(
            sa.update(Job).where(Job.id == job_id, Job.worker == holder,
                                 Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
            .values(worker=me, lease_until=moment + lease, status=JobStatus.RUNNING,
                    started_at=sa.func.coalesce(Job.started_at, moment), runs=Job.runs + 1)
            .execution_options(synchronize_session=False))
        db.session.commit()
        return updated.rowcount == 1, None
