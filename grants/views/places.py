"""Praktijkleren places from a CSV file: the API's ``POST /applications/{id}/places.csv`` and
the applicant's page ``/aanvragen/<id>/plaatsen``. Both hand the file to
grants.services.places_csv, which checks every line and imports all or nothing.

A large upload is received before the database is asked to hold a lock: the page's multipart
body is parsed (into a temporary file) by the CSRF check before any query runs; the API closes
the token check's transaction, receives the body into a temporary file, and only then imports.
On SQLite a writing request holds the database's write lock from its first query, so a slow
upload would otherwise hold up every other writer.

On the page, a file above ``PLACES_CSV_JOB_BYTES`` is not read in the request at all: it is kept
as a ``places_imports`` row and read by a job (grants.jobs.places); the page answers at once
with a status page that shows how far the job has read, then the result or the refusal.
"""

import tempfile
from contextlib import suppress

from babel.numbers import get_decimal_symbol
from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext, ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge

from grants.access import login_required, role_required
from grants.clock import now
from grants.database import reading
from grants.errors import Conflict, GrantsError, NotFound, ValidationFailed
from grants.extensions import db
from grants.i18n import N_, current_language, page_eur, page_number, translated
from grants.jobs.places import enqueue as enqueue_places_import
from grants.models import Application, PlacesImport, PlacesImportStatus, Role
from grants.money import cents_to_api
from grants.services.applications import EDITABLE_STATES, get_application
from grants.services.places_csv import (
    COLUMNS,
    DUTCH_COLUMNS,
    SCHEME,
    ImportResult,
    decimal_text,
    editable_application,
    import_places,
    max_bytes,
    read_places,
    too_large,
)
from grants.services.places_imports import (
    get_places_import,
    job_bytes,
    queue_places_import,
    unfinished_import,
)
from grants.services.privacy import sees_student_names
from grants.views.api import bp as api
from grants.workflows import workflow_for
from grants.workflows.fields import praktijkleren as fields
from grants.workflows.rules import current_rules

bp = Blueprint("places", __name__, url_prefix="/aanvragen")

# A raw CSV body may come with any of these types; anything else is probably a mistake.
CSV_TYPES = frozenset({"", "text/csv", "application/csv", "text/plain", "text/x-csv",
                       "application/vnd.ms-excel", "application/octet-stream"})
MULTIPART_SLACK = 64 * 1024  # the form's other parts and boundaries around the file
SPOOL_IN_MEMORY = 1024 * 1024  # a received body beyond this goes to a temporary file
COPY_CHUNK = 64 * 1024
SHOWN_PLACES = 200


def _cap_body(limit: int) -> None:
    """Refuse a body over ``limit`` before it is read (and stop reading one without a length).

    The Content-Length check gives the clear message; ``max_content_length`` (Flask ≥ 3.1)
    also stops a chunked body that announced no length.
    """
    if request.content_length is not None and request.content_length > limit:
        raise too_large(max_bytes())
    with suppress(AttributeError):
        request.max_content_length = limit


# -- API --------------------------------------------------------------------------------------

def _received_csv():
    """The CSV of the request, as a binary file: the multipart field ``file`` or the body."""
    limit = max_bytes()
    if request.mimetype == "multipart/form-data":
        _cap_body(limit + MULTIPART_SLACK)
        try:
            upload = request.files.get("file")
        except RequestEntityTooLarge:
            raise too_large(limit) from None
        if upload is None:
            raise ValidationFailed("Er is geen bestand ontvangen.", {"file": [
                "Stuur het CSV-bestand in het veld file van het formulier."]})
        return upload.stream
    if request.mimetype not in CSV_TYPES:
        raise GrantsError("Stuur de plaatsen als CSV, met Content-Type: text/csv, of als "
                          "multipart/form-data met het bestand in het veld file.")
    _cap_body(limit)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
    try:
        received = 0
        while chunk := request.stream.read(COPY_CHUNK):
            received += len(chunk)
            if received > limit:
                raise too_large(limit)
            spool.write(chunk)
    except RequestEntityTooLarge:
        spool.close()
        raise too_large(limit) from None
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool


def _read_then_import(application_id: int, actor, stream) -> ImportResult:
    """The file read and checked holding no lock, then stored in one short write transaction:
    a large file parsed inside the request's write transaction kept every other user of a
    SQLite database waiting (and failing with "database is locked")."""
    db.session.commit()  # what this request has read so far
    with reading():
        checked = read_places(application_id, actor, stream)
        db.session.commit()
    return import_places(checked, actor, now())


def result_json(result: ImportResult) -> dict:
    return {
        "imported": result.imported,
        "lines": result.lines,
        "fractions": result.fractions_api(),
        "application": result.application.id,
        "requested_amount": cents_to_api(result.application.requested_cents),
    }


@api.post("/applications/<int:application_id>/places.csv")
def upload_places(application_id: int):
    editable_application(application_id, g.api_user)  # 403/404/409 before a large upload
    # Nothing is written yet: end the transaction, so that no lock is held while the body
    # comes in.
    db.session.commit()
    body = _received_csv()
    try:
        result = _read_then_import(application_id, g.api_user, body)
    finally:
        body.close()
    db.session.commit()
    return jsonify(result_json(result))


# -- the applicant's page ---------------------------------------------------------------------

class PlacesUploadForm(FlaskForm):
    file = FileField(
        lazy_gettext("CSV-bestand met plaatsen"),
        validators=[FileRequired(lazy_gettext("Kies het CSV-bestand met de plaatsen."))],
        render_kw={"accept": ".csv,text/csv"},
    )


@bp.url_value_preprocessor
def refuse_oversized_upload(endpoint, _values):
    # Runs before the CSRF check reads (and stores) the whole multipart body.
    if endpoint == "places.upload" and request.method == "POST":
        _cap_body(max_bytes() + MULTIPART_SLACK)


def _application(application_id: int) -> Application:
    application = get_application(application_id, current_user)
    if application.scheme.code != SCHEME:
        raise NotFound(N_("Alleen een aanvraag voor praktijkleren heeft plaatsen."))
    return application


def _shown_places(application: Application) -> list[dict]:
    """The places, the students' names left out for whoever does not check them (privacy)."""
    places = (application.details or {}).get("places") or []
    if sees_student_names(current_user, application):
        return places
    return [{**place, "student_name": _("Student %(number)d (naam afgeschermd)", number=number)}
            for number, place in enumerate(places, start=1) if isinstance(place, dict)]


def _split_refusal(refused_fields: dict[str, list[str]]) -> tuple[list, list[str]]:
    """A refusal's messages: per line of the file ("line 3"), and the others."""
    line_errors, other_errors = [], []
    for key, messages in refused_fields.items():
        if key.startswith("line "):
            line_errors.append((int(key.removeprefix("line ")), messages))
        else:
            other_errors.extend(messages)
    return line_errors, other_errors


def _page_fractions(fractions: dict[str, str]) -> dict[str, str]:
    """Full places per category with the page's decimal sign, the categories with none left
    out."""
    decimal_symbol = get_decimal_symbol(current_language())
    return {category: value.replace(".", decimal_symbol)
            for category, value in fractions.items() if value != "0"}


def _page(application_id: int, form: PlacesUploadForm, *, refusal: GrantsError | None = None):
    application = _application(application_id)
    workflow = workflow_for(SCHEME)
    rules = current_rules(application, workflow.default_rules)["rules"]
    places = _shown_places(application)
    totals = fields.fractions(application.details or {}, rules)
    line_errors, other_errors = _split_refusal(refusal.fields if refusal is not None else {})
    return render_template(
        "places/show.html", application=application, form=form, refusal=refusal,
        line_errors=line_errors, other_errors=other_errors,
        can_upload=(current_user.has_role(Role.APPLICANT)
                    and application.state in EDITABLE_STATES),
        places=places[:SHOWN_PLACES], hidden_places=max(0, len(places) - SHOWN_PLACES),
        fractions=_page_fractions({category: decimal_text(value)
                                   for category, value in totals.items()}),
        columns=COLUMNS, dutch_columns=list(DUTCH_COLUMNS), max_mb=max_bytes() / 1024 / 1024,
        max_bytes=max_bytes(), pending_import=unfinished_import(application.id, current_user))


@bp.get("/<int:application_id>/plaatsen")
@login_required
def show(application_id: int):
    return _page(application_id, PlacesUploadForm(formdata=None))


@bp.post("/<int:application_id>/plaatsen")
@role_required(Role.APPLICANT)
def upload(application_id: int):
    _application(application_id)  # 404 for what is not the user's
    form = PlacesUploadForm()
    if not form.validate_on_submit():
        return _page(application_id, form), 422
    stream = form.file.data.stream
    if _size(stream) > job_bytes():
        return _queue_import(application_id, form)
    try:
        result = _read_then_import(application_id, current_user._get_current_object(),
                                   form.file.data.stream)
    except (ValidationFailed, Conflict) as refused:
        db.session.rollback()  # nothing of a refused import stays behind
        return _page(application_id, form, refusal=refused), refused.status
    requested = result.application.requested_cents
    db.session.commit()
    imported = ngettext("%(num)s plaats ingelezen", "%(num)s plaatsen ingelezen",
                        result.imported)
    lines = ngettext("uit %(num)s regel", "uit %(num)s regels", result.lines)
    flash(_("%(imported)s %(lines)s; de vorige plaatsen zijn vervangen. Het gevraagde bedrag is "
            "nu %(amount)s.", imported=imported, lines=lines, amount=page_eur(requested)),
          "success")
    return redirect(url_for("places.show", application_id=application_id), 303)


# -- a large file: imported by a job, followed on a status page -------------------------------

def _size(stream) -> int:
    position = stream.tell()
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(position)
    return size


def _queue_import(application_id: int, form: PlacesUploadForm):
    """Keep the file, commit, and put the job on the queue; the answer is the status page."""
    upload = form.file.data
    try:
        queued = queue_places_import(application_id, current_user._get_current_object(),
                                     upload.stream.read(max_bytes() + 1), upload.filename,
                                     now())
    except (ValidationFailed, Conflict) as refused:
        db.session.rollback()
        return _page(application_id, form, refusal=refused), refused.status
    import_id = queued.id
    db.session.commit()
    enqueue_places_import(current_app._get_current_object(), import_id)
    return redirect(url_for("places.import_status", application_id=application_id,
                            import_id=import_id), 303)


def _progress_text(upload: PlacesImport) -> str:
    if upload.status == PlacesImportStatus.QUEUED:
        return _("In de wachtrij; het inlezen begint zo.")
    return ngettext("%(lines)s regel gelezen (%(percent)s%%)",
                    "%(lines)s regels gelezen (%(percent)s%%)", upload.lines_read,
                    lines=page_number(upload.lines_read), percent=upload.percent)


def _result_text(upload: PlacesImport) -> str:
    imported = ngettext("%(num)s plaats ingelezen", "%(num)s plaatsen ingelezen",
                        upload.imported)
    lines = ngettext("uit %(num)s regel", "uit %(num)s regels", upload.lines)
    return _("%(imported)s %(lines)s; de vorige plaatsen zijn vervangen. Het gevraagde bedrag is "
             "nu %(amount)s.", imported=imported, lines=lines,
             amount=page_eur(upload.requested_cents))


@bp.get("/<int:application_id>/plaatsen/inlezen/<int:import_id>")
@login_required
def import_status(application_id: int, import_id: int):
    upload = get_places_import(application_id, import_id, current_user)
    application = upload.application
    refusal = upload.refusal or {}
    line_errors, other_errors = _split_refusal(refusal.get("fields") or {})
    can_upload = (upload.status in (PlacesImportStatus.REFUSED, PlacesImportStatus.FAILED)
                  and current_user.has_role(Role.APPLICANT)
                  and application.state in EDITABLE_STATES)
    return render_template(
        "places/import.html", application=application, upload=upload,
        progress_text=_progress_text(upload),
        result_text=_result_text(upload) if upload.status == PlacesImportStatus.DONE else "",
        fractions=_page_fractions(upload.fractions or {}),
        refusal_message=refusal.get("message", ""), line_errors=line_errors,
        other_errors=other_errors, can_upload=can_upload,
        form=PlacesUploadForm(formdata=None) if can_upload else None,
        max_mb=max_bytes() / 1024 / 1024)


@bp.get("/<int:application_id>/plaatsen/inlezen/<int:import_id>/voortgang")
@login_required
def import_progress(application_id: int, import_id: int):
    """The status page's figures, for its script to show without reloading the page."""
    upload = get_places_import(application_id, import_id, current_user)
    response = jsonify({
        "status": upload.status.value, "status_label": translated(upload.status_label),
        "finished": upload.finished, "lines_read": upload.lines_read,
        "bytes_read": upload.bytes_read, "total_bytes": upload.total_bytes,
        "percent": upload.percent, "text": _progress_text(upload)})
    response.headers["Cache-Control"] = "no-store"
    return response
