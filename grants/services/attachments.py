"""Attachments: PDF files an applicant adds while drafting or while answering a request for
information, checked by their bytes and kept in the database with their SHA-256."""

import hashlib
import io
import logging
import re
import unicodedata
from datetime import datetime
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from grants.access import scope_to_user
from grants.errors import Conflict, NotFound, ValidationFailed
from grants.extensions import db
from grants.models import Application, ApplicationState, Attachment, Role, User
from grants.services.applications import locked_application, update_application
from grants.workflows.fields.rif import DOCUMENT_LABELS

PDF_MAGIC = b"%PDF-"
MAX_FILENAME = 160
S = ApplicationState
# While these states last the applicant may add (and take back) attachments.
UPLOAD_STATES = (S.DRAFT, S.INCOMPLETE)
# The schemes whose completeness asks for named documents, and those documents.
DOCUMENT_KINDS = {"rif": DOCUMENT_LABELS}


def max_bytes() -> int:
    return int(current_app.config["ATTACHMENT_MAX_BYTES"])


def size_text(size: int) -> str:
    """A file size as people read it, Dutch style: "10 MB", "2,5 MB", "12 kB"."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".").replace(".", ",") + " MB"
    return f"{max(1, round(size / 1024))} kB"


def too_large(limit: int, size: int | None = None) -> ValidationFailed:
    shown = f" Dit bestand is {size_text(size)}." if size else ""
    return ValidationFailed("De bijlage is te groot.", {"file": [
        f"Een bijlage is hoogstens {size_text(limit)}.{shown}"]})


def safe_filename(name: str | None) -> str:
    """The sender's file name without a path, control characters or anything a header or a
    file system could misread; always ending in .pdf."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"[^\w .()+,-]+", "-", name, flags=re.UNICODE)
    name = re.sub(r"\s+", " ", name).strip()
    stem = re.sub(r"\.pdf$", "", name, flags=re.IGNORECASE).strip(" .-") or "bijlage"
    return stem[:MAX_FILENAME - 4] + ".pdf"


def _read_limited(stream: BinaryIO, limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise too_large(limit)
    return data


def check_pdf(data: bytes) -> None:
    """Refuse anything that is not a PDF a reader can open, whatever its name says."""
    if not data:
        raise ValidationFailed("De bijlage is leeg.", {"file": ["Het bestand is leeg."]})
    if not data.startswith(PDF_MAGIC):
        raise ValidationFailed("De bijlage is geen PDF.", {"file": [
            "Alleen PDF-bestanden kunnen worden bijgevoegd. Sla het document op als PDF en "
            "kies het opnieuw."]})
    pypdf_log = logging.getLogger("pypdf")
    previous = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)  # a damaged file is answered below, not logged
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
        pages = 0 if encrypted else len(reader.pages)
    except Exception:  # pypdf raises many kinds for many kinds of damage
        raise ValidationFailed("De PDF kan niet worden gelezen.", {"file": [
            "Dit PDF-bestand is beschadigd of onvolledig en kan niet worden geopend."]}) from None
    finally:
        pypdf_log.setLevel(previous)
    if encrypted:
        raise ValidationFailed("De PDF is beveiligd.", {"file": [
            "Deze PDF is beveiligd met een wachtwoord; voeg een onbeveiligde versie toe."]})
    if pages == 0:
        raise ValidationFailed("De PDF heeft geen pagina's.", {"file": [
            "Dit PDF-bestand heeft geen pagina's."]})
    found = active_content(reader)
    if found:
        raise ValidationFailed("De PDF bevat actieve inhoud.", {"file": [
            f"Deze PDF bevat {_listed(found)}. Om veiligheidsredenen nemen wij die niet aan: "
            f"druk het document af naar een nieuwe PDF ('Afdrukken als PDF') en voeg dat "
            f"bestand toe."]})
    if _after_the_end(data):
        raise ValidationFailed("De PDF bevat ook een ander bestand.", {"file": [
            "Na het einde van deze PDF staan nog gegevens van een ander soort bestand. Sla "
            "het document opnieuw op als PDF en voeg dat bestand toe."]})


# What a reader would run or open by itself, by the PDF name that marks it, as people call it.
ACTIVE_NAMES = {
    "/JavaScript": "JavaScript", "/JS": "JavaScript", "/Launch": "een opdracht die een "
    "programma start", "/EmbeddedFile": "een ingesloten bestand", "/EmbeddedFiles":
    "een ingesloten bestand", "/RichMedia": "ingesloten media", "/XFA": "een XFA-formulier",
    "/SubmitForm": "een formulier dat gegevens verstuurt", "/ImportData":
    "een opdracht die gegevens inleest", "/GoToR": "een verwijzing naar een ander bestand",
    "/GoToE": "een verwijzing naar een ingesloten bestand",
}


def active_content(reader: PdfReader) -> list[str]:
    """What every object of the file holds of ACTIVE_NAMES, as a key or as an action's /S,
    also inside compressed object streams (which a scan of the bytes would not see)."""
    found: dict[str, None] = {}
    numbers = {(number, generation) for generation, objects in reader.xref.items()
               for number in objects}
    numbers |= {(number, 0) for number in reader.xref_objStm}
    for number, generation in sorted(numbers):
        try:
            item = reader.get_object(IndirectObject(number, generation, reader))
        except Exception:  # noqa: S112  (a damaged object holds nothing a reader would run)
            continue
        for name in _names_in(item):
            if name in ACTIVE_NAMES:
                found[ACTIVE_NAMES[name]] = None
    for name in _names_in(reader.trailer):
        if name in ACTIVE_NAMES:
            found[ACTIVE_NAMES[name]] = None
    return list(found)


def _names_in(item) -> set[str]:
    """The keys and name values of a dictionary (a stream's too), and of the dictionaries and
    arrays directly inside it."""
    names: set[str] = set()
    pending, seen = [item], 0
    while pending and seen < 10_000:
        seen += 1
        current = pending.pop()
        if isinstance(current, DictionaryObject):
            for key, value in current.items():
                names.add(str(key))
                if isinstance(value, NameObject):
                    names.add(str(value))
                elif isinstance(value, DictionaryObject | ArrayObject):
                    pending.append(value)
        elif isinstance(current, ArrayObject):
            pending.extend(value for value in current
                           if isinstance(value, DictionaryObject | ArrayObject))
    return names


def _listed(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} en {parts[-1]}"


# A PDF ends at its last %%EOF; what follows may be a line end, never another file (a ZIP or
# an HTML page appended makes a file that is a PDF to one program and something else to another).
_END = re.compile(rb"%%EOF[\r\n\s\x00]*\Z")


def _after_the_end(data: bytes) -> bool:
    last = data.rfind(b"%%EOF")
    return last < 0 or _END.match(data, last) is None


def document_kinds(application: Application) -> dict[str, str]:
    """The named documents the application's scheme asks for (code → Dutch name)."""
    return DOCUMENT_KINDS.get(application.scheme.code, {})


def store_attachment(application_id: int, actor: User, filename: str | None,
                     stream: BinaryIO, now: datetime,
                     document_kind: str | None = None) -> Attachment:
    """Add a PDF to a draft, or to an application the applicant is asked to complete."""
    if not actor.has_role(Role.APPLICANT):
        raise NotFound()
    application = locked_application(application_id, actor)
    if application.state not in UPLOAD_STATES:
        raise Conflict(f"Bij een aanvraag met status '{application.state_label}' kunnen geen "
                       "bijlagen meer worden toegevoegd.")
    kinds = document_kinds(application)
    if document_kind and document_kind not in kinds:
        raise ValidationFailed("Onbekende soort document.", {"document_kind": [
            "Kies een van de documenten uit de lijst."]})
    data = _read_limited(stream, max_bytes())
    check_pdf(data)
    attachment = Attachment(
        application_id=application.id, filename=safe_filename(filename),
        content_type="application/pdf", size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(), content=data,
        document_kind=document_kind or None, uploaded_while=application.state,
        uploaded_at=now, uploaded_by_id=actor.id)
    db.session.add(attachment)
    db.session.flush()
    if attachment.document_kind:
        documents = [*_documents(application),
                     {"kind": attachment.document_kind, "name": attachment.filename}]
        update_application(application.id, actor, {"documents": documents})
    return attachment


def _documents(application: Application) -> list[dict]:
    return [dict(item) for item in (application.details or {}).get("documents") or []
            if isinstance(item, dict)]


def removable(attachment: Attachment, application: Application) -> bool:
    """Whether it was never sent: added in this draft, or for an answer not yet given."""
    return (application.state in UPLOAD_STATES
            and attachment.uploaded_while == application.state
            and attachment.answer_event_id is None)


def remove_attachment(attachment_id: int, actor: User) -> Application:
    """Take back an attachment that was not yet sent; what was sent stays on file."""
    attachment = visible_attachment(attachment_id, actor)
    if not actor.has_role(Role.APPLICANT):
        raise NotFound()
    application = locked_application(attachment.application_id, actor)
    if not removable(attachment, application):
        raise Conflict("Deze bijlage is al verstuurd en blijft bij de aanvraag.")
    if attachment.document_kind:
        documents = _documents(application)
        entry = {"kind": attachment.document_kind, "name": attachment.filename}
        if entry in documents:
            documents.remove(entry)
            update_application(application.id, actor, {"documents": documents})
    db.session.delete(attachment)
    db.session.flush()
    return application


def link_to_answer(application: Application, event_id: int) -> list[Attachment]:
    """Mark the attachments added while incomplete as sent with the answer ``event_id``."""
    pending = list(db.session.scalars(sa.select(Attachment).where(
        Attachment.application_id == application.id,
        Attachment.uploaded_while == S.INCOMPLETE,
        Attachment.answer_event_id.is_(None))))
    for attachment in pending:
        attachment.answer_event_id = event_id
    db.session.flush()
    return pending


def visible_attachment(attachment_id: int, user: User) -> Attachment:
    """The attachment when its application is visible to ``user``; 404 otherwise."""
    stmt = (sa.select(Attachment)
            .join(Application, Application.id == Attachment.application_id)
            .where(Attachment.id == attachment_id))
    attachment = db.session.scalars(scope_to_user(stmt, Application, user)).one_or_none()
    if attachment is None:
        raise NotFound()
    return attachment


def attachments_for(application: Application) -> list[Attachment]:
    """The application's attachments, newest first (their bytes are loaded only on demand)."""
    return list(db.session.scalars(
        sa.select(Attachment).where(Attachment.application_id == application.id)
        .order_by(Attachment.uploaded_at.desc(), Attachment.id.desc())))
