"""Applications: drafts, edits and triggers, always within what the caller may see."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from grants import clock
from grants.access import get_visible, require_role, scope_to_user, sees_every_application
from grants.errors import Conflict, NotFound, ValidationFailed
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationState,
    AuditEvent,
    OrganisationStatus,
    Region,
    Role,
    Scheme,
    User,
    Window,
)
from grants.services.consents import consent_refusal, ensure_filer_named, withdraw_stale
from grants.services.organisations import ensure_may_submit
from grants.services.payee import ensure_paid_to_confirmed_iban
from grants.services.tallies import tallied
from grants.workflows import workflow_for
from grants.workflows.engine import Approval
from grants.workflows.fields.entry import ELIGIBILITY, ceiling_errors, may_apply
from grants.workflows.rules import current_rules


def reference_for(window: Window, sequence: int) -> str:
    return f"{window.scheme.reference_prefix}-{window.code}-{sequence:05d}"


def next_reference(window: Window) -> str:
    """The next free reference in the window (SP-T2-00042).

    Two drafts numbered at the same moment may pick the same number; the unique constraint
    then refuses the second rather than let two applications share a reference.
    """
    prefix = f"{window.scheme.reference_prefix}-{window.code}-"
    last = db.session.scalar(
        sa.select(sa.func.max(Application.reference)).where(
            Application.window_id == window.id, Application.reference.startswith(prefix)
        )
    )
    sequence = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return reference_for(window, sequence)


def _visible(user: User, scheme: str | None, window: str | None, state: str | None,
             region: str | None):
    # Filters on the applications table alone: no join, so that counting them reads one index.
    stmt = sa.select(Application)
    if scheme:
        stmt = stmt.where(Application.scheme_id.in_(
            sa.select(Scheme.id).where(Scheme.code == scheme)))
    if window:
        stmt = stmt.where(Application.window_id.in_(
            sa.select(Window.id).where(Window.code == window)))
    if state:
        stmt = stmt.where(Application.state == state)
    if region:
        stmt = stmt.where(Application.region == region)
    return scope_to_user(stmt, Application, user)


def visible_applications(user: User, *, scheme: str | None = None, window: str | None = None,
                         state: str | None = None, region: str | None = None):
    """A select of the applications ``user`` may see, filtered, newest first."""
    return _visible(user, scheme, window, state, region).order_by(
        Application.created_at.desc(), Application.id.desc())


def count_visible(user: User, *, scheme: str | None = None, window: str | None = None,
                  state: str | None = None, region: str | None = None) -> int:
    if sees_every_application(user):
        return tallied(scheme=scheme, window_code=window,
                       states=None if state is None else [state], region=region)
    stmt = _visible(user, scheme, window, state, region)
    # count(*), not count(id): PostgreSQL then counts off an index alone.
    return db.session.scalar(stmt.with_only_columns(sa.func.count()).select_from(Application))


def visible_after(user: User, after: tuple[datetime, int], **filters):
    """visible_applications() after the application at ``after`` (its created_at and id) in
    that order: a page that starts where the last one ended, whatever was added meanwhile
    (keyset pagination; the index on created_at, id serves it)."""
    created_at, application_id = after
    # Typed, so that the moment is stored as the column stores it (naive UTC on SQLite).
    return visible_applications(user, **filters).where(
        sa.tuple_(Application.created_at, Application.id) < sa.tuple_(
            sa.literal(created_at, Application.created_at.type),
            sa.literal(application_id, Application.id.type)))


def get_application(application_id: int, user: User) -> Application:
    return get_visible(Application, application_id, user)


# -- drafts, edits and triggers -------------------------------------------------------------

EDITABLE_STATES = (ApplicationState.DRAFT, ApplicationState.INCOMPLETE)
MAX_TITLE = 300


def _title(value, errors: dict) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        errors["title"] = ["Geef de aanvraag een titel."]
    elif len(value.strip()) > MAX_TITLE:
        errors["title"] = [f"Een titel heeft hoogstens {MAX_TITLE} tekens."]
    else:
        return value.strip()
    return None


def create_application(actor: User, payload: dict, now: datetime) -> Application:
    """A draft for the actor's organisation in an open (or future) window."""
    require_role(actor, Role.APPLICANT)
    payload = dict(payload)
    errors: dict[str, list[str]] = {}
    scheme_code, window_code = payload.pop("scheme", None), payload.pop("window", None)
    title = _title(payload.pop("title", None), errors)
    if title is None and "title" not in errors:
        errors["title"] = ["Geef de aanvraag een titel."]
    window = db.session.scalars(
        sa.select(Window).join(Scheme).where(Scheme.code == str(scheme_code),
                                             Window.code == str(window_code))).one_or_none()
    if window is None:
        errors["window" if scheme_code else "scheme"] = [
            "Kies een bestaande regeling en een tijdvak daarvan."]
    elif window.closes_at < now:
        errors["window"] = ["Dit aanvraagtijdvak is gesloten."]
    elif actor.organisation is not None and not may_apply(window.scheme.code,
                                                          actor.organisation.kind):
        errors["window"] = [ELIGIBILITY[window.scheme.code].why_not]
    details = {}
    if window is not None:
        details, field_errors = workflow_for(window.scheme.code).fields.parse(payload)
        errors.update(field_errors)
    if errors:
        raise ValidationFailed("De aanvraag is niet aangemaakt.", errors)

    organisation = actor.organisation
    # Nothing is written before the insert below, which alone may meet another draft's number.
    with db.session.no_autoflush:
        application = Application(
            reference=next_reference(window), scheme=window.scheme, window=window,
            organisation=organisation, region=Region(details.get("region", organisation.region)),
            title=title, details=details, created_at=now, created_by=actor,
        )
        application.requested_cents = _requested(application)
        _refuse_above_ceiling(application, "De aanvraag is niet aangemaakt.")
        ensure_filer_named(application, "De aanvraag is niet aangemaakt.")
    _insert_with_a_free_reference(application, window)
    return application


REFERENCE_ATTEMPTS = 50


def _insert_with_a_free_reference(application: Application, window: Window) -> None:
    """Insert the draft; when a draft made at the same moment took its number first (the
    unique reference refuses the second), number it on and try again.

    On PostgreSQL the second insert waits for the first transaction and then fails; the
    savepoint keeps the rest of the transaction, and the next look at the highest number sees
    the committed one. SQLite writes one at a time and never gets here twice."""
    for attempt in range(REFERENCE_ATTEMPTS):
        try:
            with db.session.begin_nested():
                db.session.add(application)
                db.session.flush()
            return
        except IntegrityError as clash:
            if "reference" not in str(clash.orig) or attempt == REFERENCE_ATTEMPTS - 1:
                raise
            with db.session.no_autoflush:
                application.reference = next_reference(window)


def update_application(application_id: int, actor: User, payload: dict,
                       expected_version: int | None = None) -> Application:
    """Change a draft, or an application the applicant was asked to complete."""
    require_role(actor, Role.APPLICANT)
    application = locked_application(application_id, actor, expected_version)
    if application.state not in EDITABLE_STATES:
        raise Conflict(f"Een aanvraag met status '{application.state_label}' kan niet meer "
                       "worden gewijzigd.")
    payload = dict(payload)
    errors: dict[str, list[str]] = {}
    for fixed in ("scheme", "window"):
        if fixed in payload:
            payload.pop(fixed)
            errors[fixed] = ["Regeling en tijdvak liggen vast; maak een nieuwe aanvraag."]
    title = _title(payload.pop("title", None), errors)
    changes, field_errors = workflow_for(application.scheme.code).fields.parse(
        payload, partial=True)
    errors.update(field_errors)
    if errors:
        raise ValidationFailed("De aanvraag is niet gewijzigd.", errors)
    application.version += 1
    if title is not None:
        application.title = title
    # A null in a PATCH clears the field: it is left out of the stored document.
    merged = {**(application.details or {}), **changes}
    application.details = {key: value for key, value in merged.items() if value is not None}
    if changes.get("region"):
        application.region = Region(changes["region"])
    application.requested_cents = _requested(application)
    _refuse_above_ceiling(application, "De aanvraag is niet gewijzigd.")
    ensure_filer_named(application, "De aanvraag is niet gewijzigd.")
    # A partner consented to the plan it saw; a changed plan asks again.
    withdraw_stale(application, actor, clock.now())
    db.session.flush()
    return application


def _refuse_above_ceiling(application: Application, message: str) -> None:
    # Refused on entry: a request larger than all the window holds can never be granted.
    errors = ceiling_errors(application.scheme.code, application.requested_cents,
                            application.window.ceiling_cents)
    if errors:
        raise ValidationFailed(message, errors)


def _requested(application: Application) -> int:
    workflow = workflow_for(application.scheme.code)
    params = current_rules(application, workflow.default_rules)["rules"]
    return workflow.fields.requested_cents(application.details or {}, params)


def locked_application(application_id: int, actor: User,
                       expected_version: int | None = None) -> Application:
    """The application, visible to ``actor``, locked for the rest of the transaction.

    PostgreSQL locks the row; SQLite's write transactions are already exclusive (BEGIN
    IMMEDIATE for every writing request), so a second writer waits and then sees the new state.
    """
    stmt = scope_to_user(
        sa.select(Application).where(Application.id == application_id), Application, actor)
    application = db.session.scalars(
        stmt.with_for_update().execution_options(populate_existing=True)).one_or_none()
    if application is None:
        raise NotFound()
    if expected_version is not None and application.version != expected_version:
        raise Conflict("De aanvraag is intussen gewijzigd; laad haar opnieuw.")
    return application


# Where an applicant sends the application (first, or completed on request): then a sector
# plan's partners have agreed and the account named is the organisation's confirmed one.
SENDING = {("submit", ApplicationState.DRAFT),
           ("provide_information", ApplicationState.INCOMPLETE)}


def fire_trigger(application_id: int, trigger: str, actor: User, data: dict, now: datetime,
                 expected_version: int | None = None,
                 allocation: int | None = None, approval: Approval | None = None) -> Application:
    """Fire one trigger; ``allocation`` names the committed allocation run deciding it,
    ``approval`` the prepared decision an approver approves by it (grants.services.approvals)."""
    application = locked_application(application_id, actor, expected_version)
    if (trigger == "submit" and application.state == ApplicationState.DRAFT
            and actor.has_role(Role.APPLICANT)):
        # Only a verified organisation files (not one pending or deactivated); the role and
        # state checks stay the engine's, so this asks only where submit could succeed.
        ensure_may_submit(application.organisation)
    workflow = workflow_for(application.scheme.code)
    rules = current_rules(application, workflow.default_rules)
    if (trigger, application.state) in SENDING and actor.has_role(Role.APPLICANT):
        # A sector plan is sent only for the filer's own organisation and with the consent of
        # every other organisation it names. The engine's own refusals (window, completeness)
        # are told first: partners consent to the completed plan.
        refusal = consent_refusal(application)
        if refusal is not None:
            workflow.check(application, trigger, actor, data, now, rules, None)
            raise refusal
        # Money goes only to the organisation's confirmed IBAN, never to one typed on the
        # application by one person (grants.services.payee).
        ensure_paid_to_confirmed_iban(application, lambda: workflow.check(
            application, trigger, actor, data, now, rules, None))
    workflow.fire(application, trigger, actor, data, now, rules, allocation=allocation,
                  approval=approval)
    db.session.flush()
    return application


# Applications locked per SELECT … FOR UPDATE (SQLite allows 32,766 parameters a statement).
LOCK_CHUNK = 500


def fire_triggers(firings: list[tuple[int, str, dict]], actor: User, now: datetime,
                  allocation: int | None = None,
                  approval: Approval | None = None) -> list[Application]:
    """Fire a trigger on each of many applications of one scheme (``(application id, trigger,
    data)``), as ``fire_trigger`` on each in turn would, written together (the engine's
    ``fire_many``): an allocation run's decisions, an approved payment run's payments. The
    applications are locked first (``locked_applications``).

    For staff's decisions only: what an applicant sends is checked for consents and accounts
    first, one by one (``fire_trigger``)."""
    if any(trigger in {sending for sending, _state in SENDING}
           for _id, trigger, _data in firings):
        raise ValueError("an applicant's sending is fired one by one (fire_trigger)")
    if not firings:
        return []
    applications = locked_applications([application_id for application_id, _t, _d in firings],
                                       actor)
    if len({application.scheme_id for application in applications.values()}) > 1:
        raise ValueError("one scheme's applications at a time: one workflow fires them")
    workflow = workflow_for(next(iter(applications.values())).scheme.code)
    workflow.fire_many([(applications[application_id], trigger, data)
                        for application_id, trigger, data in firings], actor, now,
                       allocation=allocation, approval=approval)
    return [applications[application_id] for application_id, _t, _d in firings]


def locked_applications(ids: list[int], actor: User) -> dict[int, Application]:
    """The applications, visible to ``actor``, locked as ``locked_application`` locks one, a
    chunk per statement in the order of their ids (so two such batches never wait on each
    other); with their organisation (the IBAN) and rules loaded, which their decisions' letters
    and payments read."""
    found: dict[int, Application] = {}
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), LOCK_CHUNK):
        stmt = scope_to_user(sa.select(Application).where(
            Application.id.in_(ordered[start:start + LOCK_CHUNK])), Application, actor)
        found.update((application.id, application) for application in db.session.scalars(
            stmt.order_by(Application.id).with_for_update()
            .options(selectinload(Application.organisation),
                     selectinload(Application.rules_version))
            .execution_options(populate_existing=True)))
    if len(found) != len(ordered):
        raise NotFound()
    return found


def allowed_triggers(application: Application, user: User,
                     now: datetime | None = None) -> list[str]:
    """What ``user`` may fire now and what could succeed now (the guards' preconditions on
    dates and documents included): the triggers the pages offer and the API lists."""
    allowed = workflow_for(application.scheme.code).allowed_triggers(
        application, user, now or clock.now())
    # What cannot succeed now is not offered: an organisation not (or no longer) verified
    # cannot submit.
    if "submit" in allowed and application.organisation is not None \
            and application.organisation.status != OrganisationStatus.VERIFIED:
        allowed.remove("submit")
    return allowed


def history(application: Application) -> list[AuditEvent]:
    return list(db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.application_id == application.id)
        .order_by(AuditEvent.id)))


def delete_draft(application_id: int, actor: User) -> str:
    """Delete a draft and its attachments for good; only drafts, only by its own organisation.

    A draft was never sent, so nothing refers to it but its attachments (no audit row, no
    ledger entry, no letter); anything else that does makes the database refuse, and the draft
    stays. Returns the reference, for the confirmation.
    """
    from grants.models import Attachment

    require_role(actor, Role.APPLICANT)
    application = locked_application(application_id, actor)
    if actor.organisation_id is None or application.organisation_id != actor.organisation_id:
        raise NotFound()
    if application.state != ApplicationState.DRAFT:
        raise Conflict("Alleen een concept kan worden verwijderd; deze aanvraag is al "
                       "ingediend.")
    reference = application.reference
    db.session.execute(sa.delete(Attachment).where(Attachment.application_id == application.id))
    db.session.delete(application)
    db.session.flush()
    return reference
