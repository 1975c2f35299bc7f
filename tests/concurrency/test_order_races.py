"""Eight approvals at once, in separate OS processes, with the order of completeness kept
(Awb 4:26, domain.md §1): whoever wins the race, no later plan takes room an earlier one that
still waits for its decision needs, and the ceiling holds.

The race database of this module keeps the rule (the ceiling races switch it off to reach the
ledger with every approval).
"""

from datetime import timedelta

import pytest

from tests.concurrency.conftest import NOW
from tests.concurrency.test_ceiling_races import APPROVERS
from tests.concurrency.test_trigger_races import assert_raced
from tests.concurrency.workers import FixedClock, trigger_job

pytestmark = pytest.mark.no_db

PLAN = 500_166_66  # each race plan asks € 500.000,00 + € 166,66


def set_clock(race, moment) -> None:
    """The race app's and its workers' clock (a fixed moment, read on every call)."""
    race.config["CLOCK"] = race.app.config["CLOCK"] = FixedClock(moment)


def test_eight_approvals_at_once_keep_the_order_of_completeness(race):
    race.order_of_completeness(True)
    # Complete on eight days in a row (1–8 April 2014), so the order is by day, with no
    # lottery between them; room for five; the race on 9 April.
    applications = []
    for day, _approver in enumerate(APPROVERS):
        set_clock(race, NOW + timedelta(days=day))
        applications.append(race.application("assessed"))
    set_clock(race, NOW + timedelta(days=8))
    before = race.leave_room(5 * PLAN)

    outcomes = race.run([
        trigger_job(application["id"], "approve", race.tokens[approver])
        for application, approver in zip(applications, APPROVERS, strict=True)])
    assert_raced(outcomes)

    summary = [(o.status, o.body) for o in outcomes]
    assert all(o.status in (200, 409, 422) for o in outcomes), summary
    approved = [i for i, o in enumerate(outcomes) if o.status == 200]
    after = race.line()
    assert after["committed"] - before["committed"] == len(approved) * PLAN
    assert after["remaining"] >= 0
    # The order: whoever committed first, each of the first five found its own room kept
    # free for it, and each of the last three found the room taken by those ahead of it: by
    # the order (409) while one of them still waited, by the ceiling (422) once all had
    # committed.
    assert approved == [0, 1, 2, 3, 4], summary
    assert after["remaining"] == 0
    for i in (5, 6, 7):
        error = outcomes[i].body["error"]
        assert (outcomes[i].status, error["message"][:26]) in (
            (409, "Eerdere aanvragen gaan voo"), (422, "Subsidieplafond bereikt: €")), summary
        assert race.get(applications[i]["id"])["state"] == "assessed"
