"""Guards and effects the schemes share: windows, completeness, the Awb terms, four eyes."""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from grants.budget import ledger
from grants.errors import Forbidden, ValidationFailed
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationState,
    Assessment,
    AuditEvent,
    Bucket,
    EntryKind,
    GrantReport,
    Objection,
    Recommendation,
    Role,
    User,
)
from grants.money import InvalidAmount, euros, format_eur
from grants.timefmt import AMSTERDAM, format_day, format_moment
from grants.workflows import terms
from grants.workflows.engine import Firing, Transition, precondition, transition
from grants.workflows.rules import freeze

S = ApplicationState
DECISIONS = ("approve", "reject", "close_unprocessed", "settle", "adjust_grant")


def _local_date(iso: str) -> date:
    return datetime.fromisoformat(iso).astimezone(AMSTERDAM).date()


def amount_from(f: Firing, field: str = "amount") -> int | None:
    value = f.data.get(field)
    if value is None or value == "":
        return None
    try:
        return euros(value)
    except InvalidAmount:
        raise ValidationFailed("Ongeldig bedrag.", {
            field: ["Geef een bedrag in euro's met hoogstens twee decimalen, als \"2700.00\"."]
        }) from None


# -- guards ---------------------------------------------------------------------------------

def window_open(application: Application, now: datetime) -> bool:
    window = application.window
    return window.opens_at <= now.replace(microsecond=0) <= window.closes_at


@precondition(window_open)
def in_window(f: Firing) -> None:
    """The receipt time lies in the window, its closing time included (to the second)."""
    window = f.rules["window"]
    opens_at = datetime.fromisoformat(window["opens_at"])
    closes_at = datetime.fromisoformat(window["closes_at"])
    receipt = f.now.replace(microsecond=0)
    if receipt < opens_at:
        raise ValidationFailed("Het aanvraagtijdvak is nog niet open.", {"window": [
            f"Aanvragen kan vanaf {format_moment(opens_at)}."]})
    if receipt > closes_at:
        raise ValidationFailed("Het aanvraagtijdvak is gesloten.", {"window": [
            f"Aanvragen kon tot en met {format_moment(closes_at)}; ontvangen "
            f"{format_moment(f.now)}."]})


def fields_complete(f: Firing) -> None:
    errors = f.fields.check_complete(f.application.details or {}, f.params,
                                     window_code=f.rules["window"]["code"])
    if not f.application.title.strip():
        errors = {**errors, "title": ["Geef de aanvraag een titel."]}
    if errors:
        raise ValidationFailed("De aanvraag is niet volledig.", errors)


def reason_required(f: Firing) -> None:
    if not f.reason:
        raise ValidationFailed("Geef een reden.", {"reason": ["Geef een reden."]})


def criterion_scores(f: Firing) -> dict[str, int]:
    """A whole score within the rules' range for every criterion the scheme's rules name."""
    params = f.params
    given = f.data.get("scores")
    if not isinstance(given, dict):
        raise ValidationFailed("Geef de scores.", {"scores": [
            "Geef per criterium een score: " + ", ".join(params["criteria"]) + "."]})
    low, high = params["score_min"], params["score_max"]
    errors = {}
    scores = {}
    for criterion in params["criteria"]:
        value = given.get(criterion)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[f"scores.{criterion}"] = [f"Een hele score van {low} tot en met {high}."]
        else:
            scores[criterion] = value
    for unknown in set(given) - set(params["criteria"]):
        errors[f"scores.{unknown}"] = ["Geen criterium van deze regeling."]
    if errors:
        raise ValidationFailed("De scores zijn niet volledig.", errors)
    return scores


def assessors_of(application: Application) -> set[int]:
    return set(db.session.scalars(
        sa.select(Assessment.assessor_id).where(Assessment.application_id == application.id)))


def not_an_assessor(application: Application, user: User) -> bool:
    return user.id not in assessors_of(application)


def four_eyes(f: Firing) -> None:
    """Whoever assessed an application does not also decide on it."""
    if not not_an_assessor(f.application, f.actor):
        raise Forbidden("Vier ogen: u heeft deze aanvraag zelf beoordeeld en beslist er dus "
                        "niet over.")


def repair_term_running(application: Application, today: date) -> bool:
    """The applicant may still supply the information (the repair term, Awb 4:5)."""
    return application.repair_due_on is not None and today <= application.repair_due_on


@precondition(lambda application, now: not repair_term_running(
    application, now.astimezone(AMSTERDAM).date()))
def repair_term_passed(f: Firing) -> None:
    due = f.application.repair_due_on
    if repair_term_running(f.application, f.today):
        raise ValidationFailed("De hersteltermijn loopt nog.", {"repair_due_on": [
            f"De aanvrager kan tot en met {format_day(due)} aanvullen."]})


def grant_amount(f: Firing) -> None:
    amount = amount_from(f)
    requested = f.application.requested_cents
    if amount is None:
        amount = requested
    if amount <= 0:
        raise ValidationFailed("Ongeldig bedrag.", {"amount": ["Het bedrag moet positief zijn."]})
    if amount > requested:
        raise ValidationFailed("Te hoog bedrag.", {"amount": [
            f"Er kan niet meer worden verleend dan is aangevraagd ({format_eur(requested)})."]})
    if amount < requested and not f.reason:
        # The letter must say why less is granted than was asked (Awb 3:46, 3:47).
        raise ValidationFailed("Reden ontbreekt.", {"reason": [
            f"U verleent minder dan is aangevraagd ({format_eur(requested)}); geef de reden, "
            "die komt in het besluit."]})
    f.audit_data["amount_cents"] = amount


# A listing of many applications (the API's list) asks each of them the same questions for its
# allowed triggers: within prefetched(), they are answered for all of them at once. Read-only:
# nothing that lodges or decides an objection may run inside.
_prefetched: ContextVar[dict | None] = ContextVar("grants_prefetched", default=None)


@contextmanager
def prefetched(application_ids: list[int]):
    ids = list(application_ids)
    pending: dict[int, Objection] = {}
    objected: set[int] = set()
    # Every objection of the page's applications, in one query: few applications have any.
    for objection in db.session.scalars(
            sa.select(Objection).where(Objection.application_id.in_(ids))
            .order_by(Objection.id)):
        objected.add(objection.application_id)
        if objection.outcome is None:
            pending.setdefault(objection.application_id, objection)
    latest = {event.application_id: event for event in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.id.in_(
            sa.select(sa.func.max(AuditEvent.id))
            .where(AuditEvent.application_id.in_(ids), AuditEvent.trigger.in_(DECISIONS))
            .group_by(AuditEvent.application_id))))}
    reports: dict[int, set] = {}
    for application_id, kind, status in db.session.execute(
            sa.select(GrantReport.application_id, GrantReport.kind, GrantReport.status)
            .where(GrantReport.application_id.in_(ids))):
        reports.setdefault(application_id, set()).add((kind, status))
    token = _prefetched.set({
        "ids": set(ids), "pending": pending, "objected": objected, "reports": reports,
        "latest": latest})
    try:
        yield
    finally:
        _prefetched.reset(token)


def _known(application: Application) -> dict | None:
    known = _prefetched.get()
    return known if known is not None and application.id in known["ids"] else None


def never_objected(application: Application) -> bool:
    """Known, within prefetched(), to have no objection at all (False: not known)."""
    known = _known(application)
    return known is not None and application.id not in known["objected"]


def prefetched_reports(application: Application) -> set | None:
    """(kind, status) of each of its reports, within prefetched(); None: not known."""
    known = _known(application)
    return None if known is None else known["reports"].get(application.id, set())


def latest_decision(application: Application) -> AuditEvent | None:
    if (known := _known(application)) is not None:
        return known["latest"].get(application.id)
    return db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.application_id == application.id, AuditEvent.trigger.in_(DECISIONS))
        .order_by(AuditEvent.id.desc()).limit(1)).first()


def pending_objection(application: Application) -> Objection | None:
    if (known := _known(application)) is not None:
        return known["pending"].get(application.id)
    return db.session.scalars(
        sa.select(Objection).where(Objection.application_id == application.id,
                                   Objection.outcome.is_(None))).first()


def objection_pending(application: Application, user: User) -> bool:
    return pending_objection(application) is not None


def has_pending_objection(f: Firing) -> None:
    if pending_objection(f.application) is None:
        raise ValidationFailed("Er is geen bezwaar om te beslissen.", {"objection": [
            "Er is geen openstaand bezwaar."]})


# -- effects --------------------------------------------------------------------------------

def decision_term_basis(application: Application, rules: dict) -> date:
    """The day the decision term counts from (it runs from the day after): the receipt, or the
    window's close (the rules say which)."""
    if rules["rules"]["decision_term_from"] == "receipt":
        return application.submitted_at.astimezone(AMSTERDAM).date()
    return _local_date(rules["window"]["closes_at"])


def receive(f: Firing) -> None:
    """Receipt (Awb 4:3a): freeze the rules and start the decision clock."""
    application = f.application
    version = freeze(application, f.fields.DEFAULT_RULES, f.now)
    rules = version.rules
    if application.submitted_at is None:
        application.submitted_at = f.now
    application.complete_at = f.now
    application.requested_cents = f.fields.requested_cents(application.details or {})
    ends_on = decision_term_basis(application, rules) + timedelta(
        weeks=rules["decision_term_weeks"])
    application.decision_term_ends_on = ends_on
    application.decision_due_on = terms.statutory_end(ends_on, terms.days_off())
    f.audit_data["decision_due_on"] = application.decision_due_on.isoformat()


def ask_information(f: Firing) -> None:
    """Awb 4:5 and 4:15: a repair term, and the decision clock stops from tomorrow."""
    application = f.application
    due = f.data.get("repair_due_on")
    if due:
        try:
            due = date.fromisoformat(due)
        except (TypeError, ValueError):
            raise ValidationFailed("Ongeldige datum.", {"repair_due_on": [
                "Geef de datum als JJJJ-MM-DD."]}) from None
        if due <= f.today:
            raise ValidationFailed("Ongeldige hersteltermijn.", {"repair_due_on": [
                "De hersteltermijn eindigt na vandaag."]})
    else:
        due = f.today + timedelta(days=f.params["repair_term_days"])
    application.repair_due_on = due
    application.suspended_on = f.today
    application.complete_at = None
    f.audit_data["repair_due_on"] = due.isoformat()


def asked_during_assessment(f: Firing) -> bool:
    """The latest request for information came while the application was being assessed."""
    asked = db.session.scalars(
        sa.select(AuditEvent.from_state)
        .where(AuditEvent.application_id == f.application.id,
               AuditEvent.trigger == "request_information")
        .order_by(AuditEvent.id.desc()).limit(1)).first()
    return asked == S.IN_ASSESSMENT


def information_provided(f: Firing) -> None:
    """The clock runs again; the days it stood still while it ran are added (Awb 4:15)."""
    application = f.application
    paused_days = 0
    if application.suspended_on and application.decision_due_on:
        paused_days, application.decision_term_ends_on, application.decision_due_on = \
            terms.after_suspension(
                application.suspended_on, f.today,
                counts_from=decision_term_basis(application, f.rules) + timedelta(days=1),
                ends_on=application.decision_term_ends_on or application.decision_due_on,
                extra=terms.days_off())
    application.suspended_on = None
    application.repair_due_on = None
    application.complete_at = f.now
    f.audit_data.update(paused_days=paused_days,
                        decision_due_on=application.decision_due_on and
                        application.decision_due_on.isoformat())


def objection_term_end(today: date, params: dict) -> date:
    """The last day to object (Awb 6:7) to a decision taken ``today``."""
    return terms.term_after(today, weeks=params["objection_term_weeks"], extra=terms.days_off())


def decided(f: Firing) -> None:
    """A decision: its date, and the objection term (Awb 6:7) that runs from it."""
    application = f.application
    application.decided_at = f.now
    application.objection_due_on = objection_term_end(f.today, f.params)
    f.audit_data["objection_due_on"] = application.objection_due_on.isoformat()
    # The decision's letter: its row is written in this transaction, rendered after it.
    from grants.decisions.outbox import record_decision

    record_decision(f)


def granted(f: Firing) -> None:
    f.application.granted_cents = f.audit_data["amount_cents"]


def refused(f: Firing) -> None:
    f.application.granted_cents = None


def store_assessment(f: Firing) -> None:
    """Store what the assessment guard of the scheme accepted into ``audit_data``."""
    db.session.add(Assessment(
        application_id=f.application.id, assessor_id=f.actor.id,
        recommendation=Recommendation(f.audit_data["recommendation"]),
        scores=f.audit_data.get("scores", {}),
        reasoning=str(f.data.get("reasoning") or "").strip(), at=f.now))


def settlement_amount(f: Firing) -> None:
    """The final amount (vaststelling) is never above the grant (Awb 4:46)."""
    amount = amount_from(f)
    ceiling = f.application.granted_cents or 0
    if amount is None or amount < 0 or amount > ceiling:
        raise ValidationFailed("Ongeldig bedrag.", {"amount": [
            f"Geef het vastgestelde bedrag: niet negatief en niet hoger dan "
            f"{format_eur(ceiling)}."]})
    f.audit_data["amount_cents"] = amount


# -- transitions every scheme shares ---------------------------------------------------------

R = Role


def intake_transitions() -> list[Transition]:
    """From draft to the start of the assessment, with the Awb's repair term."""
    return [
        transition("submit", S.DRAFT, S.SUBMITTED, R.APPLICANT,
                   guards=[in_window, fields_complete], effects=[receive]),
        # Information may still be asked once the assessment has started (domain.md §4:
        # the same repair term and suspension of the decision term); it then resumes.
        transition("request_information", (S.SUBMITTED, S.IN_ASSESSMENT), S.INCOMPLETE,
                   R.ASSESSOR, guards=[reason_required], effects=[ask_information]),
        transition("provide_information", S.INCOMPLETE, S.IN_ASSESSMENT, R.APPLICANT,
                   guards=[fields_complete], effects=[information_provided],
                   condition=asked_during_assessment),
        transition("provide_information", S.INCOMPLETE, S.SUBMITTED, R.APPLICANT,
                   guards=[fields_complete], effects=[information_provided]),
        transition("close_unprocessed", S.INCOMPLETE, S.UNPROCESSED, R.ASSESSOR,
                   guards=[repair_term_passed, reason_required], effects=[decided]),
        transition("start_assessment", S.SUBMITTED, S.IN_ASSESSMENT, R.ASSESSOR),
    ]


GRANT_BEFORE_DECISION = (S.DRAFT, S.SUBMITTED, S.INCOMPLETE, S.IN_ASSESSMENT, S.ASSESSED)
GRANT_DECIDED = (S.APPROVED, S.REJECTED, S.UNPROCESSED, S.MONITORED, S.SETTLEMENT_REQUESTED,
                 S.SETTLED, S.CLOSED)
GRANT_STATES = (S.DRAFT, S.SUBMITTED, S.INCOMPLETE, S.UNPROCESSED, S.IN_ASSESSMENT, S.ASSESSED,
                S.APPROVED, S.REJECTED, S.WITHDRAWN, S.MONITORED, S.SETTLEMENT_REQUESTED,
                S.SETTLED, S.CLOSED)


# -- money: every consequence for the budget goes through the ledger -------------------------

def _post(f: Firing, line, kind: EntryKind, amount: int, bucket: Bucket | None = None) -> None:
    ledger.post(line, kind, amount, actor=f.actor, now=f.now, cause=f.trigger_name,
                application=f.application, bucket=bucket, reason=f.reason)


def _main_line(f: Firing):
    return f.application.window.line_for(None)


def commit_grant(f: Firing) -> None:
    """The grant commits its amount on the window's line, turning a reservation into it."""
    line = _main_line(f)
    held = ledger.application_balance(f.application.id, line.id)
    if held.reserved:
        _post(f, line, EntryKind.RELEASE, held.reserved, Bucket.RESERVED)
    _post(f, line, EntryKind.COMMIT, f.audit_data["amount_cents"])


def release_reservations(f: Firing) -> None:
    for line in f.application.window.lines:
        held = ledger.application_balance(f.application.id, line.id)
        if held.reserved:
            _post(f, line, EntryKind.RELEASE, held.reserved, Bucket.RESERVED)


def reserve_when_assessed_positively(f: Firing) -> None:
    """Optional (a rule, as data): a positive assessment reserves the requested amount."""
    if (f.params.get("reserve_on_positive_assessment")
            and f.state == S.ASSESSED.value
            and f.audit_data.get("recommendation") == Recommendation.POSITIVE.value
            and f.application.requested_cents > 0):
        _post(f, _main_line(f), EntryKind.RESERVE, f.application.requested_cents)


def required_amount(f: Firing) -> None:
    amount = amount_from(f)
    if amount is None or amount <= 0:
        raise ValidationFailed("Geef het bedrag.", {"amount": ["Een positief bedrag in euro's."]})
    f.audit_data["amount_cents"] = amount


def disburse_advance(f: Firing) -> None:
    _post(f, _main_line(f), EntryKind.DISBURSE, f.audit_data["amount_cents"])


def settle_grant(f: Firing) -> None:
    """Vaststelling: what was paid above the final amount is recovered, the rest released."""
    application, line = f.application, _main_line(f)
    final = f.audit_data["amount_cents"]
    held = ledger.application_balance(application.id, line.id)
    if held.paid > final:
        _post(f, line, EntryKind.RECOVER, held.paid - final)
        # int: PostgreSQL sums to Decimal, which the audit row's JSON cannot hold.
        f.audit_data["recovered_cents"] = int(held.paid - final)
    if held.committed > final:
        _post(f, line, EntryKind.RELEASE, held.committed - final, Bucket.COMMITTED)
    application.settled_cents = final


def unpaid_cents(application: Application) -> int:
    """What the application's commitments hold that is not paid yet."""
    unpaid = 0
    for line in application.window.lines:
        held = ledger.application_balance(application.id, line.id)
        unpaid += max(held.committed - held.paid, 0)
    return int(unpaid)


@precondition(lambda application, now: unpaid_cents(application) > 0)
def something_to_pay(f: Firing) -> None:
    if unpaid_cents(f.application) <= 0:
        raise ValidationFailed("Er valt niets te betalen.", {"amount": [
            "Het vastgestelde bedrag is al betaald."]})


def pay_balance(f: Firing) -> None:
    """After settlement: pay what the final amount leaves unpaid."""
    for line in f.application.window.lines:
        held = ledger.application_balance(f.application.id, line.id)
        if held.committed > held.paid:
            _post(f, line, EntryKind.DISBURSE, held.committed - held.paid)
            f.audit_data["amount_cents"] = f.audit_data.get("amount_cents", 0) + (
                held.committed - held.paid)
    if "amount_cents" not in f.audit_data:
        raise ValidationFailed("Er valt niets te betalen.", {"amount": [
            "Het vastgestelde bedrag is al betaald."]})


def recover_amount(f: Firing) -> None:
    _post(f, _main_line(f), EntryKind.RECOVER, f.audit_data["amount_cents"])
