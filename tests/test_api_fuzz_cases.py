"""Input seen breaking the API in the attack of issue 15, each answered with a Dutch 4xx in the
API's error shape and nothing stored: deep JSON, lone surrogates, NUL bytes, dates at the edge of
the calendar, huge organisation ids, money that is not the API's decimal string."""

import json

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import Application


def stored() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Application))


def post_raw(world, body: bytes):
    return world.applicant.client.post(
        "/api/v1/applications", data=body,
        headers={"Authorization": f"Bearer {world.applicant.token}",
                 "Content-Type": "application/json"})


def test_json_nested_a_hundred_thousand_deep_is_malformed_not_a_crash(world):
    response = post_raw(world, b"[" * 100_000 + b"]" * 100_000)
    assert response.status_code == 400, response.data[:300]
    assert response.get_json()["error"]["code"] == "bad_request"
    assert stored() == 0


@pytest.mark.parametrize("text", ["\ud800", "Sector\udfffplan"])
def test_a_lone_surrogate_in_a_text_is_refused_naming_the_field(world, text):
    # json.dumps writes a lone surrogate as its \\u escape, as a hostile client would send it.
    body = json.dumps({"scheme": "sectorplan", "window": "T2", "title": text}).encode()
    assert b"\\ud" in body
    response = post_raw(world, body)
    assert response.status_code == 422, response.data[:300]
    assert response.get_json()["error"]["fields"]["title"] == [
        "Dit veld bevat een teken dat niet kan worden opgeslagen (een nulteken of een losse "
        "surrogaathelft)."]
    assert stored() == 0


def test_a_nul_byte_in_a_text_is_refused_naming_the_field(world):
    response = world.applicant.create(world.sectorplan(title="Sector\x00plan"))
    assert response.status_code == 422, response.data[:300]
    assert "title" in response.get_json()["error"]["fields"]
    assert stored() == 0


@pytest.mark.parametrize("value", [10**20, 1e20, "1e20", -1, 0, True, 2**31])
def test_an_organisation_id_no_database_holds_is_refused(world, value):
    response = world.applicant.create(world.sectorplan(lead_organisation=value))
    assert response.status_code == 422, response.data[:300]
    assert "lead_organisation" in response.get_json()["error"]["fields"]
    assert stored() == 0


@pytest.mark.parametrize("amount", [500000, 500000.0, "\u0665\u0660\u0660.00", "５００.00"])
def test_money_is_only_the_api_decimal_string(world, amount):
    body = world.sectorplan()
    body["measures"][0]["requested_subsidy"] = amount
    response = world.applicant.create(body)
    assert response.status_code == 422, response.data[:300]
    assert "measures[0].requested_subsidy" in response.get_json()["error"]["fields"]
    assert stored() == 0


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00-12:00",
                                   "9999-12-31", "0001-01-01"])
def test_dates_at_the_edge_of_the_calendar_are_refused_or_kept_not_a_crash(world, value):
    response = world.applicant.create(world.sectorplan(starts_on=value))
    assert response.status_code in (201, 422), response.data[:300]


def test_a_nul_byte_deep_in_the_body_or_in_a_key_names_where(world):
    body = world.sectorplan()
    body["measures"][1]["title"] = "Van werk\x00"
    body["partners"][0]["r\x00le"] = "employers"
    response = world.applicant.create(body)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"measures[1].title", "partners[0]"}


def test_not_a_number_and_infinity_are_not_json(world):
    for constant in (b"NaN", b"Infinity", b"-Infinity"):
        response = post_raw(world, b'{"scheme": "sectorplan", "weeks": ' + constant + b"}")
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize("query", ["window=T%00", "state=%ED%A0%80", "scheme=sector%00plan"])
def test_a_filter_with_a_nul_byte_is_refused_naming_it(world, query):
    response = world.applicant.call("GET", f"/applications?{query}")
    assert response.status_code == 422
    name = query.split("=")[0]
    if "%00" in query:
        assert name in response.get_json()["error"]["fields"]


def test_a_query_with_a_nul_byte_is_refused_on_a_page_naming_it(client, world, login_as):
    login_as(world.assessor.user)
    response = client.get("/aanvragen?window=T2%00")
    assert response.status_code == 422
    assert "window" in response.get_data(as_text=True)


@pytest.mark.parametrize("field, moment", [
    ("opens_at", "0001-01-01T00:00:00+14:00"), ("closes_at", "9999-12-31T23:59:59-12:00")])
def test_a_moment_beyond_the_calendar_in_utc_is_refused_naming_the_field(world, field, moment):
    body = {"code": "T9", "opens_at": "2015-10-01T00:00:00+02:00",
            "closes_at": "2015-12-31T23:59:59+01:00", "ceiling": "1000.00", field: moment}
    response = world.admin.call("POST", "/schemes/sectorplan/windows", body)
    assert response.status_code == 422, response.data[:300]
    assert field in response.get_json()["error"]["fields"]
