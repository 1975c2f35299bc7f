"""Terms that run out, as the assessor sees them on the page and on the command line."""

from datetime import UTC, datetime

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
