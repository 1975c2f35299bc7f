"""The action book (actieboek Techniekpact): programme staff and admins keep actions, steps and
evidence, each change with its history row (old → new); refused input is named at its field and
changes nothing; other roles may not change it; the public pages show progress and overdue
steps by the injected clock, never who edited; action_book_rows is the open data."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from grants.errors import Forbidden, ValidationFailed
from grants.extensions import db
from grants.models import (
    Action,
    ActionEvent,
    ActionEventKind,
    ActionKind,
    ActionStep,
    ActionTheme,
    Application,
    Budget,
    Region,
    Role,
    Scheme,
)
from grants.services import action_book as service
from tests.admin.conftest import field_errors, post_form, summary_links, text_of
from tests.conftest import login, rows
from tests.factories import ApplicationFactory, UserFactory

BOOK = "/actieboek"
PUBLIC = "/voortgang/acties"
STAFF_NAME = "Programma Pien"
STAFF_EMAIL = "pien.programma@example.nl"


@pytest.fixture
def keeper(schemes):
    return UserFactory(role=Role.PROGRAMME, name=STAFF_NAME, email=STAFF_EMAIL)


@pytest.fixture
def signed_in(keeper, login_as):
    login_as(keeper)
    return keeper


def _good(**overrides) -> dict:
    scheme = db.session.scalars(sa.select(Scheme).where(Scheme.code == "praktijkleren")).one()
    budget = db.session.scalars(sa.select(Budget).where(Budget.code == "praktijkleren")).one()
    return {"title": "Meer werkleerplaatsen", "theme": "leren", "kind": "national",
            "region": "", "parties": "Ministerie van OCW\nSBB\n", "description": "Uitleg.",
            "status": "on_schedule", "schemes": [str(scheme.id)],
            "budgets": [str(budget.id)], **overrides}


def _events(action) -> list[ActionEvent]:
    return list(db.session.scalars(sa.select(ActionEvent).where(
        ActionEvent.action_id == action.id).order_by(ActionEvent.id)))


def _action(keeper, clock, **overrides) -> Action:
    data = {**_good(), "is_example": False, **overrides}
    action = service.create_action(keeper, clock(), **data)
    db.session.commit()
    return action


# -- keeping the book on the staff pages ------------------------------------------------------

def test_programme_staff_create_an_action_with_its_history_row(client, signed_in, clock):
    response = post_form(client, f"{BOOK}/nieuw", _good())
    assert response.status_code == 303, response.get_data(as_text=True)
    action = db.session.scalars(sa.select(Action)).one()
    assert response.headers["Location"].endswith(f"{BOOK}/{action.id}")
    assert action.theme == ActionTheme.LEREN and action.kind == ActionKind.NATIONAL
    assert action.region is None and action.parties == ["Ministerie van OCW", "SBB"]
    assert [s.code for s in action.schemes] == ["praktijkleren"]
    assert [b.code for b in action.budgets] == ["praktijkleren"]
    (event,) = _events(action)
    assert event.kind == ActionEventKind.ACTION_CREATED and event.actor_id == signed_in.id
    assert event.at == clock()
    assert event.changes["title"] == [None, "Meer werkleerplaatsen"]
    assert event.changes["budgets"] == [None, ["praktijkleren"]]
    page = text_of(client.get(f"{BOOK}/{action.id}").get_data(as_text=True))
    assert "Actie aangemaakt" in page and STAFF_NAME in page


def test_an_edit_records_old_and_new_of_each_changed_field_only(client, signed_in, clock):
    action = _action(signed_in, clock)
    clock.advance(days=1)
    response = post_form(client, f"{BOOK}/{action.id}/wijzigen", _good(
        status="delayed", kind="regional", region="Noord", theme="regionaal", budgets=[]))
    assert response.status_code == 303, response.get_data(as_text=True)
    changed = _events(action)[-1]
    assert changed.kind == ActionEventKind.ACTION_CHANGED
    assert changed.changes == {"theme": ["leren", "regionaal"], "kind": ["national", "regional"],
                               "region": [None, "Noord"], "status": ["on_schedule", "delayed"],
                               "budgets": [["praktijkleren"], []]}
    assert action.updated_at == clock() and action.region == Region.NOORD
    # The history reads as people speak, not in codes.
    page = text_of(client.get(f"{BOOK}/{action.id}").get_data(as_text=True))
    assert "Op schema → Vertraagd" in page and "on_schedule" not in page
    # Saving the same values again writes no history.
    again = post_form(client, f"{BOOK}/{action.id}/wijzigen", _good(
        status="delayed", kind="regional", region="Noord", theme="regionaal", budgets=[]))
    assert again.status_code == 303 and len(_events(action)) == 2


def test_refused_input_names_each_field_and_changes_nothing(client, signed_in, clock):
    before = rows(Action.__table__), rows(ActionEvent.__table__)
    response = post_form(client, f"{BOOK}/nieuw", _good(
        title="  ", theme="bouwen", kind="regional", region="", parties="\n \n",
        status="", schemes=["999999"]))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    errors = field_errors(html)
    assert errors["title"] == ["Vul de titel in."]
    assert errors["theme"] == ["Kies een thema."]
    assert errors["region"] == ["Kies het landsdeel van dit regionale techniekpact."]
    assert errors["parties"][0].startswith("Vul bij verantwoordelijke partijen")
    assert errors["status"] == ["Kies een status."]
    assert errors["schemes"] == ["Kies bij regelingen alleen regelingen uit de lijst."]
    assert {"title", "theme", "region", "parties", "status", "schemes"} <= set(
        summary_links(html))
    assert (rows(Action.__table__), rows(ActionEvent.__table__)) == before

    national_with_region = post_form(client, f"{BOOK}/nieuw", _good(region="Zuidoost"))
    assert national_with_region.status_code == 422
    assert field_errors(national_with_region.get_data(as_text=True))["region"][0].startswith(
        "Een landelijke maatregel hoort niet bij één landsdeel")


def test_a_step_is_added_and_marked_done_with_history(client, signed_in, clock):
    action = _action(signed_in, clock)
    response = post_form(client, f"{BOOK}/{action.id}/stappen",
                         {"stap-title": "Convenant getekend", "stap-due_on": "2014-06-30"},
                         page=f"{BOOK}/{action.id}")
    assert response.status_code == 303, response.get_data(as_text=True)
    (step,) = action.steps
    assert step.due_on == date(2014, 6, 30) and step.done_on is None
    clock.advance(days=10)
    done = post_form(client, f"{BOOK}/{action.id}/stappen/{step.id}/afgerond",
                     {f"afgerond-{step.id}-done_on": "2014-04-10"}, page=f"{BOOK}/{action.id}")
    assert done.status_code == 303, done.get_data(as_text=True)
    assert step.done_on == date(2014, 4, 10)
    kinds = [(e.kind, e.step_id, e.changes) for e in _events(action)[1:]]
    assert kinds == [
        (ActionEventKind.STEP_ADDED, step.id,
         {"title": [None, "Convenant getekend"], "due_on": [None, "2014-06-30"]}),
        (ActionEventKind.STEP_DONE, step.id, {"done_on": [None, "2014-04-10"]})]
    # Done once: a second time is refused at its field.
    again = post_form(client, f"{BOOK}/{action.id}/stappen/{step.id}/afgerond",
                      {f"afgerond-{step.id}-done_on": "2014-04-11"}, page=f"{BOOK}/{action.id}")
    assert again.status_code in (404, 422)


def test_refused_steps_and_evidence_name_their_fields(client, signed_in, clock):
    action = _action(signed_in, clock)
    step_page = post_form(client, f"{BOOK}/{action.id}/stappen",
                          {"stap-title": "", "stap-due_on": "30-06-2014"},
                          page=f"{BOOK}/{action.id}")
    assert step_page.status_code == 422
    errors = field_errors(step_page.get_data(as_text=True))
    assert errors["stap-title"] == ["Vul de omschrijving van de stap in."]
    assert errors["stap-due_on"] == ["De uiterste datum is geen datum: schrijf hem als "
                                     "2015-06-30."]
    evidence_page = post_form(client, f"{BOOK}/{action.id}/bewijs",
                              {"bewijs-title": "Rapport", "bewijs-url": "javascript:alert(1)"},
                              page=f"{BOOK}/{action.id}")
    assert evidence_page.status_code == 422
    html = evidence_page.get_data(as_text=True)
    assert field_errors(html)["bewijs-url"][0].startswith("Het webadres klopt niet")
    assert summary_links(html) == ["bewijs-url"]
    assert action.steps == [] and action.evidence == [] and len(_events(action)) == 1

    future = ActionStep(action=action, title="Later", due_on=date(2014, 5, 1),
                        created_at=clock())
    db.session.add(future)
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        service.mark_step_done(future, signed_in, clock(), done_on="2014-04-02")
    assert "done_on" in refused.value.fields


def test_evidence_is_a_link_with_its_history_row(client, signed_in, clock):
    action = _action(signed_in, clock)
    response = post_form(client, f"{BOOK}/{action.id}/bewijs",
                         {"bewijs-title": "Voortgangsrapportage 2014",
                          "bewijs-url": "https://www.techniekpact.nl/rapportage"},
                         page=f"{BOOK}/{action.id}")
    assert response.status_code == 303
    (evidence,) = action.evidence
    assert evidence.url == "https://www.techniekpact.nl/rapportage"
    event = _events(action)[-1]
    assert event.kind == ActionEventKind.EVIDENCE_ADDED and event.evidence_id == evidence.id


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ASSESSOR, Role.FINANCE,
                                  Role.APPROVER, Role.COMMITTEE])
def test_other_roles_may_not_keep_the_book(client, schemes, clock, login_as, role):
    action = _action(UserFactory(role=Role.PROGRAMME), clock)
    login_as(UserFactory(role=role))
    for path in (BOOK, f"{BOOK}/nieuw", f"{BOOK}/{action.id}", f"{BOOK}/{action.id}/wijzigen"):
        assert client.get(path).status_code == 403, path
    for path in (f"{BOOK}/nieuw", f"{BOOK}/{action.id}/wijzigen", f"{BOOK}/{action.id}/stappen",
                 f"{BOOK}/{action.id}/bewijs"):
        assert client.post(path, data=_good()).status_code in (400, 403), path
    with pytest.raises(Forbidden):
        service.add_step(action, UserFactory(role=role), clock(), title="x", due_on="2014-05-01")
    assert len(_events(action)) == 1


def test_anonymous_visitors_are_sent_to_log_in_for_the_staff_pages(client, schemes):
    response = client.get(BOOK)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_admin_may_keep_the_book_too(client, schemes, login_as, clock):
    admin = UserFactory(role=Role.ADMIN)
    login_as(admin)
    assert post_form(client, f"{BOOK}/nieuw", _good()).status_code == 303
    assert _events(db.session.scalars(sa.select(Action)).one())[0].actor_id == admin.id


def test_programme_staff_see_no_applications(client, signed_in, clock):
    from grants.models import Window

    window = db.session.scalars(sa.select(Window)).first()
    application = ApplicationFactory(window=window)
    assert db.session.get(Application, application.id) is not None
    assert client.get(f"/aanvragen/{application.id}").status_code == 404
    assert application.reference not in client.get("/aanvragen").get_data(as_text=True)
    home = text_of(client.get("/").get_data(as_text=True))
    assert "Actieboek Techniekpact" in home


def test_the_history_is_append_only(signed_in, clock):
    action = _action(signed_in, clock)
    with pytest.raises((IntegrityError, DBAPIError)), db.session.begin_nested():
        db.session.execute(sa.update(ActionEvent).where(ActionEvent.action_id == action.id)
                           .values(kind="action_changed"))
    with pytest.raises((IntegrityError, DBAPIError)), db.session.begin_nested():
        db.session.execute(sa.delete(ActionEvent).where(ActionEvent.action_id == action.id))


# -- the public side --------------------------------------------------------------------------

def _with_steps(keeper, clock) -> Action:
    action = _action(keeper, clock, kind="regional", region="Noord", theme="regionaal",
                     is_example=True)
    today = date(2014, 4, 1)
    late = service.add_step(action, keeper, clock(), title="Pact ondertekend",
                            due_on=today - timedelta(days=1))
    service.add_step(action, keeper, clock(), title="Projecten gestart",
                     due_on=today + timedelta(days=1))
    done = service.add_step(action, keeper, clock(), title="Partners gevonden",
                            due_on=today - timedelta(days=10))
    service.mark_step_done(done, keeper, clock(), done_on=today - timedelta(days=12))
    service.add_evidence(action, keeper, clock(), title="Pacttekst",
                         url="https://www.techniekpact.nl/noord")
    db.session.commit()
    assert late.is_overdue(today)
    return action


def test_overdue_follows_the_injected_clock(keeper, clock):
    action = _with_steps(keeper, clock)
    summary = service.summarise(action, date(2014, 4, 1))
    assert (summary.steps_total, summary.steps_done, summary.steps_overdue) == (3, 1, 1)
    assert summary.next_due_on == date(2014, 3, 31)
    later = service.summarise(action, date(2014, 4, 3))
    assert later.steps_overdue == 2
    earlier = service.summarise(action, date(2014, 3, 31))
    assert earlier.steps_overdue == 0


def test_action_book_rows_are_the_open_data(keeper, clock, app):
    action = _with_steps(keeper, clock)
    (row,) = service.action_book_rows(date(2014, 4, 1))
    assert row == {
        "id": action.id, "title": "Meer werkleerplaatsen", "theme": "regionaal",
        "theme_label": "Regionale techniekpacten", "kind": "regional", "region": "Noord",
        "parties": ["Ministerie van OCW", "SBB"], "status": "on_schedule",
        "status_label": "Op schema", "steps_total": 3, "steps_done": 1, "steps_overdue": 1,
        "next_due_on": "2014-03-31",
        "funded_by": ["Subsidieregeling praktijkleren",
                      "Praktijkleren, studiejaren 2013/14 en 2014/15"],
        "is_example": True,
        "url": f"{app.config['BASE_URL'].rstrip('/')}/voortgang/acties/{action.id}",
        "evidence": [{"title": "Pacttekst", "kind": "link",
                      "url": "https://www.techniekpact.nl/noord", "added_on": "2014-04-01",
                      "size_bytes": None, "sha256": None}],
    }
    # Evidence added after the day of the figures was not there yet.
    (before,) = service.action_book_rows(date(2014, 3, 31))
    assert before["evidence"] == []


def test_the_public_pages_show_progress_and_flag_overdue_steps_without_login(
        client, keeper, clock):
    action = _with_steps(keeper, clock)
    themes = client.get(PUBLIC)
    assert themes.status_code == 200
    text = text_of(themes.get_data(as_text=True))
    assert "Regionale techniekpacten" in text and "Meer werkleerplaatsen" in text
    assert "1 van 3 stappen afgerond; 1 stap te laat" in text
    assert "voorbeeld" in text
    regions = text_of(client.get(f"{PUBLIC}/regio").get_data(as_text=True))
    assert "Noord" in regions and "Meer werkleerplaatsen" in regions
    page = client.get(f"{PUBLIC}/{action.id}")
    assert page.status_code == 200
    text = text_of(page.get_data(as_text=True))
    assert "Te laat: uiterste datum 31 maart 2014 is verstreken" in text
    assert "Pacttekst" in text and "Praktijkleren" in text
    assert "Dit is een voorbeeld" in text
    assert client.get(f"{PUBLIC}/{action.id + 1000}").status_code == 404


def test_the_public_pages_show_no_personal_data(client, keeper, clock):
    action = _with_steps(keeper, clock)
    service.update_action(action, keeper, clock(), **_good(status="delayed"))
    db.session.commit()
    for path in (PUBLIC, f"{PUBLIC}/regio", f"{PUBLIC}/{action.id}"):
        html = client.get(path).get_data(as_text=True)
        assert STAFF_NAME not in html and STAFF_EMAIL not in html, path
        assert "Actie gewijzigd" not in html and "Geschiedenis" not in html, path
    rows_text = str(service.action_book_rows(date(2014, 4, 1)))
    assert STAFF_NAME not in rows_text and STAFF_EMAIL not in rows_text


def test_the_public_pages_work_for_a_signed_in_user_too(client, signed_in, clock):
    _with_steps(signed_in, clock)
    assert client.get(PUBLIC).status_code == 200


def test_login_of_a_programme_user_lands_on_the_start_page(client, keeper):
    assert login(client, keeper.email).status_code == 302
    assert "Actieboek" in client.get("/").get_data(as_text=True)
