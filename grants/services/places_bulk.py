"""Many places files at once: an intermediary (a payroll firm, an employers' organisation)
filing the places of thousands of applications, one CSV file per application.

Each file is read and checked on its own, exactly as one uploaded on the page
(grants.services.places_csv): one wrong line refuses that file, whole, with its lines named,
and leaves the other files imported. A file names its application by reference; it must be a
praktijkleren application of the actor's own organisation that is still a draft or incomplete.

The work is done per batch of files, in the two steps of a single upload: ``check_files``
reads and checks a batch holding no lock (one query for all its applications), then
``store_files`` locks the batch's applications in one query, checks each again and puts the
places on them, flushed together. The caller (grants.jobs.places.import_many) commits each step.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from grants.access import require_role, scope_to_user
from grants.errors import GrantsError, NotFound
from grants.extensions import db
from grants.models import Application, Role, Scheme, User
from grants.services.places_csv import (
    SCHEME,
    CheckedFile,
    ImportResult,
    _require_editable,
    _rules_of,
    check_file,
    store_checked,
)


@dataclass
class PlacesFile:
    name: str  # as the report names it
    reference: str  # of the application the places are for
    open: Callable[[], BinaryIO]


@dataclass
class FileOutcome:
    name: str
    reference: str
    result: ImportResult | None = None  # imported
    refusal: GrantsError | None = None  # or why not: nothing of the file was imported


def _not_found(reference: str) -> NotFound:
    return NotFound(f"Uw organisatie heeft geen aanvraag voor praktijkleren met kenmerk "
                    f"{reference}; er zijn geen plaatsen ingelezen.")


def _applications(actor: User, references: Sequence[str], *, lock: bool = False
                  ) -> dict[str, Application]:
    stmt = scope_to_user(
        sa.select(Application).join(Scheme, Scheme.id == Application.scheme_id)
        .where(Application.reference.in_(sorted(set(references))), Scheme.code == SCHEME),
        Application, actor)
    if lock:
        # In id order, as every other writer locks them one by one: no deadlock with them.
        stmt = (stmt.order_by(Application.id).with_for_update(of=Application)
                .execution_options(populate_existing=True))
    else:
        stmt = stmt.options(joinedload(Application.window))
    return {application.reference: application
            for application in db.session.scalars(stmt).unique()}


def check_files(actor: User, files: Sequence[PlacesFile]
                ) -> list[tuple[PlacesFile, CheckedFile | GrantsError]]:
    """Step one for a batch, holding no lock: each file read and checked, or its refusal."""
    require_role(actor, Role.APPLICANT)
    applications = _applications(actor, [file.reference for file in files])
    rules_by: dict[tuple, tuple[dict, str]] = {}
    checked: list[tuple[PlacesFile, CheckedFile | GrantsError]] = []
    for file in files:
        application = applications.get(file.reference)
        try:
            if application is None:
                raise _not_found(file.reference)
            _require_editable(application)
            # A draft's rules are its window's as they stand: the same for all its drafts.
            key = (application.window_id, application.rules_version_id)
            rules = rules_by.get(key) or rules_by.setdefault(key, _rules_of(application))
            with file.open() as stream:
                checked.append((file, check_file(application, stream, rules=rules)))
        except GrantsError as refused:
            checked.append((file, refused))
    return checked


def store_files(actor: User, checked: Sequence[tuple[PlacesFile, CheckedFile | GrantsError]],
                now: datetime) -> list[FileOutcome]:
    """Step two for a batch: every checked file's places on its application, the applications
    locked and checked again (one may have been submitted meanwhile, or its rules changed).
    A file refused now changes nothing; the others are flushed together. Nothing is
    committed here."""
    require_role(actor, Role.APPLICANT)
    applications = _applications(
        actor, [file.reference for file, item in checked if isinstance(item, CheckedFile)],
        lock=True)
    outcomes = []
    for file, item in checked:
        if isinstance(item, GrantsError):
            outcomes.append(FileOutcome(file.name, file.reference, refusal=item))
            continue
        application = applications.get(file.reference)
        try:
            if application is None or application.id != item.application_id:
                raise _not_found(file.reference)
            # Checks all before it changes anything: a refusal leaves the application as it was.
            result = store_checked(application, item, actor, now)
        except GrantsError as refused:
            outcomes.append(FileOutcome(file.name, file.reference, refusal=refused))
            continue
        outcomes.append(FileOutcome(file.name, file.reference, result=result))
    db.session.flush()
    return outcomes
