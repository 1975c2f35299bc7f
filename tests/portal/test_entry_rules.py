"""Before the form is filled in: who may apply for which scheme (domain.md §1–§3), and a request
within the window's ceiling — told on the first page and on entry, not after the whole form."""

import sqlalchemy as sa

from grants.extensions import db
from grants.models import Application
from tests.conftest import csrf_token, rows


def _one_measure(subsidy: str, cost: str) -> list[dict]:
    return [{"title": "Scholing", "theme": "training", "eligible_cost": cost,
             "requested_subsidy": subsidy}]


def _window_id(scheme: str, code: str) -> int:
    return db.session.scalar(sa.text(
        "SELECT windows.id FROM windows JOIN schemes ON schemes.id = windows.scheme_id "
        "WHERE schemes.code = :scheme AND windows.code = :code"), {"scheme": scheme, "code": code})


def test_the_scheme_cards_say_who_may_apply_and_an_employer_is_told_it_cannot_file_a_sector_plan(
        client, world, login_as):
    # 1 April 2014: sector plans' T2 is open (domain.md §1).
    login_as(world.employer_applicant.user)
    html = client.get("/portaal/").get_data(as_text=True)
    assert "Wie mag aanvragen:" in html
    assert ("Een samenwerkingsverband van ten minste één werkgevers- en één "
            "werknemersorganisatie.") in html
    assert "Een sectorplan wordt ingediend door de hoofdaanvrager" in html
    assert f"/portaal/nieuw?tijdvak={_window_id('sectorplan', 'T2')}" not in html


def test_a_lead_kind_gets_the_start_button_and_no_refusal(client, world, login_as):
    login_as(world.applicant.user)
    html = client.get("/portaal/").get_data(as_text=True)
    assert f"/portaal/nieuw?tijdvak={_window_id('sectorplan', 'T2')}" in html
    assert "Een sectorplan wordt ingediend door de hoofdaanvrager" not in html


def test_an_employers_organisation_sees_rif_closed_to_it_in_the_rif_window(
        client, world, login_as, clock):
    clock.moment = clock.moment.replace(month=5, day=20)  # RIF 2014: 12 May – 7 June (§3)
    login_as(world.applicant.user)
    html = client.get("/portaal/nieuw").get_data(as_text=True)
    assert ("Alleen een bekostigde mbo-instelling kan het Regionaal investeringsfonds mbo "
            "aanvragen") in html
    assert "disabled" in html


def test_starting_a_scheme_the_organisation_may_not_apply_for_is_refused_on_the_first_page(
        client, world, login_as):
    login_as(world.employer_applicant.user)
    before = rows(Application)
    response = client.post("/portaal/nieuw", data={
        "window": str(_window_id("sectorplan", "T2")), "title": "Sectorplan installatie",
        "csrf_token": csrf_token(client, "/portaal/nieuw")})
    assert response.status_code == 422
    assert "Een sectorplan wordt ingediend door de hoofdaanvrager" in \
        response.get_data(as_text=True)
    assert rows(Application) == before


def test_the_api_refuses_a_scheme_the_organisation_may_not_apply_for_naming_the_window(world):
    response = world.employer_applicant.create(world.rif())
    assert response.status_code == 422
    assert "Alleen een bekostigde mbo-instelling" in \
        response.get_json()["error"]["fields"]["window"][0]
    response = world.employer_applicant.create(world.sectorplan())
    assert response.status_code == 422
    assert "hoofdaanvrager" in response.get_json()["error"]["fields"]["window"][0]


def test_every_kind_of_organisation_may_apply_for_praktijkleren(world):
    for api in (world.employer_applicant, world.applicant, world.rif_applicant):
        assert api.create(world.praktijkleren()).status_code == 201


def test_a_request_above_the_windows_ceiling_is_refused_on_entry_with_both_figures(world):
    # T2's ceiling at opening is € 200.000.000 (domain.md §1); € 200 billion was accepted once.
    before = rows(Application)
    response = world.applicant.create(world.sectorplan(
        measures=_one_measure("200000000000.00", "400000000000.00")))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["measures"] == [
        "Het gevraagde bedrag van €\u00a0200.000.000.000,00 is hoger dan het subsidieplafond van "
        "dit tijdvak, €\u00a0200.000.000,00."]
    assert rows(Application) == before


def test_a_request_of_exactly_the_ceiling_is_accepted_and_a_cent_more_is_not(world):
    at_ceiling = world.applicant.create(world.sectorplan(
        measures=_one_measure("200000000.00", "400000000.00")))
    assert at_ceiling.status_code == 201, at_ceiling.get_json()
    # RIF 2014: at most €\u00a024.000.000 (domain.md §3).
    above = world.rif_applicant.create(world.rif(requested_subsidy="24000000.01",
                                                 total_cost="72000000.03"))
    assert above.status_code == 422
    assert above.get_json()["error"]["fields"]["requested_subsidy"] == [
        "Het gevraagde bedrag van €\u00a024.000.000,01 is hoger dan het subsidieplafond van dit "
        "tijdvak, €\u00a024.000.000,00."]


def test_raising_a_draft_above_the_ceiling_is_refused_and_leaves_the_draft_as_it_was(world):
    created = world.applicant.create(world.sectorplan()).get_json()
    response = world.applicant.call("PATCH", f"/applications/{created['id']}", {
        "measures": _one_measure("250000000.00", "500000000.00")})
    assert response.status_code == 422
    assert "€\u00a0250.000.000,00" in response.get_json()["error"]["fields"]["measures"][0]
    assert world.applicant.get(created["id"]).get_json()["requested_amount"] == "500166.66"
