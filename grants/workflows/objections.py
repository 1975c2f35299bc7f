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
  letters. Upheld against any other decision, the new decision follows by its own trigger.
"""

from datetime import date, timedelta

import sqlalchemy as sa

from grants.errors import Forbidden, ValidationFailed
from grants.extensions import db
from grants.models import Application, ApplicationState, Objection, ObjectionOutcome, Role, User
from grants.money import format_eur
from grants.timefmt import AMSTERDAM, format_day
from grants.workflows import common, terms
from grants.workflows.engine import Firing, Transition, transition
from grants.workflows.reports import schedule_reports

S = ApplicationState
O = ObjectionOutcome  # noqa: E741
R = Role
# Awb 7:10 lid 3: the decision term may be extended once, by (at most) six weeks.
EXTENSION_WEEKS = 6


def _decided_objection_against(application: Application, event_id: int) -> Objection | None:
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


def postmark(f: Firing) -> None:
    """The postmark of a paper objection (Awb 6:9): a date, not after its receipt. Staff read
    it off the envelope; an applicant lodging online has none to give."""
    given = f.data.get("postmarked_on")
    if given in (None, ""):
        return
    if not f.actor.is_staff:
        raise ValidationFailed("Geen poststempel bij een bezwaar via het portaal.", {
            "postmarked_on": ["De datum van het poststempel legt een medewerker vast die een "
                              "bezwaarbrief registreert."]})
    try:
        day = date.fromisoformat(given)
    except (TypeError, ValueError):
        raise ValidationFailed("Ongeldige datum.", {"postmarked_on": [
            "Geef de datum van het poststempel als JJJJ-MM-DD."]}) from None
    if day > f.today:
        raise ValidationFailed("Ongeldige datum.", {"postmarked_on": [
            f"Het poststempel ligt niet na de ontvangst ({format_day(f.today)})."]})
    f.audit_data["postmarked_on"] = day.isoformat()


def _decision_term_start(objection: Objection, application: Application) -> date:
    # Awb 7:10: six weeks from the end of the objection term; a late objection came in after
    # that end, so its six weeks run from its receipt (house rule, assumed).
    if objection.late:
        return objection.lodged_at.astimezone(AMSTERDAM).date()
    return application.objection_due_on


def record_objection(f: Firing) -> None:
    """Record the objection with its receipt; one after the term is marked late (Awb 6:7),
    unless it was posted in time and came in within a week after the term (6:9)."""
    application = f.application
    decision = common.latest_decision(application)
    term_end = application.objection_due_on
    postmarked_on = f.audit_data.get("postmarked_on")
    postmarked_on = date.fromisoformat(postmarked_on) if postmarked_on else None
    extra = terms.days_off()
    late = not terms.objection_in_time(f.today, term_end, postmarked_on, extra)
    objection = Objection(
        application_id=application.id, against_event_id=decision.id, lodged_at=f.now,
        lodged_by_id=f.actor.id, reason=f.reason, late=late, postmarked_on=postmarked_on)
    objection.decision_due_on = terms.term_after(
        _decision_term_start(objection, application),
        weeks=f.params["objection_decision_weeks"], extra=extra)
    db.session.add(objection)
    f.audit_data.update(against=decision.trigger,
                        decision_due_on=objection.decision_due_on.isoformat(), late=late)
    if late or f.today > term_end:
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
            f"{format_day(objection.lodged_at)}. Verklaar het niet-ontvankelijk, of leg vast "
            "waarom de termijnoverschrijding verschoonbaar is (artikel 6:11 Awb)."]})
    common.reason_required(f)


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


def transitions(decided_states: tuple[ApplicationState, ...]) -> list[Transition]:
    """Lodging, extending and deciding; the first decide_objection whose condition holds runs."""
    checks = [common.has_pending_objection, objection_decision]
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
    return [
        transition("lodge_objection", decided_states, None, R.APPLICANT,
                   guards=[common.reason_required, may_object, postmark],
                   effects=[record_objection],
                   available=objection_possible),
        transition("extend_objection_term", decided_states, None, R.APPROVER,
                   guards=[not_extended_yet, common.reason_required],
                   effects=[extend_decision_term], available=extension_possible),
        *deciding,
        transition("decide_objection", decided_states, None, R.APPROVER,
                   guards=checks, effects=[decide, write_letters],
                   available=common.objection_pending),
    ]
