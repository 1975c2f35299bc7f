"""Drafts made at one moment in one window, from separate OS processes (issue 15): each gets a
reference of its own, numbered on from the last, and none is answered with a 500 (42 of 100
once collided on the unique reference). Runs on whatever database the suite uses."""

import re

import pytest

from tests.concurrency.conftest import sectorplan_payload

pytestmark = pytest.mark.no_db

DRAFTS = 8


def test_drafts_made_at_once_get_consecutive_references_of_their_own(race):
    before = race.application("draft")["reference"]
    last = int(before.rsplit("-", 1)[1])
    body = {"scheme": "sectorplan", "window": "T2", "title": "Sectorplan Metaal",
            **sectorplan_payload(race.employers_id, race.employees_id)}
    tokens = race.new_tokens("applicant", DRAFTS)

    outcomes = race.run([{"method": "POST", "path": "/api/v1/applications", "token": token,
                          "body": body} for token in tokens])

    summary = [(o.status, o.body) for o in outcomes]
    assert [o.status for o in outcomes] == [201] * DRAFTS, summary
    references = sorted(o.body["reference"] for o in outcomes)
    assert all(re.fullmatch(r"SP-T2-\d{5}", reference) for reference in references)
    assert references == [f"SP-T2-{number:05d}" for number in range(last + 1,
                                                                     last + 1 + DRAFTS)]
