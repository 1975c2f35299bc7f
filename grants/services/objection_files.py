"""The papers of an objection that staff put on file: the scanned letter of a paper objection,
the minutes of its hearing. Checked and kept like an applicant's attachments (a PDF by its
bytes, in the database with its SHA-256), then the engine's trigger is fired with its id, in
the same transaction: the file stays only when the step is taken."""

import hashlib
from datetime import datetime
from typing import BinaryIO

from grants.errors import NotFound
from grants.extensions import db
from grants.models import Application, Attachment, User
from grants.services.applications import fire_trigger, locked_application
from grants.services.attachments import _read_limited, check_pdf, max_bytes, safe_filename


def _store(application: Application, actor: User, filename: str | None, stream: BinaryIO,
           now: datetime) -> Attachment:
    data = _read_limited(stream, max_bytes())
    check_pdf(data)
    attachment = Attachment(
        application_id=application.id, filename=safe_filename(filename),
        content_type="application/pdf", size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(), content=data,
        uploaded_while=application.state, uploaded_at=now, uploaded_by_id=actor.id)
    db.session.add(attachment)
    db.session.flush()
    return attachment


def fire_with_file(application_id: int, trigger: str, actor: User, data: dict,
                   file_field: str, filename: str | None, stream: BinaryIO, now: datetime,
                   expected_version: int | None = None) -> Application:
    """Store the PDF, then fire ``trigger`` with its id as ``file_field``."""
    if not actor.is_staff:
        raise NotFound()
    application = locked_application(application_id, actor, expected_version)
    attachment = _store(application, actor, filename, stream, now)
    return fire_trigger(application.id, trigger, actor, {**data, file_field: attachment.id}, now)
