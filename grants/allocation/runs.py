"""Allocation runs: gather a window's eligible applications, divide, preview or commit.

A preview (dry run) only reads. A committed run is stored with its inputs, seed, rates and
results as *prepared*: it decides nothing until a second person, an approver, approves it (four
eyes on every money decision, domain.md §4). Then every decision it takes is fired through the
workflow engine and the ledger with the approver as actor, all in the caller's one transaction:
a run takes effect completely or not at all.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

import sqlalchemy as sa

from grants.access import require_role
from grants.allocation import methods
from grants.budget.ledger import application_balance
from grants.errors import Conflict, NotFound, ValidationFailed
from grants.extensions import db
from grants.i18n import N_
from grants.models import (
    AllocationResult,
    AllocationRun,
    Application,
    ApplicationState,
    Assessment,
    BudgetLine,
    Recommendation,
    Role,
    RunStatus,
    User,
    Window,
)
from grants.money import format_eur
from grants.services.schemes import amend_ceiling, get_window
from grants.timefmt import AMSTERDAM, format_day
from grants.workflows import workflow_for
from grants.workflows.common import pending_objection
from grants.workflows.rules import current_rules

S = ApplicationState
METHODS = {"sectorplan": "first_come_first_served", "praktijkleren": "pro_rata",
           "rif": "ranked"}
# How the letters and audit reasons name each way of dividing (never its code, nor the seed).
METHOD_NAMES = {
    "first_come_first_served": N_("op volgorde van volledigheid"),
    "pro_rata": N_("naar rato van de gerealiseerde plaatsen, met één tarief per categorie"),
    "ranked": N_("op volgorde van de rangschikking van de beoordelingscommissie"),
}
# Divided once, finally: the praktijkleren run is the direct settlement of the study year, and
# the RIF run grants from the period's one ranking. Sector plans may be divided again as later
# applications become complete.
FINAL_RUN = frozenset({"pro_rata", "ranked"})
# Before a final run every application of the window is assessed or decided: the praktijkleren
# places checked (one rate for all), the RIF ranking complete.
UNDECIDED = (S.SUBMITTED, S.INCOMPLETE, S.IN_ASSESSMENT)


@dataclass(frozen=True)
class RunOutcome:
    window: Window
    method: str
    seed: str
    available: dict[str, int]  # per line code ("" for a window's single line) or category
    candidates: list[methods.Candidate]
    allocation: methods.Allocation
    run: AllocationRun | None = None

    @property
    def dry_run(self) -> bool:
        return self.run is None


def _applications(window: Window, state: ApplicationState) -> list[Application]:
    return list(db.session.scalars(
        sa.select(Application).where(Application.window_id == window.id,
                                     Application.state == state)
        .order_by(Application.id)))


def _sector_plan_candidates(window: Window) -> list[methods.Candidate]:
    """Complete applications whose assessment is positive, with when they became complete."""
    candidates = []
    for application in _applications(window, S.ASSESSED):
        recommendations = set(db.session.scalars(sa.select(Assessment.recommendation).where(
            Assessment.application_id == application.id)))
        if recommendations != {Recommendation.POSITIVE}:
            continue  # a negative advice is decided on by an approver, not by the run
        complete_at = application.complete_at or application.submitted_at
        candidates.append(methods.Candidate(
            application.id, application.reference, requested=application.requested_cents,
            complete_at=complete_at, complete_on=complete_at.astimezone(AMSTERDAM).date()))
    return candidates


def _rif_candidates(window: Window) -> list[methods.Candidate]:
    candidates = []
    for application in _applications(window, S.ASSESSED):
        sheets = list(db.session.scalars(sa.select(Assessment.scores).where(
            Assessment.application_id == application.id)))
        scores = [value for sheet in sheets for value in sheet.values()]
        candidates.append(methods.Candidate(
            application.id, application.reference, requested=application.requested_cents,
            score_total=Fraction(sum(scores), len(sheets)) if sheets else Fraction(0),
            score_average=Fraction(sum(scores), len(scores)) if scores else None))
    return candidates


def _praktijkleren_candidates(window: Window) -> list[methods.Candidate]:
    fields = workflow_for("praktijkleren").fields
    candidates = []
    for application in _applications(window, S.VALIDATED):
        params = current_rules(application, fields.DEFAULT_RULES)["rules"]
        candidates.append(methods.Candidate(
            application.id, application.reference, requested=application.requested_cents,
            fractions={category: fraction for category, fraction
                       in fields.fractions(application.details or {}, params).items()
                       if fraction},
            late=application.submitted_at > window.closes_at))
    return candidates


def _held_reservations(candidates, line_id: int) -> int:
    # Candidates' own reservations are turned into their commitment, so they count as room.
    return sum(application_balance(c.application_id, line_id).reserved for c in candidates)


def _parse_override(value, field: str) -> int:
    from grants.money import InvalidAmount, euros

    try:
        cents = euros(value)
    except InvalidAmount:
        raise ValidationFailed("Ongeldig plafond.", {field: [
            "Een bedrag in euro's als \"24000000.00\"."]}) from None
    if cents < 0:
        raise ValidationFailed("Ongeldig plafond.", {field: ["Niet negatief."]})
    return cents


def compute(window: Window, *, seed: str, ceiling: str | None = None,
            categories: list[dict] | None = None) -> RunOutcome:
    """The run as it would come out now, optionally with a what-if ceiling. Reads only."""
    scheme = window.scheme.code
    method = METHODS[scheme]
    if scheme == "praktijkleren":
        candidates = _praktijkleren_candidates(window)
        overrides = {}
        for index, item in enumerate(categories or []):
            code = str(item.get("code")) if isinstance(item, dict) else None
            if code not in {line.category.value for line in window.categories}:
                raise ValidationFailed("Onbekende categorie.", {
                    f"categories[{index}].code": ["vmbo, mbo, hbo of promovendus."]})
            overrides[code] = _parse_override(item.get("ceiling"), f"categories[{index}].ceiling")
        available = {
            line.category.value: overrides.get(line.category.value, line.ceiling_cents)
            - line.committed_cents - line.reserved_cents
            for line in window.categories}
        if any(amount < 0 for amount in available.values()):
            raise ValidationFailed("Het plafond is lager dan wat al verplicht is.", {
                "categories": ["Kies een plafond van minstens het verplichte bedrag."]})
        cap = workflow_for(scheme).fields.DEFAULT_RULES["rate_cap_cents"]
        if window.scheme.rules.get("rate_cap_cents") is not None:
            cap = window.scheme.rules["rate_cap_cents"]
        allocation = methods.pro_rata(candidates, available, cap)
    else:
        line = window.line_for(None)
        candidates = (_sector_plan_candidates(window) if scheme == "sectorplan"
                      else _rif_candidates(window))
        line_ceiling = _parse_override(ceiling, "ceiling") if ceiling is not None \
            else line.ceiling_cents
        room = (line_ceiling - line.committed_cents - line.reserved_cents
                + _held_reservations(candidates, line.id))
        if room < 0:
            raise ValidationFailed("Het plafond is lager dan wat al verplicht is.", {
                "ceiling": [f"Er is al {format_eur(line.committed_cents)} verplicht."]})
        available = {line.code: room}
        if scheme == "sectorplan":
            allocation = methods.first_come_first_served(candidates, room, seed)
        else:
            sufficient = Fraction(str(window.scheme.rules.get(
                "sufficient_average",
                workflow_for("rif").fields.DEFAULT_RULES["sufficient_average"])))
            allocation = methods.ranked(candidates, room, sufficient, seed)
    return RunOutcome(window, method, seed, available, candidates, allocation)


def _inputs(candidates: list[methods.Candidate]) -> list[dict]:
    return [{
        "application": c.application_id, "reference": c.reference, "requested_cents": c.requested,
        "complete_at": c.complete_at.isoformat() if c.complete_at else None,
        "fractions": {k: str(v) for k, v in c.fractions.items()}, "late": c.late,
        "score_total": str(c.score_total) if c.score_total is not None else None,
        "score_average": str(c.score_average) if c.score_average is not None else None,
    } for c in candidates]


def run_allocation(scheme_code: str, window_code: str, actor: User, now: datetime, *,
                   dry_run: bool = True, ceiling: str | None = None,
                   categories: list[dict] | None = None, seed: str | None = None) -> RunOutcome:
    """A preview (``dry_run``), or a run prepared for approval: stored with its results, it
    decides nothing until an approver approves it (approve_run)."""
    require_role(actor, Role.FINANCE)
    window = get_window(scheme_code, window_code)
    if not dry_run and (ceiling is not None or categories):
        raise ValidationFailed("Een ander plafond kan alleen in een proefberekening.", {
            "dry_run": ["Wijzig eerst het plafond zelf als u met een ander plafond wilt "
                        "verdelen."]})
    if not dry_run and now <= window.closes_at:
        raise ValidationFailed("Het tijdvak is nog open.", {"window": [
            f"Verdelen kan na de sluiting op {format_day(window.closes_at)}."]})
    if not dry_run:
        lock_lines(window)
    outcome = compute(window, seed=seed or secrets.token_hex(8), ceiling=ceiling,
                      categories=categories)
    if dry_run:
        return outcome
    _may_prepare(window, outcome.method)
    if not outcome.candidates:
        raise NotFound("Er zijn geen aanvragen om te verdelen in dit tijdvak.")
    return _prepare(outcome, actor, now)


def lock_lines(window: Window) -> None:
    """Take the window's budget lines' row locks: preparing and approving a run, and decisions
    by hand on the same window, happen one after the other and each sees the others' commits."""
    db.session.scalars(sa.select(BudgetLine.id).where(BudgetLine.window_id == window.id)
                       .order_by(BudgetLine.id).with_for_update()).all()
    for line in window.lines:
        db.session.refresh(line)


def _may_prepare(window: Window, method: str) -> None:
    # A prepared run counts as the window's run until it is cancelled.
    waiting = db.session.scalar(sa.select(AllocationRun.id).where(
        AllocationRun.window_id == window.id, AllocationRun.status == RunStatus.PREPARED)
        .limit(1))
    if waiting is not None:
        raise Conflict(f"Verdeling {waiting} van {window.name} wacht op goedkeuring; keur die "
                       f"eerst goed of annuleer haar.")
    if method in FINAL_RUN:
        earlier = db.session.scalar(sa.select(AllocationRun.id).where(
            AllocationRun.window_id == window.id,
            AllocationRun.status != RunStatus.CANCELLED).limit(1))
        if earlier is not None:
            raise Conflict(f"{window.name} is al verdeeld (verdeling {earlier}); een tijdvak "
                           f"van deze regeling wordt één keer definitief verdeeld.")
        all_decided(window)


def all_decided(window: Window) -> None:
    open_ones = list(db.session.scalars(
        sa.select(Application.reference).where(Application.window_id == window.id,
                                               Application.state.in_(UNDECIDED))
        .order_by(Application.reference)))
    if open_ones:
        listed = ", ".join(open_ones[:20]) + (" …" if len(open_ones) > 20 else "")
        raise ValidationFailed("Nog niet alle aanvragen zijn beoordeeld.", {"window": [
            f"De verdeling komt pas als elke aanvraag van {window.name} is beoordeeld of "
            f"er is over beslist (afgewezen, buiten behandeling of ingetrokken). Nog open "
            f"({len(open_ones)}): {listed}."]})


def _prepare(outcome: RunOutcome, actor: User, now: datetime) -> RunOutcome:
    allocation, window = outcome.allocation, outcome.window
    run = AllocationRun(
        scheme_id=window.scheme_id, window_id=window.id, method=outcome.method,
        lottery_seed=outcome.seed, available=outcome.available,
        inputs=_inputs(outcome.candidates),
        rates={k: f"{v.numerator}/{v.denominator}" for k, v in allocation.rates.items()},
        lottery=allocation.lottery, created_at=now, created_by_id=actor.id,
        status=RunStatus.PREPARED, cancel_reason="")
    db.session.add(run)
    db.session.flush()
    for result in allocation.results:
        db.session.add(AllocationResult(
            run_id=run.id, application_id=result.application_id, rank=result.rank,
            outcome=result.outcome, amount_cents=result.amount, amounts=result.amounts,
            reason=result.reason, lottery_position=result.lottery_position))
    db.session.flush()
    return RunOutcome(window, outcome.method, outcome.seed, outcome.available,
                      outcome.candidates, allocation, run)


def roll_over(window: Window, actor: User, now: datetime) -> None:
    """RIF: what period 1 leaves unused moves to period 2 of the same year once it is divided,
    less what objections against its refusals may still restore (domain.md §3)."""
    year, _, period = window.code.partition("-")
    if period != "1":
        return
    following = db.session.scalars(sa.select(Window).where(
        Window.scheme_id == window.scheme_id, Window.code == f"{year}-2")).one_or_none()
    if following is None:
        return
    source, target = window.line_for(None), following.line_for(None)
    day = now.astimezone(AMSTERDAM).date()
    held = room_objections_may_restore(window, day)
    unused = source.remaining_cents - held
    if unused <= 0:
        return
    reason = (f"Overheveling van het onbenutte deel ({format_eur(unused)}) van {window.name} "
              f"naar {following.name} na de verdeling.")
    if held:
        reason += (f" {format_eur(held)} blijft staan voor wat bezwaren tegen afwijzingen nog "
                   f"kunnen toekennen.")
    amend_ceiling(source, source.ceiling_cents - unused, reason=reason, effective_on=day,
                  now=now, user=actor)
    amend_ceiling(target, target.ceiling_cents + unused, reason=reason, effective_on=day,
                  now=now, user=actor)


def room_objections_may_restore(window: Window, today) -> int:
    """What the refused applications of a window asked, while an objection may still be
    lodged against their refusal or is pending: an upheld one must be grantable."""
    refused = db.session.scalars(sa.select(Application).where(
        Application.window_id == window.id, Application.state == S.REJECTED))
    return sum(application.requested_cents for application in refused
               if (application.objection_due_on is not None
                   and application.objection_due_on >= today)
               or pending_objection(application) is not None)


def roll_over_again(scheme_code: str, window_code: str, actor: User, now: datetime) -> int:
    """Move what a divided period 1 still leaves unused, once objection terms have passed; the
    amount moved (finance, after the run)."""
    require_role(actor, Role.FINANCE)
    window = get_window(scheme_code, window_code)
    if METHODS[scheme_code] != "ranked" or not db.session.scalar(
            sa.select(AllocationRun.id).where(AllocationRun.window_id == window.id,
                                              AllocationRun.status == RunStatus.COMMITTED)
            .limit(1)):
        raise ValidationFailed("Niets over te hevelen.", {"window": [
            "Alleen een verdeeld eerste tijdvak van het regionaal investeringsfonds heeft een "
            "onbenut deel dat naar het tweede tijdvak gaat."]})
    before = window.line_for(None).ceiling_cents
    roll_over(window, actor, now)
    return before - window.line_for(None).ceiling_cents
