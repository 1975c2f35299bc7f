"""The places import job: a large CSV from the applicant's page, read and stored off the request.

Each step is a short transaction of its own, so that no lock is held while the file is parsed
(on SQLite a write transaction locks the whole database): take the import up; read and check
the file holding no lock, writing how far it got to the row every
``PLACES_IMPORT_PROGRESS_SECONDS``; store the places and mark the import done in one write
transaction; or record the refusal. A worker that dies leaves a lease that runs out; the
import is then read again from the start by the next worker (``resume_places_imports``).
"""

import io
import logging
import time
from collections.abc import Callable, Sequence
from datetime import timedelta

from flask import Flask, current_app

from grants.clock import now
from grants.database import reading, writing
from grants.errors import GrantsError
from grants.extensions import db
from grants.jobs.queue import job, put_on_queue, setting, worker_name
from grants.models import PlacesImport, PlacesImportStatus, User
from grants.services.places_bulk import FileOutcome, PlacesFile, check_files, store_files
from grants.services.places_csv import import_places, read_places
from grants.services.places_imports import (
    claim_import,
    complete_import,
    fail_import,
    record_progress,
    refuse_import,
    unfinished_imports,
)

log = logging.getLogger(__name__)

IMPORT_PLACES = "grants.import_places"
DEFAULT_PROGRESS_SECONDS = 1.0
# Files per batch of the bulk import: a write transaction that short keeps other users of a
# SQLite database waiting well under a second, and makes 20,000 files 40 commits, not 20,000.
BULK_BATCH = 500


class _LeaseLost(Exception):
    """Another worker took the import over (ours was thought dead): it finishes it."""


def enqueue(app: Flask, import_id: int) -> None:
    put_on_queue(app, IMPORT_PLACES, import_id)


@job(IMPORT_PLACES)
def _import_places(queue, import_id: int) -> None:
    run_places_import(import_id)


def resume_places_imports(app: Flask) -> list[int]:
    """Queue every import not finished (after a crash, a restart, a lost message)."""
    ids = unfinished_imports()
    db.session.commit()
    for import_id in ids:
        enqueue(app, import_id)
    return ids


def run_places_import(import_id: int, *, progress_seconds: float | None = None
                      ) -> PlacesImportStatus | None:
    """Read, check and store an import's file; its status at the end (None: not taken up,
    because another worker has it or it is finished). Safe to run again at any time."""
    app = current_app._get_current_object()
    lease = timedelta(seconds=setting(app, "JOBS_LEASE_SECONDS"))
    if progress_seconds is None:
        progress_seconds = float(app.config.get("PLACES_IMPORT_PROGRESS_SECONDS",
                                                DEFAULT_PROGRESS_SECONDS))
    me = worker_name()
    try:
        with writing():
            taken = claim_import(import_id, me, now(), lease)
            db.session.commit()
        if not taken:
            return None
        try:
            return _run(import_id, me, lease, progress_seconds)
        except _LeaseLost:
            db.session.rollback()
            return None
        except Exception:
            log.exception("places import %s broke off", import_id)
            db.session.rollback()
            with writing():
                fail_import(import_id, me, now())
                db.session.commit()
            return PlacesImportStatus.FAILED
    finally:
        db.session.remove()


def _run(import_id: int, me: str, lease: timedelta, progress_seconds: float
         ) -> PlacesImportStatus:
    upload = db.session.get(PlacesImport, import_id)
    content, total = upload.content or b"", upload.total_bytes
    application_id, actor = upload.application_id, db.session.get(User, upload.user_id)
    db.session.commit()
    last = time.monotonic()

    def progress(lines: int, bytes_read: int) -> None:
        nonlocal last
        if time.monotonic() - last < progress_seconds:
            return
        db.session.commit()  # the read of the application; a write cannot follow it on SQLite
        with writing():
            renewed = record_progress(import_id, me, lines, min(bytes_read, total), now(),
                                      lease)
            db.session.commit()
        if not renewed:
            raise _LeaseLost
        last = time.monotonic()

    with reading():
        try:
            checked = read_places(application_id, actor, io.BytesIO(content),
                                  progress=progress)
        except GrantsError as refused:
            return _refuse(import_id, me, refused)
        db.session.commit()
    # The file (up to 20 MB) is not needed once read: not held beside the places' JSON.
    content = None
    with writing():
        try:
            result = import_places(checked, actor, now())
        except GrantsError as refused:  # submitted meanwhile, or new rules the file breaks
            return _refuse(import_id, me, refused)
        if not complete_import(import_id, me, result, total, now()):
            raise _LeaseLost  # rolled back: the worker that has it now stores the places
        db.session.commit()
    return PlacesImportStatus.DONE


def _refuse(import_id: int, me: str, refused: GrantsError) -> PlacesImportStatus:
    db.session.rollback()  # nothing of a refused import stays behind
    with writing():
        if not refuse_import(import_id, me, refused, now()):
            raise _LeaseLost
        db.session.commit()
    return PlacesImportStatus.REFUSED


def import_many(actor_id: int, files: Sequence[PlacesFile], *, batch: int = BULK_BATCH,
                done: Callable[[list[FileOutcome]], None] | None = None) -> list[FileOutcome]:
    """Many applications' places files in one run (``flask grants places import-many``), per
    batch of ``batch`` files: read and checked holding no lock, then stored in one short write
    transaction, committed. Each file is imported whole or refused whole, its refusal naming
    its lines; a refused file leaves the others imported. ``done(outcomes)`` after each batch.
    An interrupted run leaves the batches before it imported: running it again imports every
    file again, which replaces the places by the same ones."""
    outcomes: list[FileOutcome] = []
    for start in range(0, len(files), batch):
        chunk = files[start:start + batch]
        with reading():
            checked = check_files(db.session.get(User, actor_id), chunk)
            db.session.commit()
        with writing():
            stored = store_files(db.session.get(User, actor_id), checked, now())
            db.session.commit()
        outcomes.extend(stored)
        if done is not None:
            done(stored)
    return outcomes
