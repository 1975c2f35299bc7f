"""The assessors' work queue: what is in it, in which order, its filters, and the terms that run
out soon or have run out, told in words."""

from datetime import UTC, datetime

import pytest

from grants.models import Role
from tests.assess.conftest import ok, text
from tests.factories import UserFactory

QUEUE = "/beoordelen/"


def order(page: str, *references: str) -> list[str]:
    """The references as the page lists them, top to bottom."""
    return sorted(references, key=page.index)


def test_queue_holds_the_open_applications_soonest_term_first(world, flow, login_as):
    # Terms ending on a Saturday run to the Monday (Algemene termijnenwet).
    flow.submitted()  # SP-T2-00001, decision due 1 September 2014
    flow.submitted("rif")  # RIF-2014-00001, decision due 8 September 2014
    asked = flow.submitted()  # SP-T2-00002, repair term to 15 April 2014
    ok(world.assessor.fire(asked, "request_information", {"reason": "Begroting ontbreekt"}))
    flow.in_assessment()  # SP-T2-00003, decision due 1 September 2014
    ok(world.applicant.create(world.sectorplan(title="Nog een concept")), 201)  # SP-T2-00004
    decided = flow.assessed()  # SP-T2-00005
    ok(world.approver.fire(decided, "reject", {"reason": "Te algemeen."}))

    page = text(login_as(world.assessor.user).get(QUEUE))

    assert "4 aanvragen in de werkvoorraad." in page
    listed = ["SP-T2-00002", "SP-T2-00001", "SP-T2-00003", "RIF-2014-00001"]
    assert order(page, *listed) == listed
    assert "Hersteltermijn aanvrager" in page and "Beslistermijn" in page
    assert "Nog een concept" not in page and "SP-T2-00005" not in page


def test_queue_shows_who_started_each_assessment(world, flow, login_as):
    flow.in_assessment()
    flow.submitted()
    page = text(login_as(world.assessor.user).get(QUEUE))
    assert "assessor (u)" in page
    assert "nog niemand" in page


def test_queue_filters_on_scheme_window_state_region_and_assignment(world, flow, login_as,
                                                                   schemes):
    mine = flow.in_assessment()
    flow.submitted("rif")
    ok(world.assessor2.fire(flow.submitted(), "start_assessment"))
    elsewhere = flow.submitted(region="Zuidoost")
    client = login_as(world.assessor.user)

    def listed(**filters) -> set[str]:
        page = text(client.get(QUEUE, query_string=filters))
        return {ref for ref in ("SP-T2-00001", "RIF-2014-00001", "SP-T2-00002", "SP-T2-00003")
                if ref in page}

    assert listed(scheme="rif") == {"RIF-2014-00001"}
    t2 = next(w for w in schemes["sectorplan"].windows if w.code == "T2")
    assert listed(window=t2.id) == {"SP-T2-00001", "SP-T2-00002", "SP-T2-00003"}
    assert listed(state="in_assessment") == {"SP-T2-00001", "SP-T2-00002"}
    assert listed(region="Zuidoost") == {"SP-T2-00003"}
    assert listed(assigned="mine") == {"SP-T2-00001"}
    assert listed(assigned="nobody") == {"RIF-2014-00001", "SP-T2-00003"}
    assert listed(scheme="sectorplan", state="submitted") == {"SP-T2-00003"}
    # Unknown values are ignored, not matched against nothing.
    assert len(listed(scheme="bestaat-niet", state="kapot", window="x")) == 4
    assert mine and elsewhere


def test_due_soon_and_overdue_are_marked_in_words(world, flow, login_as, clock):
    asked = flow.submitted()  # repair term: 14 days, to 15 April 2014
    ok(world.assessor.fire(asked, "request_information", {"reason": "Begroting ontbreekt"}))
    flow.submitted()  # decision due 1 September 2014
    client = login_as(world.assessor.user)

    clock.moment = datetime(2014, 4, 10, 8, tzinfo=UTC)
    page = text(client.get(QUEUE))
    assert "Binnenkort: nog 5 dagen" in page
    assert "te laat" not in page
    soon = text(client.get(QUEUE, query_string={"due": "soon"}))
    assert "SP-T2-00001" in soon and "SP-T2-00002" not in soon
    assert "1 aanvragen in de werkvoorraad." in soon

    clock.moment = datetime(2014, 4, 20, 8, tzinfo=UTC)
    page = text(client.get(QUEUE))
    assert "Verlopen: 5 dagen te laat" in page
    overdue = text(client.get(QUEUE, query_string={"due": "overdue"}))
    assert "SP-T2-00001" in overdue and "SP-T2-00002" not in overdue


def test_due_soon_horizon_is_configurable(world, flow, login_as, clock, app):
    flow.submitted()  # decision due Monday 1 September 2014 (30 August is a Saturday)
    clock.moment = datetime(2014, 8, 10, 8, tzinfo=UTC)
    client = login_as(world.assessor.user)
    assert "Binnenkort:" not in text(client.get(QUEUE))
    app.config["DUE_SOON_DAYS"] = 30
    try:
        page = text(client.get(QUEUE))
    finally:
        del app.config["DUE_SOON_DAYS"]
    assert "Binnenkort: nog 22 dagen" in page
    assert "binnen 30 dagen" in page


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.APPROVER, Role.COMMITTEE, Role.FINANCE])
def test_only_assessors_have_a_work_queue(client, login_as, schemes, role):
    login_as(UserFactory(role=role))
    assert client.get(QUEUE).status_code == 403


def test_navigation_offers_each_role_its_own_page(client, login_as, schemes):
    for role, label, path in [(Role.ASSESSOR, "Werkvoorraad", "/beoordelen/"),
                              (Role.APPROVER, "Besluiten", "/beoordelen/besluiten"),
                              (Role.COMMITTEE, "Commissie", "/beoordelen/commissie")]:
        from tests.conftest import login

        fresh = client.application.test_client()
        login(fresh, UserFactory(role=role).email)
        html = fresh.get("/").get_data(as_text=True)
        assert f'<a href="{path}">{label}</a>' in html, role
        others = {"Werkvoorraad", "Besluiten", "Commissie"} - {label}
        nav = html[html.index('class="site-nav"'):html.index("</nav>")]
        assert not any(f">{other}</a>" in nav for other in others), role
