"""Admins open windows, move their dates while no application is in them, and amend their
ceilings with a reason, on the pages and through the API; a refusal names the field and
changes nothing. A new ceiling is prepared by one admin and takes effect only when a second
admin approves it (four eyes on every money decision)."""

from datetime import date

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    AdminAction,
    AdminEvent,
    BudgetLine,
    CeilingAmendment,
    PlaceCategory,
    PreparedDecision,
    Role,
    Window,
)
from grants.services import approvals
from grants.services.admin import amend_window, open_window, unallocated_cents
from grants.services.schemes import amend_ceiling, get_window
from grants.services.tokens import create_token
from grants.timefmt import amsterdam
from tests.admin.conftest import field_errors, post_form, summary_links, text_of
from tests.factories import ApplicationFactory, UserFactory

T2_COMMITTED = 450_000_00 + 500_166_66


def counts() -> tuple[int, int, int, int]:
    """Windows, lines, amendments and log rows: what a refused request must leave alone."""
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(table))
                 for table in (Window, BudgetLine, CeilingAmendment, AdminEvent))


@pytest.fixture
def room(schemes, clock):
    """Every euro of the € 600 mln sits in a line, so a new or higher ceiling needs room first:
    take it from the line for what the windows leave (€ 15 mln until 14 January 2015)."""

    def take(cents: int) -> None:
        rest = db.session.scalars(sa.select(BudgetLine).where(
            BudgetLine.code == "uitvoering-reserve")).one()
        amend_ceiling(rest, rest.ceiling_cents - cents, reason="Ruimte voor een tijdvak",
                      effective_on=clock().date(), now=clock(), user=None)
        db.session.commit()

    return take


def approved_by_a_second_admin(change, clock) -> None:
    """What one admin prepared, another approves (together, as it was prepared)."""
    second = UserFactory(role=Role.ADMIN, name="Beheerder Bea")
    approvals.approve(change.prepared[0].id, second, clock())
    db.session.commit()


def new_window_form(**changes) -> dict:
    return {"code": "T4", "name": "Vierde aanvraagtijdvak", "opens_at": "2015-10-01T00:00",
            "closes_at": "2015-11-30T23:59:59", "ceiling": "10.000.000,00",
            "source": "Staatscourant 2015, 1234", **changes}


# -- opening a window on the page ---------------------------------------------------------------

def test_admin_opens_a_window_within_the_budget(client, admin, schemes, clock, room):
    room(10_000_000_00)
    response = post_form(client, "/beheer/regelingen/sectorplan/tijdvakken/nieuw",
                         new_window_form())
    assert response.status_code == 302
    assert response.headers["Location"] == "/beheer/regelingen/sectorplan/tijdvakken/T4"

    window = get_window("sectorplan", "T4")
    assert window.name == "Vierde aanvraagtijdvak"
    assert window.opens_at == amsterdam(2015, 10, 1)
    assert window.closes_at == amsterdam(2015, 11, 30, 23, 59, 59)
    [line] = window.lines
    assert (line.code, line.ceiling_cents, line.budget.code) == ("T4", 10_000_000_00,
                                                                 "sectorplannen")
    [event] = db.session.scalars(sa.select(AdminEvent)).all()
    assert (event.action, event.actor_id, event.window_id) == (
        AdminAction.WINDOW_OPENED, admin.id, window.id)
    assert event.data["ceilings"] == {"ceiling": 10_000_000_00}

    page = text_of(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Tijdvak Vierde aanvraagtijdvak van Cofinanciering sectorplannen is geopend." in page
    assert "1 oktober 2015 00:00" in page and "30 november 2015 23:59" in page
    assert "Tijdvak geopend" in page and "Beheerder Bart" in page


def test_a_ceiling_beyond_what_the_budget_has_left_is_refused(client, admin, schemes, room):
    room(10_000_000_00)
    before = counts()
    response = post_form(client, "/beheer/regelingen/sectorplan/tijdvakken/nieuw",
                         new_window_form(ceiling="10.000.000,01"))
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True))
    assert errors["ceiling"] == [
        "Van Cofinanciering sectorplannen 2014–2015 is nog € 10.000.000,00 niet over "
        "tijdvakken verdeeld; het plafond past daar niet in. Verlaag eerst het plafond van "
        "een ander tijdvak."]
    assert counts() == before


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"code": ""}, "code", "Geef het tijdvak een code."),
    ({"code": "T 4"}, "code", "Een code bestaat uit letters, cijfers, - en _ (hoogstens 40 "
                              "tekens), bijvoorbeeld T4 of 2018-1."),
    ({"code": "T2"}, "code", "Cofinanciering sectorplannen heeft al een tijdvak met de code "
                             "T2."),
    ({"name": " "}, "name", "Geef het tijdvak een naam."),
    ({"opens_at": ""}, "opens_at", "Vul in vanaf wanneer het tijdvak open is."),
    ({"opens_at": "morgen"}, "opens_at",
     "Vul een datum en tijd in, bijvoorbeeld 1-10-2015 00:00:00."),
    ({"closes_at": "2015-09-30T12:00"}, "closes_at",
     "Het tijdvak sluit na het moment waarop het opent."),
    ({"closes_at": "2016-01-01T00:00"}, "closes_at",
     "Cofinanciering sectorplannen 2014–2015 loopt van 1 oktober 2013 tot en met "
     "31 december 2015; het tijdvak moet daarbinnen vallen."),
    ({"ceiling": ""}, "ceiling", "Vul het bedrag in."),
    ({"ceiling": "-5"}, "ceiling", "Een plafond is niet negatief."),
    ({"ceiling": "1.500"}, "ceiling", "“1.500” is niet eenduidig: bedoelt u 1500 euro of 1,5 "
                                      "euro? Schrijf 1500 of 1.500,00 voor 1500 euro, of 1,50 "
                                      "voor 1,5 euro."),
])
def test_bad_window_input_is_named_at_its_field(client, admin, schemes, changes, field,
                                                message):
    before = counts()
    response = post_form(client, "/beheer/regelingen/sectorplan/tijdvakken/nieuw",
                         new_window_form(**changes))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html)[field] == [message]
    assert field in summary_links(html)
    assert f'aria-describedby="{field}-hint {field}-error"' in html
    assert counts() == before


def test_every_missing_field_is_named_at_once(client, admin, schemes):
    response = post_form(client, "/beheer/regelingen/sectorplan/tijdvakken/nieuw",
                         {"code": "", "name": "", "opens_at": "", "closes_at": "",
                          "ceiling": "0"})
    assert response.status_code == 422
    assert set(field_errors(response.get_data(as_text=True))) == {
        "code", "name", "opens_at", "closes_at"}


def test_a_mistyped_field_and_a_broken_rule_show_together(client, admin, schemes):
    before = counts()
    response = post_form(client, "/beheer/regelingen/sectorplan/tijdvakken/nieuw",
                         new_window_form(code="T2", ceiling="tien miljoen",
                                         closes_at="2015-09-01T00:00"))
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True))
    assert errors == {
        "code": ["Cofinanciering sectorplannen heeft al een tijdvak met de code T2."],
        "closes_at": ["Het tijdvak sluit na het moment waarop het opent."],
        "ceiling": ["“tien miljoen” is geen bedrag. Schrijf het bedrag als 1.234,56 of als "
                    "1234.56."],
    }
    assert counts() == before


def test_a_praktijkleren_window_has_a_ceiling_per_category(client, admin, schemes, clock):
    page = client.get("/beheer/regelingen/praktijkleren/tijdvakken/nieuw").get_data(as_text=True)
    assert 'name="ceiling"' not in page
    for category in ("vmbo", "mbo", "hbo", "promovendus"):
        assert f'name="ceiling_{category}"' in page
    # The budget is fully divided: make room first, by an amendment of another window.
    change = amend_window(get_window("praktijkleren", "2014-2015"),
                          ceilings={PlaceCategory.HBO: 0}, reason="Hbo naar het nieuwe studiejaar",
                          actor=admin, now=clock())
    approved_by_a_second_admin(change, clock)
    data = {"code": "2015-2016", "name": "Studiejaar 2015/2016",
            "opens_at": "2015-06-02T00:00", "closes_at": "2015-09-15T17:00",
            "ceiling_vmbo": "0", "ceiling_mbo": "0", "ceiling_hbo": "8.000.000,00",
            "ceiling_promovendus": "0,01"}
    before = counts()
    response = post_form(client, "/beheer/regelingen/praktijkleren/tijdvakken/nieuw", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "is nog € 8.000.000,00 niet over tijdvakken verdeeld" in field_errors(html)[
        "ceiling_vmbo"][0]
    assert counts() == before

    response = post_form(client, "/beheer/regelingen/praktijkleren/tijdvakken/nieuw",
                         {**data, "ceiling_promovendus": "0"})
    assert response.status_code == 302
    window = get_window("praktijkleren", "2015-2016")
    assert {line.category: line.ceiling_cents for line in window.lines} == {
        PlaceCategory.VMBO: 0, PlaceCategory.MBO: 0, PlaceCategory.HBO: 8_000_000_00,
        PlaceCategory.PROMOVENDUS: 0}
    assert {line.code for line in window.lines} == {
        "2015-2016-vmbo", "2015-2016-mbo", "2015-2016-hbo", "2015-2016-promovendus"}


# -- moving dates -------------------------------------------------------------------------------

def test_dates_move_while_no_application_is_in_the_window(client, admin, schemes):
    path = "/beheer/regelingen/sectorplan/tijdvakken/T1/data"
    page = client.get(path).get_data(as_text=True)
    assert 'value="2013-10-01T00:00:00"' in page and 'value="2013-12-31T23:59:59"' in page
    response = post_form(client, path, {"opens_at": "2013-10-15T09:00",
                                        "closes_at": "2013-12-31T23:59:59",
                                        "reason": "Publicatie later dan gepland"})
    assert response.status_code == 302
    window = get_window("sectorplan", "T1")
    assert window.opens_at == amsterdam(2013, 10, 15, 9)
    [event] = db.session.scalars(sa.select(AdminEvent)).all()
    assert event.action == AdminAction.WINDOW_DATES_CHANGED
    assert event.reason == "Publicatie later dan gepland"
    assert event.data == {"opens_at": ["2013-10-01T00:00:00+02:00",
                                       "2013-10-15T09:00:00+02:00"]}
    page = text_of(client.get("/beheer/regelingen/sectorplan/tijdvakken/T1")
                   .get_data(as_text=True))
    assert "1 oktober 2013 00:00 → 15 oktober 2013 09:00" in page
    assert "Publicatie later dan gepland" in page


def test_dates_are_fixed_once_an_application_is_in_the_window(client, admin, schemes):
    window = get_window("sectorplan", "T2")
    ApplicationFactory(window=window)
    before = counts()
    response = post_form(client, "/beheer/regelingen/sectorplan/tijdvakken/T2/data",
                         {"opens_at": "2014-03-01T00:00", "closes_at": "2014-05-31T23:59:59",
                          "reason": "Eerder open"})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True))["opens_at"] == [
        "Er zijn al aanvragen in dit tijdvak: de data liggen vast. Het plafond kan wel worden "
        "gewijzigd."]
    assert get_window("sectorplan", "T2").opens_at == amsterdam(2014, 4, 1)
    assert counts() == before
    page = client.get("/beheer/regelingen/sectorplan/tijdvakken/T2").get_data(as_text=True)
    assert "De data liggen vast: er zijn al aanvragen in dit tijdvak." in page
    assert "/tijdvakken/T2/data" not in page


def test_a_mistyped_date_and_a_missing_reason_show_together(client, admin, schemes):
    response = post_form(client, "/beheer/regelingen/sectorplan/tijdvakken/T1/data",
                         {"opens_at": "15 oktober", "closes_at": "2014-01-31T23:59:59",
                          "reason": ""})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True)) == {
        "opens_at": ["Vul een datum en tijd in, bijvoorbeeld 1-10-2015 00:00:00."],
        "reason": ["Geef de reden van de wijziging."]}
    assert get_window("sectorplan", "T1").closes_at == amsterdam(2013, 12, 31, 23, 59, 59)


def test_moving_dates_needs_a_reason(client, admin, schemes):
    response = post_form(client, "/beheer/regelingen/sectorplan/tijdvakken/T1/data",
                         {"opens_at": "2013-10-15T09:00", "closes_at": "2013-12-31T23:59:59",
                          "reason": ""})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True))["reason"] == [
        "Geef de reden van de wijziging."]
    assert get_window("sectorplan", "T1").opens_at == amsterdam(2013, 10, 1)


# -- amending the ceiling -----------------------------------------------------------------------

def test_a_ceiling_amendment_keeps_the_reason_the_author_and_the_old_value(client, admin,
                                                                           schemes, room,
                                                                           login_as, app):
    room(5_000_000_00)
    path = "/beheer/regelingen/sectorplan/tijdvakken/T1/plafond"
    window_page = "/beheer/regelingen/sectorplan/tijdvakken/T1"
    assert 'value="185.000.000,00"' in client.get(path).get_data(as_text=True)
    response = post_form(client, path, {"ceiling": "190.000.000,00",
                                        "effective_on": "2013-11-01",
                                        "reason": "Extra middelen na de najaarsnota"})
    assert response.status_code == 302
    # Prepared, not yet in force: the ceiling stays until a second admin approves it.
    assert get_window("sectorplan", "T1").amendments == []
    assert get_window("sectorplan", "T1").ceiling_cents == 185_000_000_00
    [prepared] = db.session.scalars(sa.select(PreparedDecision)).all()
    page = text_of(client.get(window_page).get_data(as_text=True))
    assert "Ter goedkeuring voorgelegd" in page
    assert "€ 185.000.000,00 → € 190.000.000,00" in page
    assert "U heeft dit voorbereid: een collega keurt het goed." in page
    refused = post_form(client, f"/beheer/plafondwijzigingen/{prepared.id}/goedkeuren", {},
                        page=window_page)
    assert refused.status_code == 303
    assert "een ander moet het goedkeuren" in text_of(client.get(window_page)
                                                      .get_data(as_text=True))
    assert get_window("sectorplan", "T1").ceiling_cents == 185_000_000_00

    second = UserFactory(role=Role.ADMIN, name="Beheerder Bea")
    client = app.test_client()
    login_as(second, client=client)
    response = post_form(client, f"/beheer/plafondwijzigingen/{prepared.id}/goedkeuren", {},
                         page=window_page)
    assert response.status_code == 303
    [amendment] = get_window("sectorplan", "T1").amendments
    assert (amendment.old_ceiling_cents, amendment.new_ceiling_cents) == (
        185_000_000_00, 190_000_000_00)
    assert amendment.reason == "Extra middelen na de najaarsnota"
    assert amendment.effective_on == date(2013, 11, 1)
    assert (amendment.recorded_by_id, amendment.approved_by_id) == (admin.id, second.id)
    assert get_window("sectorplan", "T1").ceiling_cents == 190_000_000_00
    page = text_of(client.get(window_page).get_data(as_text=True))
    assert "€ 185.000.000,00 € 190.000.000,00 Extra middelen na de najaarsnota" in page
    assert "goedgekeurd door Beheerder Bea" in page
    assert "Ter goedkeuring voorgelegd" not in page


def test_a_prepared_ceiling_is_cancelled_with_a_reason(client, admin, schemes, room, clock):
    room(5_000_000_00)
    window_page = "/beheer/regelingen/sectorplan/tijdvakken/T1"
    change = amend_window(get_window("sectorplan", "T1"), ceilings={None: 190_000_000_00},
                          reason="Najaarsnota", actor=admin, now=clock())
    db.session.commit()
    path = f"/beheer/plafondwijzigingen/{change.prepared[0].id}/annuleren"
    assert post_form(client, path, {"reason": " "}, page=window_page).status_code == 303
    assert "Geef de reden van de annulering." in text_of(
        client.get(window_page).get_data(as_text=True))
    assert post_form(client, path, {"reason": "Toch niet"}, page=window_page).status_code == 303
    decision = db.session.get(PreparedDecision, change.prepared[0].id)
    db.session.refresh(decision)
    assert (decision.status, decision.cancel_reason) == ("cancelled", "Toch niet")
    assert get_window("sectorplan", "T1").ceiling_cents == 185_000_000_00
    with pytest.raises(Exception, match="geannuleerd"):
        approvals.approve(decision.id, UserFactory(role=Role.ADMIN), clock())


def test_an_amendment_needs_a_reason(client, admin, schemes):
    before = counts()
    response = post_form(client, "/beheer/regelingen/sectorplan/tijdvakken/T1/plafond",
                         {"ceiling": "190.000.000,00", "effective_on": "2013-11-01",
                          "reason": "  "})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True)) == {
        "reason": ["Geef de reden van de wijziging."]}
    assert counts() == before


def test_a_ceiling_cannot_drop_below_what_is_committed(client, admin, committed_t2, clock):
    before = counts()
    response = post_form(client, "/beheer/regelingen/sectorplan/tijdvakken/T2/plafond",
                         {"ceiling": "900.000,00", "effective_on": "2014-04-01",
                          "reason": "Bezuiniging"})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True))["ceiling"] == [
        "Er is al € 950.166,66 gereserveerd of verplicht; het plafond kan niet lager worden."]
    # € 200 mln in 2014: the € 205 mln applies from 14 January 2015.
    assert get_window("sectorplan", "T2").ceiling_cents == 200_000_000_00
    assert counts() == before

    # Exactly what is committed is allowed: nothing is left to grant.
    response = post_form(client, "/beheer/regelingen/sectorplan/tijdvakken/T2/plafond",
                         {"ceiling": "950.166,66", "effective_on": "2014-04-01",
                          "reason": "Bezuiniging"})
    assert response.status_code == 302
    [prepared] = db.session.scalars(sa.select(PreparedDecision)).all()
    approvals.approve(prepared.id, UserFactory(role=Role.ADMIN), clock())
    assert get_window("sectorplan", "T2").ceiling_cents == T2_COMMITTED


def test_an_amendment_is_recorded_on_or_after_the_day_it_takes_effect(client, admin, schemes,
                                                                      clock):
    # Today is 1 April 2014: a lower ceiling from 2 April may not count yet.
    before = counts()
    response = post_form(client, "/beheer/regelingen/sectorplan/tijdvakken/T1/plafond",
                         {"ceiling": "180.000.000,00", "effective_on": "2014-04-02",
                          "reason": "Bezuiniging"})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True)) == {"effective_on": [
        "De wijziging gaat pas in op 2 april 2014; tot die dag geldt het huidige plafond. "
        "Leg haar vast op of na 2 april 2014."]}
    assert get_window("sectorplan", "T1").ceiling_cents == 185_000_000_00
    assert counts() == before

    clock.advance(days=1)
    response = post_form(client, "/beheer/regelingen/sectorplan/tijdvakken/T1/plafond",
                         {"ceiling": "180.000.000,00", "effective_on": "2014-04-02",
                          "reason": "Bezuiniging"})
    assert response.status_code == 302
    [prepared] = db.session.scalars(sa.select(PreparedDecision)).all()
    approvals.approve(prepared.id, UserFactory(role=Role.ADMIN), clock())
    assert get_window("sectorplan", "T1").ceiling_cents == 180_000_000_00


def test_an_unchanged_ceiling_is_no_amendment(client, admin, schemes):
    response = post_form(client, "/beheer/regelingen/sectorplan/tijdvakken/T1/plafond",
                         {"ceiling": "185.000.000,00", "effective_on": "2013-11-01",
                          "reason": "Niets"})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True))["ceiling"] == [
        "Dit is het huidige plafond; er is niets gewijzigd."]


def test_moving_money_between_categories_in_one_amendment(admin, schemes, clock):
    window = get_window("praktijkleren", "2013-2014")
    change = amend_window(window, ceilings={PlaceCategory.MBO: 186_900_000_00,
                                            PlaceCategory.VMBO: 3_400_000_00},
                          reason="Verschuiving naar vmbo", actor=admin, now=clock())
    # Raising vmbo alone would not fit the budget: both are approved together, the cut first.
    assert len(change.prepared) == 2
    assert window.line_for(PlaceCategory.VMBO).ceiling_cents != 3_400_000_00
    approved_by_a_second_admin(change, clock)
    assert window.line_for(PlaceCategory.VMBO).ceiling_cents == 3_400_000_00
    assert window.line_for(PlaceCategory.MBO).ceiling_cents == 186_900_000_00
    assert len(get_window("praktijkleren", "2013-2014").amendments) == 2
    assert unallocated_cents(window.lines[0].budget) == 0


# -- the API ------------------------------------------------------------------------------------

@pytest.fixture
def admin_api(client, clock):
    token = create_token(UserFactory(role=Role.ADMIN), clock())[1]

    def call(method: str, path: str, body=None, **kwargs):
        return client.open(f"/api/v1{path}", method=method, json=body,
                           headers={"Authorization": f"Bearer {token}"}, **kwargs)

    return call


def test_api_opens_a_window(admin_api, schemes, room):
    room(10_000_000_00)
    response = admin_api("POST", "/schemes/sectorplan/windows", {
        "code": "T4", "opens_at": "2015-10-01T00:00:00+02:00",
        "closes_at": "2015-11-30T23:59:59+01:00", "ceiling": "10000000.00"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["code"] == "T4" and body["name"] == "Tijdvak T4"
    assert body["opens_at"] == "2015-10-01T00:00:00+02:00"
    assert body["closes_at"] == "2015-11-30T23:59:59+01:00"
    assert body["ceiling"] == "10000000.00" and body["amendments"] == []
    schemes_list = admin_api("GET", "/schemes").get_json()["items"]
    sectorplan = next(s for s in schemes_list if s["code"] == "sectorplan")
    assert [w["code"] for w in sectorplan["windows"]][-1] == "T4"


def test_api_opens_a_praktijkleren_window_with_categories(admin_api, schemes, admin, clock):
    change = amend_window(get_window("praktijkleren", "2014-2015"),
                          ceilings={PlaceCategory.HBO: 0}, reason="Naar 2015/2016", actor=admin,
                          now=clock())
    approved_by_a_second_admin(change, clock)
    response = admin_api("POST", "/schemes/praktijkleren/windows", {
        "code": "najaar-2015", "name": "Najaar 2015",
        "opens_at": "2015-10-01T00:00:00+02:00", "closes_at": "2015-12-15T17:00:00+01:00",
        "categories": [{"code": "hbo", "ceiling": "8000000.00"},
                       {"code": "vmbo", "ceiling": "0.00"}, {"code": "mbo", "ceiling": "0"},
                       {"code": "promovendus", "ceiling": "0.00"}]})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert {c["code"]: c["ceiling"] for c in body["categories"]}["hbo"] == "8000000.00"


@pytest.mark.parametrize(("body", "fields"), [
    ({"opens_at": "2015-10-01T00:00:00+02:00", "closes_at": "2015-11-30T00:00:00+01:00",
      "ceiling": "1.00"}, {"code"}),
    ({"code": "T4", "opens_at": "2015-10-01", "closes_at": "2015-11-30T00:00:00+01:00",
      "ceiling": "1.00"}, {"opens_at"}),
    ({"code": "T4", "opens_at": "2015-10-01T00:00:00+02:00",
      "closes_at": "2015-11-30T00:00:00+01:00", "ceiling": 1000}, {"ceiling"}),
    ({"code": "T4", "opens_at": "2015-10-01T00:00:00+02:00",
      "closes_at": "2015-11-30T00:00:00+01:00", "ceiling": "-1.00"}, {"ceiling"}),
    ({"code": "T4", "opens_at": "2015-10-01T00:00:00+02:00",
      "closes_at": "2015-11-30T00:00:00+01:00", "ceiling": "10000000.01"}, {"ceiling"}),
    ({"code": "T2", "opens_at": "2015-10-01T00:00:00+02:00",
      "closes_at": "2015-11-30T00:00:00+01:00", "ceiling": "1.00"}, {"code"}),
    ({"code": "T4", "opens_at": "2015-10-01T00:00:00+02:00",
      "closes_at": "2015-11-30T00:00:00+01:00",
      "categories": [{"code": "mbo", "ceiling": "1.00"}]}, {"categories", "ceiling"}),
])
def test_api_window_errors_name_the_field_and_change_nothing(admin_api, schemes, room, body,
                                                             fields):
    room(10_000_000_00)
    before = counts()
    response = admin_api("POST", "/schemes/sectorplan/windows", body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and error["message"]
    assert set(error["fields"]) == fields
    assert all(isinstance(m, str) for messages in error["fields"].values() for m in messages)
    assert counts() == before


def test_api_praktijkleren_categories_are_checked_by_position(admin_api, schemes):
    response = admin_api("POST", "/schemes/praktijkleren/windows", {
        "code": "2015-2016", "opens_at": "2016-06-02T00:00:00+02:00",
        "closes_at": "2016-09-15T17:00:00+02:00",
        "categories": [{"code": "vmbo", "ceiling": "0.00"}, {"code": "wo", "ceiling": "1.00"},
                       {"code": "hbo", "ceiling": "1,00"}]})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {
        "categories[1].code", "categories[2].ceiling"}


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/schemes/sectorplan/windows"), ("PATCH", "/schemes/sectorplan/windows/T1")])
def test_api_window_changes_are_for_admins(client, schemes, clock, method, path):
    token = create_token(UserFactory(role=Role.FINANCE), clock())[1]
    before = counts()
    response = client.open(f"/api/v1{path}", method=method, json={"reason": "x"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert client.open(f"/api/v1{path}", method=method, json={}).status_code == 401
    assert counts() == before


def test_api_unknown_scheme_or_window_is_404_and_bad_json_400(admin_api, schemes):
    assert admin_api("POST", "/schemes/nope/windows", {}).status_code == 404
    assert admin_api("PATCH", "/schemes/sectorplan/windows/T9", {}).status_code == 404
    response = admin_api("PATCH", "/schemes/sectorplan/windows/T1", None, data="{nope",
                         content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def world_admin(client, clock):
    """A second admin's API client."""
    token = create_token(UserFactory(role=Role.ADMIN), clock())[1]
    db.session.commit()  # a refused request rolls back what is not committed
    return lambda method, path, body=None: client.open(
        f"/api/v1{path}", method=method, json=body, headers={"Authorization": f"Bearer {token}"})


def test_api_amends_a_ceiling_and_keeps_the_old_value(admin_api, schemes, room, client, clock):
    room(5_000_000_00)
    response = admin_api("PATCH", "/schemes/sectorplan/windows/T1", {
        "ceiling": "190000000.00", "reason": "Najaarsnota", "effective_on": "2013-11-01"})
    # Prepared: the ceiling changes when a second admin approves it.
    assert response.status_code == 202
    body = response.get_json()
    assert body["ceiling"] == "185000000.00" and body["amendments"] == []
    [prepared] = body["prepared"]
    assert (prepared["kind"], prepared["status"], prepared["ceiling"], prepared["line"]) == (
        "ceiling", "prepared", "190000000.00", "T1")
    second = world_admin(client, clock)
    assert admin_api("POST", f"/approvals/{prepared['id']}/approve").status_code == 409
    approved = second("POST", f"/approvals/{prepared['id']}/approve")
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    body = admin_api("GET", "/schemes").get_json()
    body = next(w for s in body["items"] if s["code"] == "sectorplan" for w in s["windows"]
                if w["code"] == "T1")
    assert body["ceiling"] == "190000000.00"
    [amendment] = get_window("sectorplan", "T1").amendments
    assert (amendment.old_ceiling_cents, amendment.new_ceiling_cents) == (
        185_000_000_00, 190_000_000_00)
    assert amendment.reason == "Najaarsnota" and amendment.effective_on == date(2013, 11, 1)
    assert amendment.recorded_by.email.endswith("@example.nl")


def test_api_moves_dates_only_without_applications(admin_api, schemes):
    response = admin_api("PATCH", "/schemes/sectorplan/windows/T1", {
        "opens_at": "2013-10-15T09:00:00+02:00", "reason": "Later gepubliceerd"})
    assert response.status_code == 200
    assert response.get_json()["opens_at"] == "2013-10-15T09:00:00+02:00"

    ApplicationFactory(window=get_window("sectorplan", "T2"))
    before = counts()
    response = admin_api("PATCH", "/schemes/sectorplan/windows/T2", {
        "closes_at": "2014-06-30T23:59:59+02:00", "reason": "Verlenging"})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"closes_at"}
    assert get_window("sectorplan", "T2").closes_at == amsterdam(2014, 5, 31, 23, 59, 59)
    assert counts() == before


@pytest.mark.parametrize(("body", "fields"), [
    ({"ceiling": "190000000.00"}, {"reason"}),
    ({"ceiling": "190000000.00", "reason": "x", "effective_on": "1 mei"}, {"effective_on"}),
    ({"categories": [{"code": "vmbo", "ceiling": "1.00"}], "reason": "x"}, {"categories"}),
    ({"reason": "Niets"}, set()),
    ({"ceiling": "185000000.00", "reason": "Gelijk"}, {"ceiling"}),
    ({"ceiling": "200000000.00", "reason": "Te veel"}, {"ceiling"}),
    ({"ceiling": "180000000.00", "reason": "Later", "effective_on": "2014-04-02"},
     {"effective_on"}),
])
def test_api_amendment_errors(admin_api, schemes, body, fields):
    before = counts()
    response = admin_api("PATCH", "/schemes/sectorplan/windows/T1", body)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == fields
    assert counts() == before
    assert get_window("sectorplan", "T1").ceiling_cents == 185_000_000_00


def test_api_refuses_a_ceiling_below_what_is_committed(world, committed_t2):
    before = counts()
    response = world.admin.call("PATCH", "/schemes/sectorplan/windows/T2", {
        "ceiling": "1.00", "reason": "Bezuiniging"})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"ceiling": [
        "Er is al €\xa0950.166,66 gereserveerd of verplicht; het plafond kan niet lager worden."]}
    assert counts() == before


def test_api_category_amendment_files_errors_by_position(world, schemes):
    response = world.admin.call("PATCH", "/schemes/praktijkleren/windows/2013-2014", {
        "reason": "Meer voor hbo",
        "categories": [{"code": "vmbo", "ceiling": "1400000.00"},
                       {"code": "hbo", "ceiling": "9000000.00"}]})
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"categories[1].ceiling"}
    assert "komen dan samen boven het budget" in fields["categories[1].ceiling"][0]


# -- who may ------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/beheer/", "/beheer/regelingen", "/beheer/regelingen/sectorplan/tijdvakken/nieuw",
    "/beheer/regelingen/sectorplan/tijdvakken/T1",
    "/beheer/regelingen/sectorplan/tijdvakken/T1/data",
    "/beheer/regelingen/sectorplan/tijdvakken/T1/plafond", "/beheer/logboek"])
@pytest.mark.parametrize("role", [Role.APPLICANT, Role.FINANCE, Role.APPROVER])
def test_only_admins_see_the_admin_pages(client, login_as, schemes, role, path):
    login_as(UserFactory(role=role))
    assert client.get(path).status_code == 403


def test_others_cannot_amend_by_posting(client, login_as, schemes):
    from tests.conftest import csrf_token

    login_as(UserFactory(role=Role.FINANCE))
    before = counts()
    response = client.post("/beheer/regelingen/sectorplan/tijdvakken/T1/plafond", data={
        "ceiling": "1,00", "effective_on": "2014-01-01", "reason": "x",
        "csrf_token": csrf_token(client, "/financien/")})
    assert response.status_code == 403
    assert counts() == before


def test_unknown_scheme_or_window_is_404(client, admin, schemes):
    assert client.get("/beheer/regelingen/nope/tijdvakken/nieuw").status_code == 404
    assert client.get("/beheer/regelingen/sectorplan/tijdvakken/T9").status_code == 404
    assert client.get("/beheer/regelingen/sectorplan/tijdvakken/T9/plafond").status_code == 404


def test_open_window_service_refuses_outside_the_budget_period(admin, schemes, clock):
    from grants.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        open_window(schemes["rif"], code="2018-1", name="2018", opens_at=amsterdam(2013, 12, 1),
                    closes_at=amsterdam(2018, 1, 31), ceilings={None: 0}, actor=admin,
                    now=clock())
    assert set(refused.value.fields) == {"opens_at", "closes_at"}
