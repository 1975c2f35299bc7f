"""Four eyes on every money decision (domain.md §4): one person prepares, another approves.

A settlement (``settle``, by an assessor) or a recovery (``recover``, by finance) of a sector
plan or RIF grant is prepared with its data and checked at once (role, state, the trigger's
guards) but fires only when a different user with the approver role approves it; the approver
then fires it, and the audit row names both. A ceiling amendment, prepared by an admin with its
date and reason, changes the ledger's ceiling only when a second admin approves it: ceilings
are the admin's pages, and a second admin is the person who can judge one (approvers do not
reach the admin pages). Allocation runs keep their own status (grants.allocation.approval);
payment runs may use this table's pattern too.

Approving twice at once: the row is locked and moved from prepared to approved with a
conditional update, so exactly one approval takes effect; the other gets 409.
"""

from datetime import date, datetime

import sqlalchemy as sa

from grants.access import require_role
from grants.errors import Conflict, Forbidden, NotFound, ValidationFailed
from grants.extensions import db
from grants.models import (
    Application,
    BudgetLine,
    PreparedDecision,
    PreparedKind,
    PreparedStatus,
    Role,
    User,
)
from grants.money import format_eur
from grants.services.applications import fire_trigger, locked_application
from grants.services.schemes import amend_ceiling
from grants.workflows import workflow_for
from grants.workflows.approvals import needs_approval
from grants.workflows.engine import Approval
from grants.workflows.rules import current_rules

K, P = PreparedKind, PreparedStatus
# Who approves what an other person prepared.
APPROVING_ROLE = {K.TRIGGER: Role.APPROVER, K.CEILING: Role.ADMIN}


def is_prepared_trigger(application: Application, trigger: str) -> bool:
    """Whether ``trigger`` on this application is prepared by one and approved by another."""
    return needs_approval(workflow_for(application.scheme.code).transitions, trigger)


def prepare_trigger(application_id: int, trigger: str, actor: User, data: dict, now: datetime,
                    expected_version: int | None = None) -> PreparedDecision:
    application = locked_application(application_id, actor, expected_version)
    if not is_prepared_trigger(application, trigger):
        raise NotFound(f"De handeling '{trigger}' wordt niet ter goedkeuring voorgelegd.")
    workflow = workflow_for(application.scheme.code)
    rules = current_rules(application, workflow.default_rules)
    workflow.check(application, trigger, actor, data, now, rules, Approval(0, actor))
    waiting = db.session.scalar(sa.select(PreparedDecision.id).where(
        PreparedDecision.application_id == application.id,
        PreparedDecision.status == P.PREPARED).limit(1))
    if waiting is not None:
        raise Conflict(f"Voor {application.reference} ligt al een besluit ter goedkeuring "
                       f"(nummer {waiting}); keur dat eerst goed of annuleer het.")
    decision = PreparedDecision(
        kind=K.TRIGGER, status=P.PREPARED, application_id=application.id, trigger=trigger,
        data=dict(data), application_version=application.version,
        reason=str(data.get("reason") or "").strip(), prepared_at=now,
        prepared_by_id=actor.id, cancel_reason="")
    db.session.add(decision)
    db.session.flush()
    return decision


def prepare_ceiling(line: BudgetLine, new_ceiling_cents: int, *, reason: str,
                    effective_on: date, actor: User, now: datetime) -> PreparedDecision:
    """An admin proposes a new ceiling; the same checks as the amendment itself run now and
    again when a second admin approves it (by then the line may have changed)."""
    require_role(actor, Role.ADMIN)
    fields: dict[str, list[str]] = {}
    if not (reason or "").strip():
        fields["reason"] = ["Geef de reden van de wijziging."]
    used = line.reserved_cents + line.committed_cents
    if new_ceiling_cents < used:
        fields["ceiling"] = [f"Er is al {format_eur(used)} gereserveerd of verplicht; het plafond "
                             "kan niet lager worden."]
    others = sum(other.ceiling_cents for other in line.budget.lines if other.id != line.id)
    if others + new_ceiling_cents > line.budget.ceiling_cents:
        fields["ceiling"] = [
            f"De regels van {line.budget.name} komen dan samen boven het budget van "
            f"{format_eur(line.budget.ceiling_cents)}; er is ruimte tot "
            f"{format_eur(line.budget.ceiling_cents - others)}."]
    if fields:
        raise ValidationFailed("Het plafond is niet gewijzigd.", fields)
    waiting = db.session.scalar(sa.select(PreparedDecision.id).where(
        PreparedDecision.line_id == line.id, PreparedDecision.status == P.PREPARED).limit(1))
    if waiting is not None:
        raise Conflict(f"Voor het plafond van {line.name} ligt al een wijziging ter goedkeuring "
                       f"(nummer {waiting}); keur die eerst goed of annuleer haar.")
    decision = PreparedDecision(
        kind=K.CEILING, status=P.PREPARED, line_id=line.id,
        new_ceiling_cents=new_ceiling_cents, effective_on=effective_on, reason=reason.strip(),
        data={}, prepared_at=now, prepared_by_id=actor.id, cancel_reason="")
    db.session.add(decision)
    db.session.flush()
    return decision


def _locked(decision_id: int) -> PreparedDecision:
    decision = db.session.scalars(
        sa.select(PreparedDecision).where(PreparedDecision.id == decision_id)
        .with_for_update().execution_options(populate_existing=True)).one_or_none()
    if decision is None:
        raise NotFound("Dit voorgelegde besluit bestaat niet.")
    return decision


def _still_prepared(decision: PreparedDecision) -> None:
    if decision.status == P.APPROVED:
        raise Conflict(f"Besluit {decision.id} is al goedgekeurd.")
    if decision.status == P.CANCELLED:
        raise Conflict(f"Besluit {decision.id} is geannuleerd.")


def get_decision(decision_id: int, user: User) -> PreparedDecision:
    decision = db.session.get(PreparedDecision, decision_id)
    if decision is None or not user.has_role(APPROVING_ROLE[PreparedKind(decision.kind)]) \
            and decision.prepared_by_id != user.id:
        raise NotFound("Dit voorgelegde besluit bestaat niet.")
    return decision


def approve(decision_id: int, approver: User, now: datetime) -> PreparedDecision:
    decision = _locked(decision_id)
    require_role(approver, APPROVING_ROLE[PreparedKind(decision.kind)])
    _still_prepared(decision)
    if decision.prepared_by_id == approver.id:
        raise Conflict("U heeft dit besluit voorbereid; een ander moet het goedkeuren "
                       "(vier ogen).")
    taken = db.session.execute(
        sa.update(PreparedDecision)
        .where(PreparedDecision.id == decision.id, PreparedDecision.status == P.PREPARED)
        .values(status=P.APPROVED, approved_at=now, approved_by_id=approver.id)
        .execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        raise Conflict(f"Besluit {decision.id} is al goedgekeurd.")
    db.session.refresh(decision)
    if decision.kind == K.TRIGGER:
        _fire(decision, approver, now)
    else:
        amendment = amend_ceiling(
            decision.line, decision.new_ceiling_cents, reason=decision.reason,
            effective_on=decision.effective_on, now=now, user=decision.prepared_by)
        amendment.approved_by_id = approver.id
    db.session.flush()
    return decision


def _fire(decision: PreparedDecision, approver: User, now: datetime) -> None:
    application = locked_application(decision.application_id, approver)
    if application.version != decision.application_version:
        raise Conflict(f"{application.reference} is veranderd sinds het besluit is voorbereid; "
                       f"annuleer het en laat een nieuw besluit voorbereiden.")
    fire_trigger(application.id, decision.trigger, approver, dict(decision.data), now,
                 approval=Approval(decision.id, decision.prepared_by))


def cancel(decision_id: int, actor: User, now: datetime, reason: str) -> PreparedDecision:
    """The preparer or someone who may approve withdraws a prepared decision, with a reason."""
    decision = _locked(decision_id)
    if decision.prepared_by_id != actor.id \
            and not actor.has_role(APPROVING_ROLE[PreparedKind(decision.kind)]):
        raise Forbidden()
    _still_prepared(decision)
    if not (reason or "").strip():
        raise ValidationFailed("Geef de reden van de annulering.", {"reason": [
            "Geef de reden van de annulering."]})
    decision.status = P.CANCELLED
    decision.cancelled_at, decision.cancelled_by_id = now, actor.id
    decision.cancel_reason = reason.strip()
    db.session.flush()
    return decision


def pending(user: User, kind: PreparedKind | None = None) -> list[PreparedDecision]:
    """Prepared decisions waiting for ``user``'s approval (by role), oldest first."""
    kinds = [k for k, role in APPROVING_ROLE.items() if user.has_role(role)
             and (kind is None or k == kind)]
    if not kinds:
        return []
    return list(db.session.scalars(sa.select(PreparedDecision).where(
        PreparedDecision.status == P.PREPARED, PreparedDecision.kind.in_(kinds))
        .order_by(PreparedDecision.prepared_at, PreparedDecision.id)))


def pending_for_lines(line_ids: list[int]) -> list[PreparedDecision]:
    return list(db.session.scalars(sa.select(PreparedDecision).where(
        PreparedDecision.status == P.PREPARED, PreparedDecision.line_id.in_(line_ids))
        .order_by(PreparedDecision.id)))

