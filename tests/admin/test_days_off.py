"""Admins keep the days a royal decree made equal to a holiday (Algemene termijnenwet art. 3),
on the page under /beheer and with `flask grants holidays`; each change is in the admin's log,
and a term ending on such a day runs to the next working day."""

from datetime import date

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import AdminAction, AdminEvent, Role, StatutoryDayOff
from tests.admin.conftest import field_errors, post_form, text_of
from tests.conftest import csrf_token
from tests.factories import UserFactory
from tests.workflows.test_lifecycles import ok

PAGE = "/beheer/feestdagen"
DECREE = "Besluit van 12 mei 2014, Stcrt. 2014, 13579 (voorbeeld)"


def days() -> list[tuple[date, str]]:
    db.session.expire_all()
    return [(d.day, d.reason) for d in db.session.scalars(
        sa.select(StatutoryDayOff).order_by(StatutoryDayOff.day))]


def logged() -> list[tuple[str, dict]]:
    return [(e.action.value, e.data) for e in db.session.scalars(
        sa.select(AdminEvent).where(AdminEvent.action.in_(
            (AdminAction.DAY_OFF_ADDED, AdminAction.DAY_OFF_REMOVED))).order_by(AdminEvent.id))]


def test_the_page_lists_the_laws_own_holidays(client, admin):
    # The tests' clock stands in 2014: the holidays of 2014 and 2015.
    page = text_of(client.get(PAGE).get_data(as_text=True))
    for fact in ("Feestdagen 2014", "26 april 2014 Koningsdag", "18 april 2014 Goede Vrijdag",
                 "29 mei 2014 Hemelvaartsdag", "Feestdagen 2015", "27 april 2015 Koningsdag",
                 "Er zijn geen gelijkgestelde dagen."):
        assert fact in page, fact


def test_an_admin_adds_and_removes_a_day_and_the_log_keeps_both(client, admin):
    response = post_form(client, PAGE, {"day": "2014-05-30", "reason": DECREE})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert days() == [(date(2014, 5, 30), DECREE)]
    page = text_of(client.get(PAGE).get_data(as_text=True))
    assert "30 mei 2014 " + DECREE in page

    response = post_form(client, f"{PAGE}/2014-05-30/verwijderen", {}, page=PAGE)
    assert response.status_code == 302
    assert days() == []
    entry = {"day": "2014-05-30", "decree": DECREE}
    assert logged() == [("day_off_added", entry), ("day_off_removed", entry)]
    log = text_of(client.get("/beheer/logboek").get_data(as_text=True))
    assert "Gelijkgestelde feestdag toegevoegd" in log
    assert "Gelijkgestelde feestdag verwijderd" in log and "30 mei 2014" in log
    assert admin.name in log


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"day": "", "reason": DECREE}, "day", "Vul de dag in."),
    ({"day": "30-05-2014", "reason": DECREE}, "day", "Vul een datum in"),
    ({"day": "2014-05-31", "reason": DECREE}, "day",
     "Op 31 mei 2014 eindigt al geen termijn: het is zaterdag."),
    ({"day": "2014-05-29", "reason": DECREE}, "day",
     "Op 29 mei 2014 eindigt al geen termijn: het is Hemelvaartsdag."),
    ({"day": "2014-05-30", "reason": " "}, "reason", "Noem het koninklijk besluit"),
])
def test_each_refusal_names_its_field(client, admin, data, field, message):
    response = post_form(client, PAGE, data)
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True))
    assert any(message in m for m in errors.get(field, [])), errors
    assert days() == [] and logged() == []


def test_a_day_is_added_once(client, admin):
    post_form(client, PAGE, {"day": "2014-05-30", "reason": DECREE})
    response = post_form(client, PAGE, {"day": "2014-05-30", "reason": "Nog eens"})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True))["day"] == [
        "30 mei 2014 staat al in de lijst."]
    assert days() == [(date(2014, 5, 30), DECREE)]


def test_removing_a_day_not_listed_changes_nothing(client, admin):
    response = post_form(client, f"{PAGE}/2014-05-30/verwijderen", {}, page=PAGE)
    assert response.status_code == 422
    assert "30 mei 2014 staat niet in de lijst." in text_of(response.get_data(as_text=True))
    assert post_form(client, f"{PAGE}/30-05-2014/verwijderen", {},
                     page=PAGE).status_code == 404
    assert logged() == []


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ASSESSOR, Role.APPROVER, Role.FINANCE])
def test_only_admins_keep_the_days(client, login_as, schemes, role):
    db.session.add(StatutoryDayOff(day=date(2014, 5, 30), reason=DECREE))
    login_as(UserFactory(role=role))
    assert client.get(PAGE).status_code == 403
    token = csrf_token(client, "/regelingen")
    for path, data in ((PAGE, {"day": "2014-06-02", "reason": DECREE}),
                       (f"{PAGE}/2014-05-30/verwijderen", {})):
        assert client.post(path, data={**data, "csrf_token": token}).status_code == 403, path
    assert days() == [(date(2014, 5, 30), DECREE)] and logged() == []


def test_a_decision_term_ending_on_an_added_day_runs_to_the_next_working_day(
        client, admin, world):
    # Sector plans T2: 13 weeks after 31 May 2014 is Saturday 30 August → Monday 1 September;
    # with Monday 1 September made equal to a holiday: Tuesday 2 September 2014.
    post_form(client, PAGE, {"day": "2014-09-01", "reason": DECREE})
    number = ok(world.applicant.create(world.sectorplan(ends_on="2015-12-31")), 201)["id"]
    assert ok(world.applicant.fire(number, "submit"))["decision_due"] == "2014-09-02"


def test_the_command_line_lists_adds_and_removes(app):
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["grants", "holidays"])
    assert listed.exit_code == 0 and "geen bij koninklijk besluit" in listed.output

    added = runner.invoke(args=["grants", "holidays", "add", "2014-05-30", "--reason", DECREE])
    assert added.exit_code == 0, added.output
    assert "30 mei 2014 is toegevoegd" in added.output
    assert "2014-05-30" in runner.invoke(args=["grants", "holidays"]).output

    saturday = runner.invoke(args=["grants", "holidays", "add", "2014-05-31", "--reason", DECREE])
    assert saturday.exit_code == 1 and "het is zaterdag" in saturday.output
    assert runner.invoke(args=["grants", "holidays", "add", "31-05-2014",
                               "--reason", DECREE]).exit_code == 2

    removed = runner.invoke(args=["grants", "holidays", "remove", "2014-05-30"])
    assert removed.exit_code == 0, removed.output
    assert days() == []
    # The command line acts as the system: the log has no person for it.
    assert [(action, actor) for action, actor in db.session.execute(
        sa.select(AdminEvent.action, AdminEvent.actor_id).order_by(AdminEvent.id))] == [
        (AdminAction.DAY_OFF_ADDED, None), (AdminAction.DAY_OFF_REMOVED, None)]
    again = runner.invoke(args=["grants", "holidays", "remove", "2014-05-30"])
    assert again.exit_code == 1 and "staat niet in de lijst" in again.output
