"""The multi-part application form: starting a draft for an open window, saving it at any time,
every error next to its field and in the summary, nothing saved on bad input."""

import sqlalchemy as sa

from grants.extensions import db
from grants.models import Application, ApplicationState, AuditEvent
from tests.portal.conftest import draft_id, edit_form, error_for, summary_links


def application(number: int) -> Application:
    db.session.expire_all()
    return db.session.get(Application, number)


def test_the_portal_lists_open_windows_and_only_the_organisations_applications(
        world, applicant):
    own = draft_id(world, title="Ons eigen plan")
    other = world.rif_applicant.create(world.rif(title="Plan van een ander"))
    assert other.status_code == 201
    html = applicant.text("/portaal/")
    assert "Ons eigen plan" in html
    assert "Plan van een ander" not in html
    # 1 April 2014: the second sector-plan window is open, RIF 2014 opens on 12 May.
    assert "Tweede aanvraagtijdvak" in html
    assert "Aanvraagtijdvak 2014" in html  # listed as opening soon
    assert f"/portaal/aanvragen/{own}/bewerken" in html


def test_starting_a_draft_fills_in_the_applicant_as_lead_and_partner(world, applicant, schemes):
    window = next(w for w in schemes["sectorplan"].windows if w.code == "T2")
    page = applicant.text(f"/portaal/nieuw?tijdvak={window.id}")
    assert ('<input checked class="choice__input" id="window-0" name="window" type="radio" '
            f'value="{window.id}">') in page
    response = applicant.post("/portaal/nieuw", {"window": str(window.id),
                                                 "title": "Sectorplan metaal Noord"})
    assert response.status_code == 303
    created = db.session.scalars(sa.select(Application).where(
        Application.title == "Sectorplan metaal Noord")).one()
    assert response.headers["Location"].endswith(f"/portaal/aanvragen/{created.id}/bewerken")
    assert created.state == ApplicationState.DRAFT
    assert created.organisation_id == world.employers.id
    assert created.details["lead_organisation"] == world.employers.id
    assert created.details["partners"] == [{"organisation": world.employers.id,
                                            "role": "employers"}]


def test_starting_without_a_title_or_window_names_both(world, applicant):
    response = applicant.post("/portaal/nieuw", {"window": "", "title": " "})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error_for(html, "title") == "Geef de aanvraag een titel."
    assert error_for(html, "window") == "Kies het tijdvak waarvoor u aanvraagt."
    assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0


def test_a_draft_round_trips_through_the_form(world, applicant):
    number = draft_id(world, measures=[], partners=[])
    response = applicant.post(f"/portaal/aanvragen/{number}/bewerken",
                              edit_form(application(number), world))
    assert response.status_code == 303
    saved = application(number)
    assert saved.state == ApplicationState.DRAFT
    assert saved.details["measures"] == [
        {"title": "Leerwerkplekken voor jongeren", "theme": "youth",
         "eligible_cost": 100_000_000, "requested_subsidy": 50_000_000},
        {"title": "Van werk naar werk", "theme": "work_to_work", "eligible_cost": 33333,
         "requested_subsidy": 16666}]
    assert saved.requested_cents == 50_016_666
    # Shown back in Dutch notation, ready to be saved again unchanged.
    html = applicant.text(f"/portaal/aanvragen/{number}/bewerken")
    assert 'value="1.000.000,00"' in html and 'value="166,66"' in html
    again = applicant.post(f"/portaal/aanvragen/{number}/bewerken",
                           edit_form(application(number), world))
    assert again.status_code == 303
    assert application(number).details == saved.details


def test_a_draft_may_be_saved_half_done(world, applicant):
    number = draft_id(world, measures=[], partners=[])
    form = edit_form(application(number), world, **{
        "sector": "", "measures-1-title": "", "measures-1-theme": "",
        "measures-1-eligible_cost": "", "measures-1-requested_subsidy": "",
        "measures-0-requested_subsidy": ""})
    response = applicant.post(f"/portaal/aanvragen/{number}/bewerken", form)
    assert response.status_code == 303
    details = application(number).details
    assert "sector" not in details
    assert details["measures"] == [{"title": "Leerwerkplekken voor jongeren", "theme": "youth",
                                    "eligible_cost": 100_000_000}]


def test_bad_input_is_named_per_field_and_nothing_is_saved(world, applicant):
    number = draft_id(world)
    before = application(number).details
    form = edit_form(application(number), world, **{
        "measures-0-eligible_cost": "1.500",  # thousands or decimals? refused as ambiguous
        "measures-1-requested_subsidy": "-5",
        "ends_on": "2016-02-31",
        "title": ""})
    response = applicant.post(f"/portaal/aanvragen/{number}/bewerken", form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "niet eenduidig" in error_for(html, "measures-0-eligible_cost")
    assert error_for(html, "measures-1-requested_subsidy") == "Een bedrag kan niet negatief zijn."
    assert error_for(html, "title") == "Geef de aanvraag een titel."
    anchors = [anchor for anchor, _text in summary_links(html)]
    assert anchors == ["title", "measures-0-eligible_cost", "measures-1-requested_subsidy"]
    # What was typed stays in the fields.
    assert 'value="1.500"' in html
    assert application(number).details == before


def test_the_engines_field_errors_come_back_next_to_the_fields(world, applicant):
    number = draft_id(world)
    before = application(number).details
    form = edit_form(application(number), world, ends_on="2016-02-31",
                     **{"measures-1-theme": "juggling"})
    response = applicant.post(f"/portaal/aanvragen/{number}/bewerken", form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error_for(html, "ends_on") == "2016-02-31 is geen bestaande datum."
    assert error_for(html, "measures-1-theme").startswith("Kies een van deze waarden")
    assert ("ends_on", "2016-02-31 is geen bestaande datum.") in summary_links(html)
    assert application(number).details == before


def test_empty_rows_are_left_out_and_errors_still_land_on_the_right_row(world, applicant):
    number = draft_id(world)
    form = edit_form(application(number), world, **{
        "measures-0-title": "", "measures-0-theme": "", "measures-0-eligible_cost": "",
        "measures-0-requested_subsidy": "", "measures-1-theme": "juggling"})
    response = applicant.post(f"/portaal/aanvragen/{number}/bewerken", form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    # The engine saw one measure (its number 0); the error is on the form's second row.
    assert error_for(html, "measures-1-theme").startswith("Kies een van deze waarden")
    assert error_for(html, "measures-0-theme") == ""


def test_adding_and_removing_a_measure_without_javascript(world, applicant):
    number = draft_id(world)
    form = edit_form(application(number), world, action="add:measures",
                     **{"measures-1-title": "Van werk naar werk, herzien"})
    response = applicant.post(f"/portaal/aanvragen/{number}/bewerken", form)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/bewerken?rij=measures")
    assert application(number).details["measures"][1]["title"] == "Van werk naar werk, herzien"
    html = applicant.text(f"/portaal/aanvragen/{number}/bewerken?rij=measures")
    # The new, empty row, with the cursor in its first field.
    assert '<input autofocus class="field__input" id="measures-2-title"' in html

    form = edit_form(application(number), world, action="remove:measures:0")
    response = applicant.post(f"/portaal/aanvragen/{number}/bewerken", form)
    assert response.status_code == 303
    assert [m["title"] for m in application(number).details["measures"]] == [
        "Van werk naar werk"]


def test_removing_a_row_with_bad_input_elsewhere_saves_nothing(world, applicant):
    number = draft_id(world)
    before = application(number).details
    form = edit_form(application(number), world, action="remove:measures:0",
                     **{"measures-1-eligible_cost": "veel"})
    response = applicant.post(f"/portaal/aanvragen/{number}/bewerken", form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    # The removed row is gone from the page; the other row, now the first, shows its error.
    assert "“veel” is geen bedrag" in error_for(html, "measures-0-eligible_cost")
    assert 'id="measures-1-title"' not in html
    assert application(number).details == before


def test_a_stale_form_is_refused(world, applicant):
    number = draft_id(world)
    stale = edit_form(application(number), world, version="1")
    assert applicant.post(f"/portaal/aanvragen/{number}/bewerken",
                          edit_form(application(number), world)).status_code == 303
    response = applicant.post(f"/portaal/aanvragen/{number}/bewerken", stale)
    assert response.status_code == 409


def test_another_organisations_application_is_not_found(world, applicant):
    theirs = world.rif_applicant.create(world.rif()).get_json()["id"]
    for path in (f"/portaal/aanvragen/{theirs}", f"/portaal/aanvragen/{theirs}/bewerken",
                 f"/portaal/aanvragen/{theirs}/bijlagen",
                 f"/portaal/aanvragen/{theirs}/ontvangstbevestiging"):
        assert applicant.get(path).status_code == 404, path
    response = applicant.post(f"/portaal/aanvragen/{theirs}/bewerken",
                              {"title": "Overgenomen"})
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 0


def test_staff_do_not_use_the_portal(world, login_as, web):
    login_as(world.assessor.user)
    assert web.get("/portaal/").status_code == 403
