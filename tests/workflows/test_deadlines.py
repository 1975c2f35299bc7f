"""Terms that run out, as the assessor sees them on the page and on the command line."""

import re
from datetime import UTC, date, datetime

from grants.models import Role
from tests.factories import UserFactory
from tests.workflows.test_lifecycles import ok


def _submitted(world):
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(world.applicant.fire(number, "submit"))
    return number


def test_deadlines_command_lists_overdue_and_due_soon(app, world, clock):
    due = _submitted(world)  # decision due Monday 1 September 2014 (30 August is a Saturday)
    asked = _submitted(world)
    ok(world.assessor.fire(asked, "request_information", {"reason": "Bijlage ontbreekt"}))
    runner = app.test_cli_runner()

    quiet = runner.invoke(args=["grants", "deadlines"])
    assert quiet.exit_code == 0
    assert "Geen termijnen" in quiet.output

    clock.moment = datetime(2014, 8, 25, 10, tzinfo=UTC)
    soon = runner.invoke(args=["grants", "deadlines"]).output
    assert "SP-T2-00001" in soon and "nog 7 dagen" in soon and "Beslistermijn" in soon
    # The repair term ran out long ago; the paused application's decision term is not listed.
    assert "SP-T2-00002" in soon and "Hersteltermijn aanvrager" in soon
    assert soon.count("SP-T2-00002") == 1

    clock.moment = datetime(2014, 9, 4, 10, tzinfo=UTC)
    late = runner.invoke(args=["grants", "deadlines"]).output
    assert "3 dagen te laat" in late
    assert due


def test_assessor_sees_the_deadlines_page_and_the_timeline(app, client, login_as, world, clock):
    number = _submitted(world)
    ok(world.assessor.fire(number, "request_information", {"reason": "Bijlage ontbreekt"}))
    clock.moment = datetime(2014, 4, 20, 10, tzinfo=UTC)
    login_as(world.assessor.user)

    page = client.get("/aanvragen/termijnen").get_data(as_text=True)
    assert "SP-T2-00001" in page
    assert "Hersteltermijn aanvrager" in page
    assert "5 dagen te laat" in page

    home = client.get("/").get_data(as_text=True)
    assert "Termijnen" in home and "Daarvan verlopen: 1." in home

    detail = client.get(f"/aanvragen/{number}").get_data(as_text=True)
    assert "Verloop" in detail
    assert "Informatie opvragen (hersteltermijn)" in detail
    assert "Bijlage ontbreekt" in detail
    assert "Aanvullen uiterlijk" in detail


def test_applicants_and_finance_do_not_see_the_deadlines_page(app, world):
    from tests.conftest import login

    for user in (world.applicant.user, UserFactory(role=Role.FINANCE)):
        client = app.test_client()
        assert login(client, user.email).status_code == 302
        assert client.get("/aanvragen/termijnen").status_code == 403


def _three_terms(world, clock):
    """SP-T2-00002's repair term ran out on 15 April; the decision terms of SP-T2-00001 and
    SP-T2-00003 run out on Monday 1 September 2014, four days after the clock's 28 August."""
    first = _submitted(world)
    asked = _submitted(world)
    ok(world.assessor.fire(asked, "request_information", {"reason": "Bijlage ontbreekt"}))
    third = _submitted(world)
    clock.moment = datetime(2014, 8, 28, 10, tzinfo=UTC)
    return first, asked, third


def _listed(page: str) -> list[str]:
    return re.findall(r"SP-T2-\d{5}", page)


def test_the_deadlines_page_counts_its_terms_and_shows_them_a_page_at_a_time(
        app, client, login_as, world, clock, monkeypatch):
    """At national scale tens of thousands of terms fall in the same weeks (issue 16): the
    database counts them and hands over one page, soonest first."""
    monkeypatch.setattr("grants.views.paging.PER_PAGE", 2)
    _three_terms(world, clock)
    login_as(world.assessor.user)

    first = client.get("/aanvragen/termijnen").get_data(as_text=True)
    assert "3 termijnen, waarvan 1 verlopen." in first
    assert _listed(first) == ["SP-T2-00002", "SP-T2-00001"]
    assert "Pagina 1 van 2" in first and "page=2" in first

    second = client.get("/aanvragen/termijnen?page=2").get_data(as_text=True)
    assert _listed(second) == ["SP-T2-00003"] and "Pagina 2 van 2" in second
    # Past the last page: the last page; no number: the first.
    assert _listed(client.get("/aanvragen/termijnen?page=9").get_data(as_text=True)) == \
        ["SP-T2-00003"]
    assert _listed(client.get("/aanvragen/termijnen?page=x").get_data(as_text=True)) == \
        ["SP-T2-00002", "SP-T2-00001"]

    home = client.get("/").get_data(as_text=True)
    assert re.search(r'card__number">3</span> termijnen', home)
    assert "Daarvan verlopen: 1." in home


def test_every_term_is_listed_once_in_order_on_one_page_or_many(app, world, clock):
    from grants.services.deadlines import deadlines_page, upcoming_deadlines

    _three_terms(world, clock)
    today = date(2014, 8, 28)
    every = [(d.kind, d.due_on, d.application.reference) for d in upcoming_deadlines(today)]
    assert every == [("repair", date(2014, 4, 15), "SP-T2-00002"),
                     ("decision", date(2014, 9, 1), "SP-T2-00001"),
                     ("decision", date(2014, 9, 1), "SP-T2-00003")]
    pages = [deadlines_page(world.assessor.user, today, offset=offset, limit=1)
             for offset in range(4)]
    assert [[(d.kind, d.due_on, d.application.reference) for d in page] for page in pages] == \
        [[every[0]], [every[1]], [every[2]], []]
    # Three days later the first decision terms are overdue too; the horizon moves along.
    assert [d.days_left for d in upcoming_deadlines(date(2014, 9, 4))] == [-142, -3, -3]
    assert upcoming_deadlines(date(2014, 4, 1)) == []


def test_the_deadlines_page_costs_the_same_statements_however_many_terms_run(
        app, client, login_as, world, clock):
    from tests.test_api_keyset import statements_of

    _three_terms(world, clock)
    login_as(world.assessor.user)
    few = statements_of(client, {}, "/aanvragen/termijnen")
    clock.moment = datetime(2014, 4, 1, 10, tzinfo=UTC)
    for _ in range(8):
        _submitted(world)
    clock.moment = datetime(2014, 8, 28, 10, tzinfo=UTC)
    many = statements_of(client, {}, "/aanvragen/termijnen")
    assert len(_listed(client.get("/aanvragen/termijnen").get_data(as_text=True))) == 11
    assert len(many) == len(few), "\n\n".join(many)
