"""Four eyes on an allocation run (domain.md §4, api.md POST /allocations/{id}/approve): finance
prepares it, and it decides nothing (no states, no ledger entries, no letters) until a different
user with the approver role approves it; then the approver takes the decisions and signs the
letters. Every sector plan of the world asks € 500.000,00 + € 166,66 = € 500.166,66."""

from datetime import UTC, date, datetime

import sqlalchemy as sa

from grants.extensions import db
from grants.models import AllocationRun, LedgerEntry, Role, UserRole
from grants.services.schemes import amend_ceiling
from grants.services.tokens import create_token
from tests.allocation.test_runs import AFTER_T2, assessed_plans, line
from tests.decisions.conftest import decisions_of, pdf_text
from tests.factories import UserFactory
from tests.workflows.scenarios import Api
from tests.workflows.test_lifecycles import ok

PLAN = 500_166_66
PREPARE = {"scheme": "sectorplan", "window": "T2", "dry_run": False, "lottery_seed": "s"}


def two_plans_that_fit(world, clock) -> list[int]:
    # Complete on 3 and 4 April 2014; ceiling € 1.000.500,00 ≥ 2 × € 500.166,66.
    numbers = assessed_plans(world, clock, [3, 4])
    amend_ceiling(line("T2"), 1_000_500_00, reason="Testplafond", effective_on=date(2014, 4, 1),
                  now=clock(), user=None)
    db.session.commit()
    clock.moment = AFTER_T2
    return numbers


def ledger_rows() -> int:
    return db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)))


def test_a_prepared_run_decides_nothing_until_an_approver_approves_it(world, clock):
    first, second = two_plans_that_fit(world, clock)
    entries_before = ledger_rows()

    prepared = ok(world.finance.call("POST", "/allocations", PREPARE), 201)
    assert prepared["status"] == "prepared" and prepared["dry_run"] is False
    assert prepared["prepared_by"]["name"] == "finance" and prepared["approved_by"] is None
    assert [(r["application"], r["outcome"], r["amount"]) for r in prepared["results"]] == [
        (first, "approved", "500166.66"), (second, "approved", "500166.66")]
    # Nothing has happened yet: states, ledger and letters are as they were.
    for number in (first, second):
        assert world.applicant.get(number).get_json()["state"] == "assessed"
        assert decisions_of(number) == []
    assert ledger_rows() == entries_before and line("T2").committed_cents == 0

    # Finance prepared it: 409 with the reason (api.md); an assessor lacks the approver role:
    # 403. Nothing changes.
    path = f"/allocations/{prepared['id']}/approve"
    own = world.finance.call("POST", path)
    assert own.status_code == 409
    assert own.get_json()["error"]["message"] == (
        f"U heeft verdeling {prepared['id']} voorbereid; een ander moet haar goedkeuren "
        "(vier ogen).")
    assert world.assessor.call("POST", path).status_code == 403
    assert line("T2").committed_cents == 0

    approved = ok(world.approver.call("POST", path))
    assert approved["status"] == "committed" and approved["approved_by"]["name"] == "approver"
    assert approved["prepared_by"]["name"] == "finance"
    for number in (first, second):
        assert world.applicant.get(number).get_json()["state"] == "approved"
        decision = world.applicant.history(number)[-1]
        assert decision["trigger"] == "approve" and decision["actor"] == "approver"
        (letter,) = decisions_of(number)
        assert "approver" in pdf_text(letter.pdf)  # signed by who decided
    assert line("T2").committed_cents == 2 * PLAN  # € 1.000.333,32

    again = world.approver2.call("POST", path)
    assert again.status_code == 409
    assert again.get_json()["error"]["message"] == (
        f"Verdeling {prepared['id']} is al goedgekeurd en vastgesteld.")
    assert line("T2").committed_cents == 2 * PLAN


def test_whoever_prepared_a_run_does_not_approve_it(world, clock):
    two_plans_that_fit(world, clock)
    both = UserFactory(role=Role.FINANCE, name="Fien Beide")
    both.role_rows.append(UserRole(role=Role.APPROVER))
    db.session.commit()
    api = Api(world.finance.client, create_token(both, clock())[1], both)

    prepared = ok(api.call("POST", "/allocations", PREPARE), 201)
    refused = api.call("POST", f"/allocations/{prepared['id']}/approve")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["message"] == (
        f"U heeft verdeling {prepared['id']} voorbereid; een ander moet haar goedkeuren "
        f"(vier ogen).")
    assert line("T2").committed_cents == 0
    assert db.session.get(AllocationRun, prepared["id"]).status == "prepared"


def test_a_window_that_changed_since_the_run_was_prepared_is_refused(world, clock):
    first, second = two_plans_that_fit(world, clock)
    prepared = ok(world.finance.call("POST", "/allocations", PREPARE), 201)
    # The second plan is withdrawn before the approval: the run no longer fits the window.
    ok(world.applicant.fire(second, "withdraw", {"reason": "Wij zien af van het plan."}))

    refused = world.approver.call("POST", f"/allocations/{prepared['id']}/approve")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["message"] == (
        f"De aanvragen of de ruimte van Tweede aanvraagtijdvak zijn veranderd sinds verdeling "
        f"{prepared['id']} is "
        f"voorbereid; annuleer haar en laat een nieuwe verdeling voorbereiden.")
    assert world.applicant.get(first).get_json()["state"] == "assessed"
    assert line("T2").committed_cents == 0
    assert db.session.get(AllocationRun, prepared["id"]).status == "prepared"

    # The approver cancels it (with a reason); finance prepares a new run, which is approved.
    no_reason = world.approver.call("POST", f"/allocations/{prepared['id']}/cancel", {})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    cancelled = ok(world.approver.call("POST", f"/allocations/{prepared['id']}/cancel", {
        "reason": "Een plan is ingetrokken."}))
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_by"]["name"] == "approver"
    late = world.approver.call("POST", f"/allocations/{prepared['id']}/approve")
    assert late.status_code == 409
    assert late.get_json()["error"]["message"] == f"Verdeling {prepared['id']} is geannuleerd."
    run = world.allocate("sectorplan", "T2", seed="s")
    assert [(r["application"], r["outcome"]) for r in run["results"]] == [(first, "approved")]
    assert line("T2").committed_cents == PLAN


def test_a_prepared_run_is_the_windows_run_until_it_is_cancelled(world, clock):
    two_plans_that_fit(world, clock)
    prepared = ok(world.finance.call("POST", "/allocations", PREPARE), 201)
    second = world.finance.call("POST", "/allocations", PREPARE)
    assert second.status_code == 409
    assert second.get_json()["error"]["message"] == (
        f"Verdeling {prepared['id']} van Tweede aanvraagtijdvak wacht op goedkeuring; keur die "
        f"eerst goed of "
        f"annuleer haar.")
    # Only the preparer or an approver cancels; an assessor may not.
    assert world.assessor.call("POST", f"/allocations/{prepared['id']}/cancel", {
        "reason": "Nee."}).status_code == 403
    ok(world.finance.call("POST", f"/allocations/{prepared['id']}/cancel", {
        "reason": "Verkeerd lotingszaad gekozen."}))
    ok(world.finance.call("POST", "/allocations", PREPARE), 201)


def test_a_prepared_rif_run_blocks_a_second_final_run(world, clock):
    # RIF 2014 is divided once (one final run); a prepared run already counts.
    clock.moment = datetime(2014, 5, 20, 10, tzinfo=UTC)
    number = ok(world.rif_applicant.create(world.rif()), 201)["id"]
    ok(world.rif_applicant.fire(number, "submit"))
    ok(world.assessor.fire(number, "start_assessment"))
    for member in (world.committee, world.committee2):
        ok(member.fire(number, "record_assessment", {"scores": dict.fromkeys(
            ("fit", "coordination", "durability", "innovation"), 7)}))
    clock.moment = datetime(2014, 6, 10, 9, tzinfo=UTC)
    body = {"scheme": "rif", "window": "2014", "dry_run": False}
    prepared = ok(world.finance.call("POST", "/allocations", body), 201)
    assert world.rif_applicant.get(number).get_json()["state"] == "assessed"
    assert world.finance.call("POST", "/allocations", body).status_code == 409
    ok(world.approver.call("POST", f"/allocations/{prepared['id']}/approve"))
    assert world.rif_applicant.get(number).get_json()["state"] == "approved"
    again = world.finance.call("POST", "/allocations", body)
    assert again.status_code == 409 and "al verdeeld" in again.get_json()["error"]["message"]
