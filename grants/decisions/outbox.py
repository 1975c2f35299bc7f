"""The outbox: every decision writes its ``decisions`` row in the transaction that takes it.

``record_decision`` is called from the workflow's decision effects (grants.workflows.common).
It reads what the letter will say while everything is at hand and prepares the row; the row is
linked to the transition's audit event as soon as the engine adds that, and joins the letter job
of the transaction (one job for all decisions committed together, e.g. an allocation run).
Nothing is rendered here: after the commit ``letters_waiting`` tells the job queue (grants.jobs),
so the write lock is never held while a PDF is made.
"""

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from blinker import Namespace
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from grants.decisions import context as letters
from grants.decisions.committee import committee_part
from grants.decisions.grant_letter import grant_part
from grants.decisions.render import TEMPLATE_VERSION
from grants.extensions import db
from grants.models import (
    Application,
    AuditEvent,
    Decision,
    DecisionKind,
    Job,
    JobKind,
    JobStatus,
    Objection,
)
from grants.money import InvalidAmount, euros

K = DecisionKind
# Decisions waiting for their audit event, by application id and trigger.
PENDING = "grants.decisions.pending"
# The number of decisions each application has in this transaction, once counted: its next
# letter's reference follows it.
SEQUENCES = "grants.decisions.sequences"
# Applications counted per query (SQLite allows 32,766 parameters a statement).
CHUNK = 500
JOB = "grants.decisions.job"  # the letter job of the session's transaction
LABEL = "grants.decisions.label"
LETTERS = "grants.decisions.letters"  # how many letters the transaction's job holds
# Sent after the commit that made a letter job; the job queue (a layer above) listens.
letters_waiting = Namespace().signal("letters-waiting")

KIND_OF_TRIGGER = {
    "approve": K.GRANT,
    "reject": K.REJECTION,
    "close_unprocessed": K.NOT_PROCESSED,
    "decide_objection": K.OBJECTION,
    "adjust_grant": K.AMENDMENT,
    "extend_decision_term": K.POSTPONEMENT,
}


def label_letters(label: str) -> None:
    """Name the letter job of the current transaction (e.g. "Toekenningsronde T2")."""
    db.session.info[LABEL] = label
    job = db.session.info.get(JOB)
    if job is not None:
        job.label = label[:200]


def _next_sequence(application: Application, session: Session) -> int:
    known = session.info.get(SEQUENCES, {})
    if application.id in known:
        return known[application.id] + 1
    stored = session.scalar(sa.select(sa.func.count(Decision.id))
                            .where(Decision.application_id == application.id)) or 0
    waiting = sum(len(items) for (application_id, _trigger), items
                  in session.info.get(PENDING, {}).items() if application_id == application.id)
    return stored + waiting + 1


def know_sequences(application_ids: Iterable[int]) -> None:
    """Count the decisions of many applications at once, for the letters' references of the
    decisions about to be taken on them together (an allocation run's): one query, not one per
    decision."""
    session = db.session()
    known = session.info.setdefault(SEQUENCES, {})
    wanted = [i for i in dict.fromkeys(application_ids) if i not in known]
    # Decisions recorded in this transaction and not yet written count too.
    waiting: dict[int, int] = {}
    for (application_id, _trigger), items in session.info.get(PENDING, {}).items():
        waiting[application_id] = waiting.get(application_id, 0) + len(items)
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start:start + CHUNK]
        counted = dict(session.execute(
            sa.select(Decision.application_id, sa.func.count(Decision.id))
            .where(Decision.application_id.in_(chunk)).group_by(Decision.application_id)).all())
        for application_id in chunk:
            known[application_id] = counted.get(application_id, 0) + waiting.get(application_id, 0)


def _rates(given) -> dict[str, int] | None:
    """The rates per category an allocation run may pass (``{"mbo": "2216.70"}``)."""
    if not isinstance(given, dict):
        return None
    try:
        return {str(category): euros(value) for category, value in given.items()}
    except InvalidAmount:
        return None


def drafts_for(f, objection: Objection | None = None,
               objection_due: date | None = None) -> list[letters.Draft]:
    """The decisions (one, or two for a settlement that recovers money) a firing takes.

    ``objection_due``: for a draft letter of a decision not taken yet, the objection term it
    would state (a decision taken has set it on the application)."""
    application = f.application
    params = f.params
    # The letter is signed by whoever took the decision: the actor of its audit event.
    actor, function = f.actor.name, f.actor.job_title
    due = objection_due or application.objection_due_on
    sequence = _next_sequence(application, db.session)

    def reference(offset: int = 0) -> str:
        return f"{application.reference}/{sequence + offset}"

    def base(kind: DecisionKind, ref: str) -> dict:
        return letters.base_context(kind, application, ref, f.today, params, actor, due,
                                    function)

    trigger = f.trigger_name
    if trigger == "settle" and application.scheme.code == "praktijkleren":
        amount = f.audit_data["amount_cents"]
        context = base(K.DIRECT_SETTLEMENT, reference())
        context.update(amount=letters.format_eur(amount), reason=f.reason,
                       places=letters.places_part(application, f.audit_data["amounts_cents"],
                                                  params, _rates(f.data.get("rates")),
                                                  f.fields.fractions_of(f)))
        return [letters.Draft(K.DIRECT_SETTLEMENT, amount, context)]

    if trigger == "settle":
        from grants.budget.ledger import application_balance

        final = f.audit_data["amount_cents"]
        recovered = f.audit_data.get("recovered_cents", 0)
        # settle_grant has booked the recovery already: what was paid before it is added back.
        paid_before = int(application_balance(application.id).paid) + int(recovered)
        granted = application.granted_cents or 0
        settlement_ref = reference()
        recovery_ref = reference(1) if recovered else None
        context = base(K.SETTLEMENT, settlement_ref)
        context.update(amount=letters.format_eur(final), reason=f.reason,
                       settlement=letters.settlement_part(granted, paid_before, final,
                                                          recovery_ref, params))
        drafts = [letters.Draft(K.SETTLEMENT, final, context)]
        if recovered:
            recovery = base(K.RECOVERY, recovery_ref)
            recovery.update(amount=letters.format_eur(recovered),
                            recovery=letters.recovery_part(paid_before, final, settlement_ref,
                                                           f.today, params))
            drafts.append(letters.Draft(K.RECOVERY, recovered, recovery))
        return drafts

    kind = KIND_OF_TRIGGER[trigger]
    context = base(kind, reference())
    context["reason"] = f.reason
    amount = None
    # RIF decisions rest on the committee's advice (Awb 3:49): its scores, rank and cut-off.
    committee = committee_part(application, params, f.allocation) \
        if kind in (K.GRANT, K.REJECTION) and application.scheme.code == "rif" else None
    if committee is not None:
        context["committee"] = committee
        if kind == K.GRANT:
            context["regulation_articles"] += [
                *letters.regulation_articles(application.scheme, "committee"),
                *letters.regulation_articles(application.scheme, "ranking")]
    if kind == K.GRANT:
        amount = f.audit_data["amount_cents"]
        context.update(amount=letters.format_eur(amount),
                       grant=grant_part(application, amount, params, f.today))
    elif kind == K.REJECTION:
        context["rejection"] = letters.rejection_part(application, f.data, f.reason, committee)
        context["regulation_articles"], context["articles"] = letters.refusal_articles(
            application, context["rejection"]["ground"])
    elif kind == K.NOT_PROCESSED:
        context["not_processed"] = letters.not_processed_part(application)
    elif kind == K.AMENDMENT:
        amount = f.audit_data["amount_cents"]
        context.update(amount=letters.format_eur(amount), amendment=letters.amendment_part(
            f.audit_data["previous_cents"], amount, _paid(application),
            f.audit_data["advice"] == "end", params))
    elif kind == K.POSTPONEMENT:
        # A notice, not a decision: no objection lies against it.
        context.update(notice=True, postponement=letters.postponement_part(
            date.fromisoformat(f.audit_data["previous_due_on"]), application.decision_due_on))
    elif kind == K.OBJECTION:
        part, amount = letters.objection_part(objection)
        # The workflow counted the term for appeal (the Algemene termijnenwet included).
        appeal_due = letters.format_day(date.fromisoformat(f.audit_data["appeal_due_on"]))
        new_grant = _new_decision_draft(f, base, reference(1), context["reference"], appeal_due)
        if new_grant is not None:
            part["new_decision"] = letters.new_decision_part(new_grant)
        # The letter names the decision objected to; its term runs from this decision.
        context.update(objection={**part, "due": appeal_due},
                       reason=objection.decision_reason,
                       amount=letters.format_eur(amount) if amount is not None else None)
        return [letters.Draft(kind, amount, context), *([new_grant] if new_grant else [])]
    return [letters.Draft(kind, amount, context)]


def _new_grant_draft(f, base, ref: str, objection_ref: str, appeal_due: str) -> letters.Draft:
    """The grant that replaces a revoked decision (Awb 7:11); appealed, not objected to."""
    amount = f.audit_data["amount_cents"]
    context = base(K.GRANT, ref)
    context.update(amount=letters.format_eur(amount), reason=f.reason,
                   grant=grant_part(f.application, amount, f.params, f.today),
                   objection={"due": appeal_due},
                   on_objection={"reference": objection_ref})
    return letters.Draft(K.GRANT, amount, context)


def _new_decision_draft(f, base, ref: str, objection_ref: str,
                        appeal_due: str) -> letters.Draft | None:
    """The decision an upheld objection takes in place of the revoked one (Awb 7:11): a grant,
    a settlement or a praktijkleren direct settlement, each in a letter of its own."""
    new_decision = f.audit_data.get("new_decision")
    if new_decision == "grant":
        return _new_grant_draft(f, base, ref, objection_ref, appeal_due)
    if new_decision not in ("settlement", "direct_settlement"):
        return None
    amount = f.audit_data["amount_cents"]
    kind = K.SETTLEMENT if new_decision == "settlement" else K.DIRECT_SETTLEMENT
    context = base(kind, ref)
    context.update(amount=letters.format_eur(amount), reason=f.reason,
                   objection={"due": appeal_due}, on_objection={"reference": objection_ref})
    paid = _paid(f.application)
    if kind == K.SETTLEMENT:
        context["settlement"] = letters.settlement_part(
            f.application.granted_cents or 0, paid, amount, None, f.params)
    else:
        context["places"] = letters.places_part(f.application, f.audit_data["amounts_cents"],
                                                f.params, None, f.fields.fractions_of(f))
        context["resettlement"] = letters.resettlement_part(
            f.audit_data["previous_cents"], paid, amount)
    return letters.Draft(kind, amount, context)


def _paid(application: Application) -> int:
    from grants.budget.ledger import application_balance

    return int(application_balance(application.id).paid)


def record_decision(f, objection: Objection | None = None) -> None:
    """Prepare the decision rows of this firing; they are added with its audit event.

    ``f`` is the engine's Firing; ``objection`` the objection decided (for decide_objection).
    """
    # Reading what the letter says must not flush the firing half-way (the version column).
    with db.session.no_autoflush:
        drafts = drafts_for(f, objection)
    waiting = db.session.info.setdefault(PENDING, {}).setdefault(
        (f.application.id, f.trigger_name), [])
    for draft in drafts:
        waiting.append(Decision(
            application_id=f.application.id, kind=draft.kind,
            reference=draft.context["reference"], decided_on=f.today,
            amount_cents=draft.amount_cents, context=draft.context,
            template_version=TEMPLATE_VERSION, created_at=f.now))
    known = db.session.info.get(SEQUENCES)
    if known is not None and f.application.id in known:
        known[f.application.id] += len(drafts)


def _job(session: Session, now) -> Job:
    job = session.info.get(JOB)
    if job is None:
        job = Job(kind=JobKind.LETTERS, status=JobStatus.QUEUED, created_at=now, runs=0,
                  label=session.info.get(LABEL, "Besluitbrieven")[:200], worker="")
        session.info[JOB] = job
    return job


@event.listens_for(Session, "before_flush")
def _link_to_audit_events(session: Session, _context, _instances) -> None:
    pending = session.info.get(PENDING)
    if not pending:
        return
    for item in list(session.new):
        if not isinstance(item, AuditEvent):
            continue
        for decision in pending.pop((item.application_id, item.trigger), ()):
            decision.audit_event = item
            decision.job = _job(session, item.at)
            session.info[LETTERS] = session.info.get(LETTERS, 0) + 1
            session.add(decision)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:
    # Decisions still waiting belonged to a firing that failed; a job whose rows were rolled
    # back is gone with them (a later decision in the transaction starts a new one).
    session.info.pop(PENDING, None)
    # Counted again when next needed: decisions rolled back with a savepoint count no more.
    session.info.pop(SEQUENCES, None)
    job = session.info.get(JOB)
    if job is not None and sa.inspect(job).transient:
        session.info.pop(JOB, None)
    if previous_transaction.parent is None:
        session.info.pop(JOB, None)
        session.info.pop(LABEL, None)
        session.info.pop(LETTERS, None)


@event.listens_for(Session, "after_commit")
def _enqueue(session: Session) -> None:
    if session.in_nested_transaction():
        return  # only a savepoint was released: the decisions are not committed yet
    session.info.pop(PENDING, None)
    session.info.pop(SEQUENCES, None)
    session.info.pop(LABEL, None)
    job = session.info.pop(JOB, None)
    # A savepoint rolled back may have taken some of these letters with it: a count too high
    # only puts a copy too many on the queue, which finds nothing to do.
    letters = session.info.pop(LETTERS, 0)
    if job is None:
        return
    identity = sa.inspect(job).identity
    if identity is None:
        return
    # After the commit: the job and its rows are there for whoever takes it from the queue.
    letters_waiting.send(current_app._get_current_object(), job_id=identity[0],
                         letters=letters)
