"""Eight approvals at once, in separate OS processes, competing for one budget line's ceiling.

The issue's words: "a test fires ≥ 8 approvals at once, in separate processes against one
database, for applications that together exceed the ceiling: the committed total never exceeds
the ceiling and exactly the ones that fit are approved". What stops an over-commitment is the
ledger's conditional UPDATE (``… WHERE reserved + committed + amount <= ceiling``), evaluated by
the database under the line's write lock, with the CHECK constraints of ``budget_lines`` behind
it. Every approval commits on window T2's main line; each test first amends that line's ceiling
so that a known amount remains. Runs on whatever database the suite uses.
"""

from itertools import accumulate

import pytest

from grants.models import EntryKind
from grants.money import cents_to_api, format_eur
from tests.concurrency.test_trigger_races import assert_raced
from tests.concurrency.workers import trigger_job
from tests.workflows.scenarios import PARTLY

pytestmark = pytest.mark.no_db

# Eight distinct approvers, none of whom assessed (four eyes): see conftest._populate.
APPROVERS = ["approver", *(f"approver{number}" for number in range(2, 9))]
EUR = 100  # cents


def ceiling_message(remaining_cents: int) -> str:
    return f"Subsidieplafond bereikt: {format_eur(remaining_cents)} resterend."


def race_approvals(race, amounts: list[int], room: int):
    """Eight fresh assessed applications, each approved at once by its own approver for the
    given amount (cents), with ``room`` left under the ceiling: the line's balances before the
    race, the applications (as before it) and the outcomes.

    The ceiling is lowered after the applications were filed: a request above the whole
    ceiling is refused on entry."""
    assert len(amounts) == len(APPROVERS) == 8
    race.leave_room(1_000_000 * EUR)  # room for filing a plan of € 500.166,66
    applications = [race.application("assessed") for _ in amounts]
    before = race.leave_room(room)
    outcomes = race.run([
        trigger_job(application["id"], "approve", race.tokens[approver],
                    {"amount": cents_to_api(amount), **PARTLY})
        for application, approver, amount in zip(applications, APPROVERS, amounts, strict=True)
    ])
    assert_raced(outcomes)
    return before, applications, outcomes


def check_ceiling_held(race, before: dict, applications, amounts, outcomes) -> dict:
    """Everything the race must leave true, whoever won; returns what the test may check more.

    ``before``: the line's balances just before the race, with ``remaining`` the room left.
    """
    summary = [(o.status, o.body) for o in outcomes]
    assert all(o.status in (200, 422) for o in outcomes), summary
    winners = [i for i, o in enumerate(outcomes) if o.status == 200]
    losers = [i for i, o in enumerate(outcomes) if o.status == 422]
    ids = [application["id"] for application in applications]

    # The line: never over its ceiling, and grown by exactly the approved amounts.
    after = race.line()
    assert after["ceiling"] == before["ceiling"]
    assert after["reserved"] + after["committed"] <= after["ceiling"]
    assert after["remaining"] >= 0
    assert after["committed"] - before["committed"] == sum(amounts[i] for i in winners)
    assert after["remaining"] == before["remaining"] - sum(amounts[i] for i in winners)

    # The line's balance is the sum of its entries (of this race and of every earlier one).
    line_entries = race.entries(line_id=after["id"])
    signed = {EntryKind.COMMIT: 1, EntryKind.RELEASE: -1}
    assert after["committed"] == sum(
        signed[e["kind"]] * e["amount_cents"] for e in line_entries
        if e["kind"] == EntryKind.COMMIT or e["bucket"] == "committed")
    assert after["reserved"] == 0 == after["disbursed"] == after["recovered"]

    # Every 200 is an approved application with exactly one commit entry of its amount; the
    # refused ones have none. Their order is the order in which the commitments were booked.
    entries = race.entries(application_ids=ids)
    assert sorted(e["application_id"] for e in entries) == sorted(ids[i] for i in winners)
    by_application = {e["application_id"]: e for e in entries}
    for i in winners:
        entry = by_application[ids[i]]
        assert (entry["kind"], entry["amount_cents"], entry["line_id"], entry["cause"],
                entry["actor"]) == (EntryKind.COMMIT, amounts[i], after["id"], "approve",
                                    f"{APPROVERS[i]}@example.nl")
        assert entry["at"] == race.config["CLOCK"].moment
        body = outcomes[i].body
        assert (body["state"], body["granted_amount"]) == ("approved", cents_to_api(amounts[i]))
        now = race.get(ids[i])
        assert (now["state"], now["granted_amount"]) == ("approved", cents_to_api(amounts[i]))
        assert now["version"] > applications[i]["version"]
        approvals = race.history(ids[i], "approve")
        assert [item["actor"] for item in approvals] == [APPROVERS[i]]
        assert race.audit_events(ids[i], "approve")[0]["data"]["amount_cents"] == amounts[i]

    # What remained after each commitment, in the order they were booked.
    booked = [e["amount_cents"] for e in entries]
    remainders = [before["remaining"] - used for used in accumulate(booked, initial=0)]
    assert remainders[-1] == after["remaining"]

    # Every refusal: Awb 4:25 in the API's error shape, naming what remained at that moment,
    # which was too little for it; and the refused application is as it was.
    for i in losers:
        error = outcomes[i].body["error"]
        assert error["code"] == "validation_failed", summary
        assert error["message"].startswith("Subsidieplafond bereikt"), summary
        named = [r for r in remainders if error["message"] == ceiling_message(r)]
        assert named, (error["message"], remainders)
        assert amounts[i] > named[0], (amounts[i], error["message"])
        assert format_eur(amounts[i]) in error["fields"]["amount"][0]
        now = race.get(ids[i])
        assert (now["state"], now["granted_amount"]) == ("assessed", None)
        assert now["version"] == applications[i]["version"]
        assert race.history(ids[i], "approve") == []
        assert race.audit_events(ids[i], "approve") == []

    # Greedy in the order of the commitments: nothing was refused that would still have fitted
    # at the end (what remains only ever shrinks, so it fitted at no earlier moment either).
    if losers:
        assert after["remaining"] < min(amounts[i] for i in losers)
    return {"winners": winners, "losers": losers, "after": after, "booked": booked}


@pytest.mark.parametrize("slack", [0, 99_999_99], ids=["exact", "almost-one-more"])
def test_eight_equal_approvals_only_the_ones_that_fit(race, slack):
    amount = 100_000 * EUR
    # Five fit, with or without some to spare.
    before, applications, outcomes = race_approvals(race, [amount] * 8, 5 * amount + slack)

    result = check_ceiling_held(race, before, applications, [amount] * 8, outcomes)
    assert len(result["winners"]) == (5 * amount + slack) // amount == 5
    assert sorted(o.status for o in outcomes) == [200] * 5 + [422] * 3
    assert result["after"]["remaining"] == slack
    for i in result["losers"]:
        assert outcomes[i].body["error"]["message"] == ceiling_message(slack)


def test_eight_approvals_that_all_fit_all_succeed(race):
    amounts = [(10_000 + 1_000 * n) * EUR + n for n in range(8)]
    # Exactly enough for all of them.
    before, applications, outcomes = race_approvals(race, amounts, sum(amounts))

    assert [o.status for o in outcomes] == [200] * 8, [(o.status, o.body) for o in outcomes]
    result = check_ceiling_held(race, before, applications, amounts, outcomes)
    assert result["after"]["remaining"] == 0


@pytest.mark.parametrize("round_", range(2))
def test_eight_unequal_approvals_are_granted_greedily_in_commit_order(race, round_):
    # Together 1.360.000,00 for a room of 600.000,01: which ones fit depends on who comes first.
    amounts = [a * EUR for a in (310_000, 270_000, 230_000, 190_000, 150_000, 110_000, 70_000,
                                 30_000)]
    room = 600_000 * EUR + 1
    before, applications, outcomes = race_approvals(race, amounts, room)

    result = check_ceiling_held(race, before, applications, amounts, outcomes)
    assert result["winners"] and result["losers"]
    # Replaying the requests greedily in the order they were booked approves the same ones.
    left = room
    for amount in result["booked"]:
        assert amount <= left
        left -= amount
    assert all(amounts[i] > left for i in result["losers"])
