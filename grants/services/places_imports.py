"""A large places CSV from the applicant's page, imported by a job rather than in the request.

Above ``PLACES_CSV_JOB_BYTES`` (512 kB by default) the page stores the file as a
``places_imports`` row and a job (grants.jobs.places) reads it with ``read_places``, writing how
far it got to the row every so often, then stores it with ``import_places``: the same checks,
the same all-or-nothing import, the same refusal per line as a small file gets in the request.
The status page reads the row. Only the applicant's own organisation sees an import: the
query itself is scoped, so another organisation's (or staff) gets 404.

Each function here flushes; the job and the view commit, each in a short transaction of its own.
"""

import re
import unicodedata
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from grants.errors import GrantsError, NotFound
from grants.extensions import db
from grants.models import Application, PlacesImport, PlacesImportStatus, User
from grants.services.places_csv import (
    ImportResult,
    decimal_text,
    editable_application,
    max_bytes,
    too_large,
)

DEFAULT_JOB_BYTES = 512 * 1024
MAX_FILENAME = 160
UNFINISHED = (PlacesImportStatus.QUEUED, PlacesImportStatus.RUNNING)


def job_bytes() -> int:
    """A file larger than this is imported by a job; a smaller one in the request."""
    return int(current_app.config.get("PLACES_CSV_JOB_BYTES") or DEFAULT_JOB_BYTES)


def safe_filename(name: str | None) -> str:
    """The sender's file name without a path or control characters, only ever shown."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"\s+", " ", name).strip()
    return (name or "plaatsen.csv")[:MAX_FILENAME]


def queue_places_import(application_id: int, actor: User, content: bytes, filename: str | None,
                        now: datetime) -> PlacesImport:
    """Keep the file for the job. 403, 404 or 409 as the import itself would answer (it checks
    again when it stores), 422 for a file over the size limit."""
    editable_application(application_id, actor)
    limit = max_bytes()
    if len(content) > limit:
        raise too_large(limit)
    upload = PlacesImport(application_id=application_id, user_id=actor.id,
                          filename=safe_filename(filename), content=content,
                          total_bytes=len(content), status=PlacesImportStatus.QUEUED,
                          lines_read=0, bytes_read=0, created_at=now, worker="")
    db.session.add(upload)
    db.session.flush()
    return upload


def get_places_import(application_id: int, import_id: int, actor: User) -> PlacesImport:
    """The import, if it belongs to ``actor``'s organisation's application; else 404."""
    if actor.organisation_id is None:
        raise NotFound()
    upload = db.session.scalars(
        sa.select(PlacesImport)
        .join(Application, Application.id == PlacesImport.application_id)
        .where(PlacesImport.id == import_id, PlacesImport.application_id == application_id,
               Application.organisation_id == actor.organisation_id)).one_or_none()
    if upload is None:
        raise NotFound()
    return upload


def unfinished_import(application_id: int, actor: User) -> PlacesImport | None:
    """The newest import of the application still waiting or being read, if the actor's
    organisation's (so that the places page can point to it)."""
    if actor.organisation_id is None:
        return None
    return db.session.scalars(
        sa.select(PlacesImport)
        .join(Application, Application.id == PlacesImport.application_id)
        .where(PlacesImport.application_id == application_id,
               PlacesImport.status.in_(UNFINISHED),
               Application.organisation_id == actor.organisation_id)
        .order_by(PlacesImport.id.desc()).limit(1)).one_or_none()


def unfinished_imports() -> list[int]:
    return list(db.session.scalars(sa.select(PlacesImport.id).where(
        PlacesImport.status.in_(UNFINISHED)).order_by(PlacesImport.id)))


# -- what the job writes --------------------------------------------------------------------

def claim_import(import_id: int, me: str, now: datetime, lease: timedelta) -> bool:
    """Take the import up: queued, or running under a lease that ran out (its worker died)."""
    taken = db.session.execute(
        sa.update(PlacesImport)
        .where(PlacesImport.id == import_id,
               sa.or_(PlacesImport.status == PlacesImportStatus.QUEUED,
                      sa.and_(PlacesImport.status == PlacesImportStatus.RUNNING,
                              sa.or_(PlacesImport.lease_until.is_(None),
                                     PlacesImport.lease_until <= now,
                                     PlacesImport.worker == me))))
        .values(status=PlacesImportStatus.RUNNING, worker=me, lease_until=now + lease,
                started_at=sa.func.coalesce(PlacesImport.started_at, now),
                lines_read=0, bytes_read=0)
        .execution_options(synchronize_session=False)).rowcount
    return taken == 1


def record_progress(import_id: int, me: str, lines: int, bytes_read: int, now: datetime,
                    lease: timedelta) -> bool:
    """How far the job has read; renews its lease. False when another worker took it over."""
    return db.session.execute(
        sa.update(PlacesImport)
        .where(PlacesImport.id == import_id, PlacesImport.worker == me,
               PlacesImport.status == PlacesImportStatus.RUNNING)
        .values(lines_read=lines, bytes_read=bytes_read, lease_until=now + lease)
        .execution_options(synchronize_session=False)).rowcount == 1


def refusal_record(error: GrantsError) -> dict:
    return {"message": error.message, "fields": error.fields, "status": error.status}


def _finish(import_id: int, me: str, now: datetime, **values) -> bool:
    return db.session.execute(
        sa.update(PlacesImport)
        .where(PlacesImport.id == import_id, PlacesImport.worker == me,
               PlacesImport.status == PlacesImportStatus.RUNNING)
        # The file has served its purpose: its students' names need not be kept twice.
        .values(content=None, finished_at=now, lease_until=None, **values)
        .execution_options(synchronize_session=False)).rowcount == 1


def refuse_import(import_id: int, me: str, error: GrantsError, now: datetime) -> bool:
    return _finish(import_id, me, now, status=PlacesImportStatus.REFUSED,
                   refusal=refusal_record(error))


def fail_import(import_id: int, me: str, now: datetime) -> bool:
    return _finish(import_id, me, now, status=PlacesImportStatus.FAILED, refusal={
        "message": "Het inlezen is afgebroken door een fout aan onze kant; er is niets "
                   "ingelezen. Probeer het later opnieuw.", "fields": {}, "status": 500})


def complete_import(import_id: int, me: str, result: ImportResult, total_bytes: int,
                    now: datetime) -> bool:
    """Mark the import done, in the transaction that stored its places."""
    return _finish(import_id, me, now, status=PlacesImportStatus.DONE, lines=result.lines,
                   imported=result.imported, lines_read=result.lines, bytes_read=total_bytes,
                   requested_cents=result.application.requested_cents,
                   fractions={category: decimal_text(value)
                              for category, value in result.fractions.items()})
