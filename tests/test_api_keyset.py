"""Keyset pagination of GET /api/v1/applications (issue 16): ``?after=`` with the previous
answer's ``next_after`` walks the list newest first without skipping or repeating an item,
also when applications are added while walking; ``page`` and ``total`` stay as they were."""

from datetime import UTC, datetime, timedelta

import pytest

from grants.models import Role
from grants.services.tokens import create_token
from tests.factories import ApplicationFactory, OrganisationFactory, UserFactory, consent_all

LIST = "/api/v1/applications"
T0 = datetime(2014, 4, 1, 9, tzinfo=UTC)


@pytest.fixture
def staff(clock):
    return {"Authorization": f"Bearer {create_token(UserFactory(role=Role.ASSESSOR), clock())[1]}"}


def made(schemes, count: int, organisation=None) -> list[int]:
    """Applications whose creation moments tie in threes: the id settles their order."""
    window = schemes["sectorplan"].windows[0]
    organisation = organisation or OrganisationFactory()
    return [ApplicationFactory(window=window, organisation=organisation,
                               created_at=T0 + timedelta(minutes=number // 3)).id
            for number in range(count)]


def walk(client, headers, per_page: int, query: str = "") -> tuple[list[int], list[int]]:
    """Every page by ``after``: the ids in order, and the totals each page reported."""
    ids, totals, after = [], [], None
    while True:
        path = f"{LIST}?per_page={per_page}{query}" + (f"&after={after}" if after else "")
        body = client.get(path, headers=headers).get_json()
        ids += [item["id"] for item in body["items"]]
        totals.append(body["total"])
        after = body["next_after"]
        if after is None:
            return ids, totals
        assert len(body["items"]) == per_page


def newest_first(client, headers) -> list[int]:
    return [item["id"] for item in client.get(
        f"{LIST}?per_page=200", headers=headers).get_json()["items"]]


def test_walking_by_after_gives_every_item_once_in_the_list_order(client, schemes, staff):
    ids = made(schemes, 17)
    expected = sorted(ids, key=lambda i: (ids.index(i) // 3, i), reverse=True)
    assert newest_first(client, staff) == expected
    for per_page in (1, 3, 4, 16, 17, 50):
        walked, totals = walk(client, staff, per_page)
        assert walked == expected, per_page
        assert set(totals) == {17}


def test_pages_by_number_still_answer_as_before(client, schemes, staff):
    ids = made(schemes, 7)
    first = client.get(f"{LIST}?per_page=3&page=1", headers=staff).get_json()
    third = client.get(f"{LIST}?per_page=3&page=3", headers=staff).get_json()
    beyond = client.get(f"{LIST}?per_page=3&page=4", headers=staff).get_json()
    assert (first["total"], third["total"]) == (7, 7)
    assert [item["id"] for item in third["items"]] == [min(ids)]
    assert third["next_after"] is None and beyond == {"items": [], "total": 7,
                                                      "next_after": None}
    after = client.get(f"{LIST}?per_page=3&after={first['next_after']}",
                       headers=staff).get_json()
    second = client.get(f"{LIST}?per_page=3&page=2", headers=staff).get_json()
    assert after["items"] == second["items"]


def test_applications_added_while_walking_neither_shift_nor_repeat_the_rest(client, schemes,
                                                                           staff):
    ids = made(schemes, 9)
    expected = newest_first(client, staff)
    page = client.get(f"{LIST}?per_page=4", headers=staff).get_json()
    # Newer ones arrive: a list by page number would now repeat the first page's last items.
    window = schemes["sectorplan"].windows[0]
    newer = [ApplicationFactory(window=window, created_at=T0 + timedelta(days=1)).id
             for _ in range(3)]
    walked = [item["id"] for item in page["items"]]
    after = page["next_after"]
    while after:
        page = client.get(f"{LIST}?per_page=4&after={after}", headers=staff).get_json()
        walked += [item["id"] for item in page["items"]]
        after = page["next_after"]
    assert walked == expected and len(ids) == 9
    assert newest_first(client, staff)[:3] == sorted(newer, reverse=True)


def test_filters_and_scope_apply_to_every_page(client, schemes, clock):
    own, other = OrganisationFactory(), OrganisationFactory()
    mine = made(schemes, 5, own)
    made(schemes, 4, other)
    applicant = UserFactory(organisation=own)
    headers = {"Authorization": f"Bearer {create_token(applicant, clock())[1]}"}
    walked, totals = walk(client, headers, 2)
    assert sorted(walked) == sorted(mine) and set(totals) == {5}
    walked, totals = walk(client, headers, 2, "&state=draft&scheme=sectorplan")
    assert sorted(walked) == sorted(mine)
    assert walk(client, headers, 2, "&scheme=rif") == ([], [0])


@pytest.mark.parametrize(("query", "field"), [
    ("after=x", "after"), ("after=12-", "after"), ("after=-5", "after"),
    ("after=999999999999999999-1", "after"), ("after=1396342800000000-99999999999", "after"),
    ("after=1396342800000000-1&page=2", "page"),
])
def test_a_bad_cursor_names_the_field(client, schemes, staff, query, field):
    response = client.get(f"{LIST}?{query}", headers=staff)
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == [field]


def test_the_list_offers_each_item_the_triggers_its_own_page_offers(world, clock):
    """The list answers the objection and report questions for its page at once (prefetched);
    each item's allowed_triggers must be what GET /applications/{id} says."""
    from tests.assess.conftest import Flow
    from tests.objections.test_hearing import at, lodged

    flow = Flow(world, clock)

    objected = lodged(world, clock)  # rejected, objection lodged: hearing triggers
    clock.moment = at(4, 9)
    rejected = flow.assessed()
    ok_reject = world.approver.fire(rejected, "reject", {"reason": "Te algemeen."})
    assert ok_reject.status_code == 200  # decided, objection possible, none lodged
    submitted = flow.submitted()
    for api in (world.assessor, world.approver, world.applicant):
        listed = {item["id"]: item["allowed_triggers"] for item in api.call(
            "GET", "/applications?per_page=200").get_json()["items"]}
        assert {objected, rejected, submitted} <= set(listed)
        for number, triggers in listed.items():
            assert triggers == api.get(number).get_json()["allowed_triggers"], (api, number)
    assert "lodge_objection" in listed[rejected] and "lodge_objection" not in listed[objected]


def statements_of(client, headers, path: str) -> list[str]:
    from sqlalchemy import event

    from grants.extensions import db

    seen: list[str] = []

    def note(_connection, _cursor, statement, *_rest):
        if not statement.startswith(("SAVEPOINT", "RELEASE")):  # the test's own transaction
            seen.append(statement)

    db.session.expire_all()  # as a new request finds it: nothing loaded yet
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert client.get(path, headers=headers).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return seen


def plans_naming_partners(schemes, count: int) -> None:
    """Sector plans naming a partner organisation beside their lead; the first consented."""
    window = schemes["sectorplan"].windows[0]
    partner = OrganisationFactory()
    for number in range(count):
        lead = OrganisationFactory()
        plan = ApplicationFactory(window=window, organisation=lead, details={
            "lead_organisation": lead.id, "partners": [{"organisation": partner.id}]})
        if number == 0:
            consent_all(plan, T0, commit=False)


def test_a_page_costs_the_same_statements_however_many_rows_it_holds(client, schemes, staff):
    """At national scale a page of 50 must not ask the database once per row (issue 16): the
    objections, decisions, reports and partners' consents of a page are read for all its rows
    at once."""
    made(schemes, 2)
    plans_naming_partners(schemes, 2)
    statements_of(client, staff, LIST)  # the token's first use is noted once
    few = statements_of(client, staff, LIST)
    made(schemes, 20, OrganisationFactory())
    plans_naming_partners(schemes, 20)
    many = statements_of(client, staff, LIST)
    assert len(many) == len(few), "\n\n".join(many)
    # And the consents are there: the first plan's partner consented, the others' did not.
    items = client.get(f"{LIST}?scheme=sectorplan&per_page=50", headers=staff).get_json()["items"]
    consented = [[status["consented"] for status in item["consents"]] for item in items
                 if len(item["consents"]) == 2]
    assert sorted(consented) == [[True, False]] * 20 + [[True, True]] * 2
