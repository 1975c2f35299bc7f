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

from collections.abc import Callable
from datetime import date, datetime

import sqlalchemy as sa

from grants.access import require_role
from grants.decisions.outbox import drafts_for
from grants.decisions.render import Letter, render_draft
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
from grants.services.applications import fire_trigger, get_application, locked_application
from grants.services.schemes import amend_ceiling
from grants.timefmt import AMSTERDAM, format_day
from grants.workflows import common, workflow_for
from grants.workflows.approvals import needs_approval
from grants.workflows.engine import Approval, Firing
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


PREVIEWED = ("approve", "reject")


def draft_letter(application_id: int, user: User, trigger: str, data: dict,
                 now: datetime) -> Letter:
    """The letter a grant (``approve``) or refusal (``reject``) would be issued with now, for
    the approver to read before signing: built and rendered by the same code as the letter of
    the decision, marked CONCEPT. Nothing is fired, stored or booked."""
    require_role(user, Role.APPROVER)
    application = get_application(application_id, user)
    if trigger not in PREVIEWED:
        raise NotFound()
    workflow = workflow_for(application.scheme.code)
    if not workflow.candidates(trigger, application.state):
        raise Conflict(f"Er valt nu niets te besluiten: {application.reference} heeft de "
                       f"status '{application.state_label}'.")
    rules = current_rules(application, workflow.default_rules)
    firing = Firing(application=application, trigger_name=trigger, actor=user,
                    data=dict(data), now=now, rules=rules, fields=workflow.fields,
                    state=application.state.value)
    if trigger == "approve":
        common.grant_amount(firing)  # the amount the letter states, checked as the grant is
    (draft, *_) = drafts_for(firing, objection_due=common.objection_term_end(
        firing.today, firing.params))
    return render_draft(draft.context)


def prepare_ceiling(line: BudgetLine, new_ceiling_cents: int, *, reason: str,
                    effective_on: date, actor: User, now: datetime) -> PreparedDecision:
    """An admin proposes a new ceiling for one line (see prepare_ceilings)."""
    (decision,) = prepare_ceilings({line: new_ceiling_cents}, reason=reason,
                                   effective_on=effective_on, actor=actor, now=now)
    return decision


def prepare_ceilings(ceilings: dict[BudgetLine, int], *, reason: str, effective_on: date,
                     actor: User, now: datetime,
                     field_of: Callable[[BudgetLine], str] = lambda line: "ceiling"
                     ) -> list[PreparedDecision]:
    """An admin proposes new ceilings for lines of one budget, to be approved together.

    The checks of the amendment itself run now, with all the proposed ceilings counted at once
    (moving money between a window's categories lowers one line and raises another), and again
    when a second admin approves them (by then the lines may have changed). Errors are filed
    under the field ``field_of`` names for each line (the form's field for its category).
    """
    require_role(actor, Role.ADMIN)
    fields: dict[str, list[str]] = {}
    if not (reason or "").strip():
        fields["reason"] = ["Geef de reden van de wijziging."]
    budgets = {line.budget_id for line in ceilings}
    if len(budgets) > 1:
        raise ValidationFailed("Plafonds van één budget worden samen gewijzigd.")
    # The line holds the ceiling in force now, which every decision is checked against: an
    # amendment is prepared on or after the day it takes effect, as it is recorded then.
    today = now.astimezone(AMSTERDAM).date()
    if effective_on > today:
        fields["effective_on"] = [
            f"De wijziging gaat pas in op {format_day(effective_on)}; tot die dag geldt het "
            f"huidige plafond. Leg haar vast op of na {format_day(effective_on)}."]
    for line, cents in ceilings.items():
        used = line.reserved_cents + line.committed_cents
        if cents < used:
            fields.setdefault(field_of(line), []).append(
                f"Er is al {format_eur(used)} gereserveerd of verplicht; het plafond kan niet "
                "lager worden.")
    if ceilings:
        budget = next(iter(ceilings)).budget
        proposed = sum(ceilings.get(line, line.ceiling_cents) for line in budget.lines)
        if proposed > budget.ceiling_cents:
            others = sum(line.ceiling_cents for line in budget.lines if line not in ceilings)
            together = " voor de gewijzigde regels samen" if len(ceilings) > 1 else ""
            for line, cents in ceilings.items():
                if cents > line.ceiling_cents:  # the raise that does not fit, not the cut
                    fields.setdefault(field_of(line), []).append(
                        f"De regels van {budget.name} komen dan samen boven het budget van "
                        f"{format_eur(budget.ceiling_cents)}; er is ruimte tot "
                        f"{format_eur(budget.ceiling_cents - others)}{together}.")
    if fields:
        raise ValidationFailed("Het plafond is niet gewijzigd.", fields)
    waiting = db.session.scalars(sa.select(PreparedDecision).where(
        PreparedDecision.line_id.in_([line.id for line in ceilings]),
        PreparedDecision.status == P.PREPARED).limit(1)).first()
    if waiting is not None:
        raise Conflict(f"Voor het plafond van {waiting.line.name} ligt al een wijziging ter "
                       f"goedkeuring (nummer {waiting.id}); keur die eerst goed of annuleer "
                       "haar.")
    decisions = [PreparedDecision(
        kind=K.CEILING, status=P.PREPARED, line_id=line.id, new_ceiling_cents=cents,
        effective_on=effective_on, reason=reason.strip(), data={}, prepared_at=now,
        prepared_by_id=actor.id, cancel_reason="") for line, cents in ceilings.items()]
    db.session.add_all(decisions)
    db.session.flush()
    if len(decisions) > 1:
        together = [decision.id for decision in decisions]
        for decision in decisions:
            decision.data = {"together": together}
        db.session.flush()
    return decisions


def _together(decision: PreparedDecision) -> list[int]:
    """The ids of the ceiling amendments prepared together with ``decision`` (itself too)."""
    return list((decision.data or {}).get("together") or [decision.id])


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
    # The preparer hears why, whatever their roles (409); anyone else needs the approving role.
    if decision.prepared_by_id == approver.id:
        _still_prepared(decision)
        raise Conflict("U heeft dit besluit voorbereid; een ander moet het goedkeuren "
                       "(vier ogen).")
    require_role(approver, APPROVING_ROLE[PreparedKind(decision.kind)])
    _still_prepared(decision)
    # Ceilings prepared together are approved together: each alone might not fit the budget.
    ids = _together(decision) if decision.kind == K.CEILING else [decision.id]
    taken = db.session.execute(
        sa.update(PreparedDecision)
        .where(PreparedDecision.id.in_(ids), PreparedDecision.status == P.PREPARED)
        .values(status=P.APPROVED, approved_at=now, approved_by_id=approver.id)
        .execution_options(synchronize_session=False)).rowcount
    if taken != len(ids):
        raise Conflict(f"Besluit {decision.id} is al goedgekeurd.")
    db.session.refresh(decision)
    if decision.kind == K.TRIGGER:
        _fire(decision, approver, now)
    else:
        group = list(db.session.scalars(sa.select(PreparedDecision).where(
            PreparedDecision.id.in_(ids)).execution_options(populate_existing=True)))
        # Lowering first, so that money moved between lines fits the budget at every step.
        for each in sorted(group, key=lambda d: (d.new_ceiling_cents - d.line.ceiling_cents,
                                                 d.id)):
            amendment = amend_ceiling(
                each.line, each.new_ceiling_cents, reason=each.reason,
                effective_on=each.effective_on, now=now, user=each.prepared_by)
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
    ids = _together(decision) if decision.kind == K.CEILING else [decision.id]
    db.session.execute(
        sa.update(PreparedDecision)
        .where(PreparedDecision.id.in_(ids), PreparedDecision.status == P.PREPARED)
        .values(status=P.CANCELLED, cancelled_at=now, cancelled_by_id=actor.id,
                cancel_reason=reason.strip())
        .execution_options(synchronize_session=False))
    db.session.refresh(decision)
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

