"""Objections (bezwaar, Awb chapters 6 and 7): lodged, decided, and what an upheld one changes.

- An objection lodged after its term (Awb 6:7) is recorded all the same, with its receipt, and
  marked late; it can only be declared inadmissible (niet-ontvankelijk), unless the approver
  records why the lateness is excusable (Awb 6:11). One posted within the term and received
  within a week after it is on time (Awb 6:9): staff give its postmark (``postmarked_on``).
- The decision on it is due six weeks after the objection term ended (Awb 7:10), a term the
  approver may extend once by six weeks, with a reason. Every such term ends as the Algemene
  termijnenwet says (grants.workflows.terms), and so does the term for appeal the decision
  on the objection states.
- Upheld (gegrond), the decision objected to is revoked and replaced (Awb 7:11) in the same
  firing: a rejection by a grant, or a grant by a higher one, with their ledger entries and
  letters; against a settlement by a higher settlement (grants.workflows.redress). Upheld
  against any other decision, the new decision follows by its own trigger.
- Staff (assessor or approver) register an objection that came on paper, with the day it was
  received (what its timeliness is judged by), its postmark and the scanned letter.
- It is decided only once the objector was heard or the hearing waived (Awb 7:2, 7:3;
  grants.workflows.hearing); upheld for an error of the authority, the costs of professional
  help are awarded (7:15).
"""

from datetime import date, timedelta

import sqlalchemy as sa

from grants.errors import Forbidden, ValidationFailed
from grants.extensions import db
from grants.models import Application, ApplicationState, Objection, ObjectionOutcome, Role, User
from grants.money import format_eur
from grants.timefmt import AMSTERDAM, format_day
from grants.workflows import common, hearing, redress, terms
from grants.workflows.engine import Firing, Transition, precondition, transition
from grants.workflows.reports import schedule_reports

S = ApplicationState
O = ObjectionOutcome  # noqa: E741
R = Role
# Awb 7:10 lid 3: the decision term may be extended once, by (at most) six weeks.
EXTENSION_WEEKS = 6


def _decided_objection_against(application: Application, event_id: int) -> Objection | None:
    if common.never_objected(application):
        return None
    return db.session.scalars(
        sa.select(Objection).where(Objection.application_id == application.id,
                                   Objection.against_event_id == event_id,
                                   Objection.outcome.is_not(None))).first()


# -- lodging ----------------------------------------------------------------------------------

def objection_possible(application: Application, user: User) -> bool:
    """A decision to object to, no objection running, and none decided against it already."""
    if application.objection_due_on is None or common.pending_objection(application):
        return False
    decision = common.latest_decision(application)
    return decision is not None and _decided_objection_against(application, decision.id) is None


def may_object(f: Firing) -> None:
    application = f.application
    decision = common.latest_decision(application)
    if application.objection_due_on is None or decision is None:
        raise ValidationFailed("Er is geen besluit waartegen bezwaar openstaat.", {"objection": [
            "Er is geen besluit waartegen bezwaar openstaat."]})
    if common.pending_objection(application) is not None:
        raise ValidationFailed("Er loopt al een bezwaar.", {"objection": [
            "Tegen dit besluit loopt al een bezwaar."]})
    if _decided_objection_against(application, decision.id) is not None:
        # Against a decision on objection only an appeal to the court lies (Awb 7:1, 8:1).
        raise ValidationFailed("Op het bezwaar tegen dit besluit is al beslist.", {"objection": [
            "Op uw bezwaar tegen dit besluit is al beslist. U kunt nu alleen nog beroep "
            "instellen bij de rechtbank."]})


def _given_day(f: Firing, field: str, what: str) -> date | None:
    given = f.data.get(field)
    if given in (None, ""):
        return None
    if not f.actor.is_staff:
        raise ValidationFailed("Alleen bij een bezwaarbrief.", {field: [
            f"{what} legt een medewerker vast die een bezwaarbrief registreert."]})
    try:
        return date.fromisoformat(given)
    except (TypeError, ValueError):
        raise ValidationFailed("Ongeldige datum.", {field: [
            f"Geef {what.lower()} als JJJJ-MM-DD."]}) from None


def paper_or_portal(f: Firing) -> None:
    """Online the receipt is now; staff registering a letter give the day it came in (not
    after today), its postmark (Awb 6:9, not after the receipt) and the scan on file."""
    errors = {}
    received_on = postmarked_on = None
    for field, what in (("received_on", "De datum van ontvangst"),
                        ("postmarked_on", "De datum van het poststempel")):
        try:
            day = _given_day(f, field, what)
        except ValidationFailed as refused:
            errors.update(refused.fields)
            continue
        if field == "received_on":
            received_on = day
        else:
            postmarked_on = day
    if f.actor.is_staff and not f.actor.has_role(Role.APPLICANT):
        if received_on is None and "received_on" not in errors:
            errors["received_on"] = ["Geef de datum waarop de bezwaarbrief is ontvangen."]
        elif received_on is not None and received_on > f.today:
            errors["received_on"] = [
                f"De ontvangst ligt niet na vandaag ({format_day(f.today)})."]
        elif received_on is not None and received_on < _decided_on(f.application):
            errors["received_on"] = ["De ontvangst ligt niet vóór het besluit."]
        try:
            scan = hearing.attachment_of(f, "letter_attachment")
        except ValidationFailed as refused:
            errors.update(refused.fields)
            scan = None
        if scan is not None:
            f.audit_data["letter_attachment"] = scan.id
    received = received_on or f.today
    if postmarked_on is not None and postmarked_on > received and "received_on" not in errors:
        errors["postmarked_on"] = [
            f"Het poststempel ligt niet na de ontvangst ({format_day(received)})."]
    costs = f.data.get("costs_requested", False)
    if not isinstance(costs, bool):
        errors["costs_requested"] = ["Geef true (vergoeding van de kosten van professionele "
                                     "rechtsbijstand gevraagd) of false."]
    if errors:
        raise ValidationFailed("Het bezwaar is niet volledig.", errors)
    if received_on is not None:
        f.audit_data.update(on_paper=True, received_on=received_on.isoformat(),
                            registered_by=f.actor.name)
    if postmarked_on is not None:
        f.audit_data["postmarked_on"] = postmarked_on.isoformat()
    if costs:
        f.audit_data["costs_requested"] = True


def _decided_on(application: Application) -> date:
    decision = common.latest_decision(application)
    return decision.at.astimezone(AMSTERDAM).date()


def _received_on(objection: Objection) -> date:
    return objection.received_on or objection.lodged_at.astimezone(AMSTERDAM).date()


def _decision_term_start(objection: Objection, application: Application) -> date:
    # Awb 7:10: six weeks from the end of the objection term; a late objection came in after
    # that end, so its six weeks run from its receipt (house rule, assumed).
    if objection.late:
        return _received_on(objection)
    return application.objection_due_on


def record_objection(f: Firing) -> None:
    """Record the objection with its receipt; one after the term is marked late (Awb 6:7),
    unless it was posted in time and came in within a week after the term (6:9)."""
    application = f.application
    decision = common.latest_decision(application)
    term_end = application.objection_due_on
    postmarked_on = f.audit_data.get("postmarked_on")
    postmarked_on = date.fromisoformat(postmarked_on) if postmarked_on else None
    received_on = f.audit_data.get("received_on")
    received_on = date.fromisoformat(received_on) if received_on else None
    extra = terms.days_off()
    late = not terms.objection_in_time(received_on or f.today, term_end, postmarked_on, extra)
    objection = Objection(
        application_id=application.id, against_event_id=decision.id, lodged_at=f.now,
        lodged_by_id=f.actor.id, reason=f.reason, late=late, postmarked_on=postmarked_on,
        on_paper=received_on is not None, received_on=received_on,
        letter_attachment_id=f.audit_data.get("letter_attachment"),
        costs_requested=bool(f.audit_data.get("costs_requested")))
    objection.decision_due_on = terms.term_after(
        _decision_term_start(objection, application),
        weeks=f.params["objection_decision_weeks"], extra=extra)
    db.session.add(objection)
    f.audit_data.update(against=decision.trigger,
                        decision_due_on=objection.decision_due_on.isoformat(), late=late)
    if late or (received_on or f.today) > term_end:
        f.audit_data["objection_term_ended_on"] = term_end.isoformat()


# -- the decision term --------------------------------------------------------------------------

def extension_possible(application: Application, user: User) -> bool:
    objection = common.pending_objection(application)
    return objection is not None and objection.extended_at is None


def not_extended_yet(f: Firing) -> None:
    objection = common.pending_objection(f.application)
    if objection is None:
        raise ValidationFailed("Er is geen openstaand bezwaar.", {"objection": [
            "Er is geen openstaand bezwaar."]})
    if objection.extended_at is not None:
        raise ValidationFailed("De beslistermijn is al verlengd.", {"objection": [
            f"De beslistermijn is al eens verlengd, tot en met "
            f"{format_day(objection.decision_due_on)}. Dat kan maar één keer."]})


def extend_decision_term(f: Firing) -> None:
    objection = common.pending_objection(f.application)
    before = objection.decision_due_on
    # Six weeks added to the term's own end, not to the day the Algemene termijnenwet moved it
    # to: the earlier (safe) reading of "at most six weeks".
    own_end = _decision_term_start(objection, f.application) + timedelta(
        weeks=f.params["objection_decision_weeks"])
    objection.decision_due_on = terms.term_after(own_end, weeks=EXTENSION_WEEKS,
                                                 extra=terms.days_off())
    objection.extended_at = f.now
    objection.extension_reason = f.reason
    f.audit_data.update(previous_due_on=before.isoformat(),
                        decision_due_on=objection.decision_due_on.isoformat())


# -- deciding ---------------------------------------------------------------------------------

def heard_objection(application: Application, now=None) -> bool:
    """An objection waits for a decision and its objector was heard, or the hearing waived
    (Awb 7:2, 7:3): only then can it be decided."""
    objection = common.pending_objection(application)
    return objection is not None and bool(objection.heard)


@precondition(heard_objection)
def objection_decision(f: Firing) -> None:
    """The outcome, who may give it (Awb 10:3), and what a late objection allows (6:11)."""
    objection = common.pending_objection(f.application)
    outcome = f.data.get("outcome")
    if outcome not in {o.value for o in O}:
        raise ValidationFailed("Kies de uitkomst.", {"outcome": [
            "De uitkomst is upheld (gegrond), rejected (ongegrond) of inadmissible "
            "(niet-ontvankelijk)."]})
    decision = common.latest_decision(f.application)
    if decision is not None and decision.actor_id == f.actor.id:
        raise Forbidden("U nam het besluit waartegen bezwaar is gemaakt en beslist dus niet "
                        "over het bezwaar.")
    excuse = str(f.data.get("lateness_excused") or "").strip()
    if excuse and not objection.late:
        raise ValidationFailed("Het bezwaar was op tijd.", {"lateness_excused": [
            "Het bezwaar kwam binnen de termijn binnen; er is geen termijnoverschrijding om "
            "te verschonen."]})
    if objection.late and not excuse and outcome != O.INADMISSIBLE.value:
        raise ValidationFailed("Het bezwaar is te laat ingediend.", {"outcome": [
            f"Het bezwaar kwam na de bezwaartermijn binnen, op "
            f"{format_day(_received_on(objection))}. Verklaar het niet-ontvankelijk, of leg vast "
            "waarom de termijnoverschrijding verschoonbaar is (artikel 6:11 Awb)."]})
    common.reason_required(f)
    hearing.heard_or_waived(objection, outcome)
    redress.authority_error_given(f)


def upheld(f: Firing) -> bool:
    return f.data.get("outcome") == O.UPHELD.value


def upheld_with_higher_amount(f: Firing) -> bool:
    return upheld(f) and f.data.get("amount") not in (None, "")


def higher_grant_amount(f: Firing) -> None:
    """The new grant replacing the old: above it, and never above what was requested."""
    amount = common.amount_from(f)
    granted = f.application.granted_cents or 0
    requested = f.application.requested_cents
    if amount is None or amount <= granted:
        raise ValidationFailed("Te laag bedrag.", {"amount": [
            f"Het nieuwe bedrag is hoger dan het verleende bedrag ({format_eur(granted)})."]})
    if amount > requested:
        raise ValidationFailed("Te hoog bedrag.", {"amount": [
            f"Er kan niet meer worden verleend dan is aangevraagd ({format_eur(requested)})."]})
    f.audit_data.update(amount_cents=amount, previous_cents=granted)


def decide(f: Firing) -> None:
    objection = common.pending_objection(f.application)
    objection.outcome = O(f.data["outcome"])
    objection.decided_at = f.now
    objection.decided_by_id = f.actor.id
    objection.decision_reason = f.reason
    excuse = str(f.data.get("lateness_excused") or "").strip()
    if excuse:
        objection.lateness_excused = excuse
        f.audit_data["lateness_excused"] = excuse
    # Appeal to the court (Awb 6:7, 8:1) within six weeks, as its letter says.
    appeal_due = terms.term_after(f.today, weeks=f.params["objection_term_weeks"],
                                  extra=terms.days_off())
    f.audit_data.update(outcome=objection.outcome.value, objection=objection.id,
                        appeal_due_on=appeal_due.isoformat())
    if objection.outcome == O.UPHELD:
        f.audit_data["revoked_event"] = objection.against_event_id
        redress.award_costs(f, objection)
        if objection.authority_error:
            f.audit_data["authority_error"] = True


def regrant(f: Firing) -> None:
    """The new grant in place of the revoked decision: its date and, later, its letter."""
    f.application.decided_at = f.now
    f.audit_data["new_decision"] = "grant"


def commit_increase(f: Firing) -> None:
    amount, previous = f.audit_data["amount_cents"], f.audit_data["previous_cents"]
    common._post(f, common._main_line(f), common.EntryKind.COMMIT, amount - previous)
    f.application.granted_cents = amount


def write_letters(f: Firing) -> None:
    from grants.decisions.outbox import record_decision

    objection = db.session.get(Objection, f.audit_data["objection"])
    record_decision(f, objection)


def _grant_deciding(decided_states, checks) -> list[Transition]:
    """A rejection becomes a grant (a scheme without grants puts its own step in its place),
    a grant a higher one, a settlement a higher settlement."""
    deciding = []
    if S.REJECTED in decided_states:
        deciding.append(transition(
            "decide_objection", S.REJECTED, S.APPROVED, R.APPROVER, condition=upheld,
            guards=[*checks, common.grant_amount],
            effects=[decide, common.granted, common.commit_grant, schedule_reports,
                     regrant, write_letters],
            available=common.objection_pending))
    raisable = tuple(s for s in (S.APPROVED, S.MONITORED) if s in decided_states)
    if raisable:
        deciding.append(transition(
            "decide_objection", raisable, None, R.APPROVER, condition=upheld_with_higher_amount,
            guards=[*checks, higher_grant_amount],
            effects=[decide, commit_increase, regrant, write_letters],
            available=common.objection_pending))
    if S.PAID in decided_states:
        # Praktijkleren, whose direct settlement is paid as a state of its own: settled again
        # (a paid one too), so the next payment run pays the difference.
        deciding.append(transition(
            "decide_objection", (S.SETTLED, S.PAID), S.SETTLED, R.APPROVER,
            condition=redress.upheld_against_settlement,
            guards=[*checks, redress.higher_direct_settlement],
            effects=[decide, redress.resettle_directly, write_letters],
            available=common.objection_pending))
    elif S.SETTLED in decided_states:
        deciding.append(transition(
            "decide_objection", S.SETTLED, S.SETTLED, R.APPROVER,
            condition=redress.upheld_against_settlement,
            guards=[*checks, redress.higher_settlement],
            effects=[decide, redress.resettle_grant, write_letters],
            available=common.objection_pending))
    return deciding


def transitions(decided_states: tuple[ApplicationState, ...]) -> list[Transition]:
    """Lodging, the hearing, extending and deciding; the first decide_objection whose
    condition holds runs."""
    checks = [common.has_pending_objection, objection_decision]
    deciding = _grant_deciding(decided_states, checks)
    return [
        transition("lodge_objection", decided_states, None,
                   (R.APPLICANT, R.ASSESSOR, R.APPROVER),
                   guards=[common.reason_required, may_object, paper_or_portal],
                   effects=[record_objection],
                   available=objection_possible),
        *hearing.hearing_transitions(decided_states),
        transition("extend_objection_term", decided_states, None, R.APPROVER,
                   guards=[not_extended_yet, common.reason_required],
                   effects=[extend_decision_term], available=extension_possible),
        *deciding,
        transition("decide_objection", decided_states, None, R.APPROVER,
                   guards=checks, effects=[decide, write_letters],
                   available=common.objection_pending),
    ]
