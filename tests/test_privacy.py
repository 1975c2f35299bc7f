"""Staff see what their task needs: a committee member only RIF applications, finance and
administrators the praktijkleren places without the students' names (issue 14)."""

import pytest

from grants.extensions import db
from grants.models import Role, UserRole
from tests.assess.conftest import Flow, ok, text
from tests.conftest import login

NAMES = ("Sanne de Vries", "Ahmed Yilmaz")


@pytest.fixture
def flow(world, clock):
    return Flow(world, clock)


def client_of(app, user):
    client = app.test_client()
    login(client, user.email)
    return client


def test_a_committee_member_sees_only_rif_applications(app, world, flow):
    rif = flow.in_assessment("rif")  # 20 May 2014: the RIF and sector-plan windows are open
    draft = ok(world.rif_applicant.create(world.rif(title="Nog een concept")), 201)["id"]
    plan = flow.in_assessment("sectorplan")
    places = flow.submitted("praktijkleren")  # 10 June 2014
    member = client_of(app, world.committee.user)
    for number in (plan, places, draft):
        for path in (f"/aanvragen/{number}", f"/aanvragen/{number}/plaatsen",
                     f"/beoordelen/commissie/{number}"):
            assert member.get(path).status_code == 404, path
        assert world.committee.get(number).status_code == 404
        assert world.committee.call(
            "GET", f"/applications/{number}/history").status_code == 404
    assert member.get(f"/aanvragen/{rif}").status_code == 200
    listed = world.committee.call("GET", "/applications").get_json()
    assert [item["id"] for item in listed["items"]] == [rif] and listed["total"] == 1
    page = text(member.get("/aanvragen/"))
    assert "RIF-2014-00001" in page and "SP-T2" not in page and "PL-2013-2014" not in page


def test_a_member_with_another_staff_role_keeps_that_roles_view(app, world, flow):
    plan = flow.in_assessment("sectorplan")
    world.approver.user.role_rows.append(UserRole(role=Role.COMMITTEE))
    db.session.commit()
    assert world.approver.get(plan).status_code == 200


def test_finance_sees_no_student_names(app, world, flow):
    number = flow.submitted("praktijkleren")
    body = ok(world.finance.get(number))
    assert [place["student_name"] for place in body["places"]] == [None, None]
    # Everything else of the places stays: finance checks amounts, not people.
    assert [place["weeks"] for place in body["places"]] == [40, 21]
    assert body["requested_amount"] and body["state"] == "submitted"
    listed = world.finance.call("GET", "/applications?scheme=praktijkleren").get_json()
    assert all(place["student_name"] is None
               for item in listed["items"] for place in item["places"])

    for user in (world.finance.user, world.admin.user):
        client = client_of(app, user)
        for path in (f"/aanvragen/{number}", f"/aanvragen/{number}/plaatsen"):
            response = client.get(path)
            assert response.status_code == 200, path
            page = response.get_data(as_text=True)
            assert not any(name in page for name in NAMES), (user.name, path)
        places = text(client.get(f"/aanvragen/{number}/plaatsen"))
        assert "Student 1 (naam afgeschermd)" in places and "ROC Noorderpoort" in places


def test_who_checks_the_places_sees_the_names(app, world, flow):
    number = flow.submitted("praktijkleren")
    for api in (world.assessor, world.approver, world.employer_applicant):
        body = ok(api.get(number))
        assert [place["student_name"] for place in body["places"]] == list(NAMES), api.user.name
    for user in (world.assessor.user, world.approver.user):
        page = text(client_of(app, user).get(f"/aanvragen/{number}/plaatsen"))
        assert all(name in page for name in NAMES), user.name
    page = text(client_of(app, world.employer_applicant.user).get(
        f"/aanvragen/{number}/plaatsen"))
    assert all(name in page for name in NAMES)


def test_a_committee_member_reads_only_the_terms_of_rif_applications(app, world, flow, clock):
    from datetime import datetime, time

    from grants.timefmt import AMSTERDAM
    from tests.assess.conftest import application

    flow.in_assessment("rif")
    plan = flow.in_assessment("sectorplan")
    due = application(plan).decision_due_on
    clock.moment = datetime.combine(due, time(10), tzinfo=AMSTERDAM)
    assessor = text(client_of(app, world.assessor.user).get("/aanvragen/termijnen"))
    assert "SP-T2-00001" in assessor
    member = text(client_of(app, world.committee.user).get("/aanvragen/termijnen"))
    assert "SP-T2-00001" not in member
