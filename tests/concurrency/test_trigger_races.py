"""Concurrent triggers on one application, fired from separate OS processes at one moment.

Exactly one wins; every other gets a clear 409 in Dutch, and nothing is recorded twice. The
workflow library's own locks live inside one process, so what is proven here is the database's
part: the row lock (PostgreSQL: SELECT ... FOR UPDATE; SQLite: BEGIN IMMEDIATE for every
writing request) and, behind it, the application's version column. Runs on whatever database
the suite uses (GRANTS_DATABASE_URL, else SQLite).
"""


import pytest

from grants.models import STATE_LABELS, ApplicationState
from tests.concurrency.workers import trigger_job

pytestmark = pytest.mark.no_db


def conflict_messages(trigger: str, state: ApplicationState) -> set[str]:
    """What a loser may hear: the trigger no longer fits the state the winner left (the row
    lock made it wait and re-read), or, should the lock be bypassed, the version check."""
    return {
        f"De handeling '{trigger}' is niet mogelijk in de status '{STATE_LABELS[state]}'.",
        "De aanvraag is intussen gewijzigd; laad haar opnieuw en probeer het nog eens.",
    }


def one_winner(outcomes, trigger: str, state: ApplicationState):
    """Exactly one 200, the rest 409 with the API's conflict shape and a clear Dutch message."""
    summary = [(o.status, o.body) for o in outcomes]
    assert all(o.status in (200, 409) for o in outcomes), summary
    winners = [o for o in outcomes if o.status == 200]
    losers = [o for o in outcomes if o.status == 409]
    assert len(winners) == 1, summary
    assert winners[0].body["state"] == state
    for loser in losers:
        error = loser.body["error"]
        assert error["code"] == "conflict", summary
        assert error["message"] in conflict_messages(trigger, state), summary
    return winners[0]


def assert_raced(outcomes) -> None:
    """Every request was in flight at one moment (none finished before the last one started):
    the processes really competed, rather than happening to run one after the other."""
    first, last_start = min(o.started for o in outcomes), max(o.started for o in outcomes)
    timings = [(round(1000 * (o.started - first)), round(1000 * (o.finished - first)))
               for o in outcomes]
    assert last_start < min(o.finished for o in outcomes), f"no overlap (ms): {timings}"


@pytest.mark.parametrize("round_", range(3))
def test_two_approvers_approve_at_once_one_wins(race, round_):
    application = race.application("assessed")
    before = application["version"]

    outcomes = race.run([
        trigger_job(application["id"], "approve", race.tokens[key])
        for key in ("approver", "approver2")
    ])

    winner = one_winner(outcomes, "approve", ApplicationState.APPROVED)
    assert_raced(outcomes)
    after = race.get(application["id"])
    assert after["state"] == "approved"
    assert after["granted_amount"] == application["requested_amount"]
    assert after["version"] == winner.body["version"] == before + 1
    approvals = race.history(application["id"], "approve")
    assert len(approvals) == 1
    assert approvals[0]["from_state"] == "assessed"
    assert approvals[0]["actor"] == ("approver", "approver2")[winner.index]


def test_two_assessors_start_assessment_at_once_one_wins(race):
    application = race.application("submitted")
    before = application["version"]

    outcomes = race.run([
        trigger_job(application["id"], "start_assessment", race.tokens[key])
        for key in ("assessor", "assessor2")
    ])

    winner = one_winner(outcomes, "start_assessment", ApplicationState.IN_ASSESSMENT)
    assert_raced(outcomes)
    after = race.get(application["id"])
    assert after["state"] == "in_assessment"
    assert after["version"] == winner.body["version"] == before + 1
    assert len(race.history(application["id"], "start_assessment")) == 1


def test_eight_submits_of_one_draft_at_once_one_wins(race):
    application = race.application("draft")
    before = application["version"]
    applicants = ["applicant", *(f"applicant{number}" for number in range(1, 8))]

    outcomes = race.run([
        trigger_job(application["id"], "submit", race.tokens[key]) for key in applicants
    ])

    winner = one_winner(outcomes, "submit", ApplicationState.SUBMITTED)
    assert_raced(outcomes)
    assert sorted(o.status for o in outcomes) == [200] + [409] * 7
    after = race.get(application["id"])
    assert after["state"] == "submitted"
    assert after["version"] == winner.body["version"] == before + 1
    submits = race.history(application["id"], "submit")
    assert len(submits) == 1
    assert submits[0]["actor"] == applicants[winner.index]


def test_approvals_of_different_applications_do_not_block_each_other(race):
    applications = [race.application("assessed") for _ in range(4)]
    approvers = ["approver", "approver2", "approver3", "approver4"]

    outcomes = race.run([
        trigger_job(application["id"], "approve", race.tokens[key])
        for application, key in zip(applications, approvers, strict=True)
    ])

    assert_raced(outcomes)
    assert [(o.status, o.body["state"]) for o in outcomes] == [(200, "approved")] * 4, [
        (o.status, o.body) for o in outcomes]
    for application, approver in zip(applications, approvers, strict=True):
        after = race.get(application["id"])
        assert after["state"] == "approved"
        assert after["version"] == application["version"] + 1
        approvals = race.history(application["id"], "approve")
        assert [item["actor"] for item in approvals] == [approver]


# Found by these races: an API read request also notes its token's last use. Written inside the
# read (deferred) transaction, SQLite refused that write at once ("database is locked", a 500)
# whenever another connection had committed since the read began.
def test_first_reads_with_new_tokens_at_once_all_answer(race):
    application = race.application("draft")
    path = f"/api/v1/applications/{application['id']}"

    outcomes = race.run([{"method": "GET", "path": path, "token": token}
                         for token in race.new_tokens("approver", 8)])

    assert [o.status for o in outcomes] == [200] * 8
