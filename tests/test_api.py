from decimal import Decimal

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import ApiToken, Role
from grants.services.tokens import create_token
from tests.factories import ApplicationFactory, OrganisationFactory, UserFactory


@pytest.fixture
def token_for(clock):
    def _token(user):
        return create_token(user, clock())[1]

    return _token


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer grt_not-a-real-token"}, {"Authorization": "Basic abc"},
])
def test_no_valid_token_is_401_with_the_error_shape(client, headers):
    response = client.get("/api/v1/schemes", headers=headers)
    assert response.status_code == 401
    error = response.get_json()["error"]
    assert error["code"] == "unauthorized"
    assert error["message"]
    assert error["fields"] == {}


def test_schemes_with_windows_and_ceilings_as_decimal_strings(client, schemes, token_for):
    response = client.get("/api/v1/schemes", headers=bearer(token_for(UserFactory())))
    assert response.status_code == 200
    body = response.get_json()
    by_code = {scheme["code"]: scheme for scheme in body["items"]}
    assert set(by_code) == {"sectorplan", "praktijkleren", "rif"}
    assert body["total"] == 3

    sectorplan = {w["code"]: w for w in by_code["sectorplan"]["windows"]}
    # On 1 April 2014: € 205 mln only from 14 January 2015 [BWBR0034947, art. 2].
    assert sectorplan["T2"]["ceiling"] == "200000000.00"
    assert sectorplan["T2"]["opens_at"] == "2014-04-01T00:00:00+02:00"
    assert sectorplan["T2"]["closes_at"] == "2014-05-31T23:59:59+02:00"

    praktijkleren = by_code["praktijkleren"]["windows"][0]
    assert praktijkleren["closes_at"] == "2014-09-15T17:00:00+02:00"
    assert {c["code"]: c["ceiling"] for c in praktijkleren["categories"]} == {
        "vmbo": "1400000.00", "mbo": "188900000.00", "hbo": "8000000.00",
        "promovendus": "6700000.00"}

    rif = {w["code"]: w["ceiling"] for w in by_code["rif"]["windows"]}
    assert rif["2014"] == "24000000.00"
    assert rif["2017-1"] == "19300000.00"
    assert sum(Decimal(v) for v in rif.values()) == Decimal("100000000.00")


def test_only_the_hash_of_a_token_is_stored(clock):
    user = UserFactory()
    record, token = create_token(user, clock())
    stored = db.session.execute(sa.select(ApiToken.__table__)).all()
    assert all(token not in str(tuple(row)) for row in stored)
    assert len(record.token_hash) == 64


def test_revoked_token_is_refused(client, schemes, clock):
    from grants.services.tokens import revoke_token

    record, token = create_token(UserFactory(), clock())
    assert client.get("/api/v1/schemes", headers=bearer(token)).status_code == 200
    revoke_token(clock(), token_id=record.id)
    assert client.get("/api/v1/schemes", headers=bearer(token)).status_code == 401


def test_token_of_a_deactivated_user_is_refused(client, schemes, token_for):
    user = UserFactory()
    token = token_for(user)
    user.active = False
    db.session.commit()
    assert client.get("/api/v1/schemes", headers=bearer(token)).status_code == 401


def test_session_cookie_does_not_authenticate_the_api(client, login_as):
    login_as(UserFactory())
    assert client.get("/api/v1/schemes").status_code == 401


def test_applications_are_scoped_to_the_organisation(client, schemes, token_for):
    window = schemes["rif"].windows[0]
    ours, theirs = OrganisationFactory(), OrganisationFactory()
    own = ApplicationFactory(organisation=ours, window=window, requested_cents=250_000_00)
    other = ApplicationFactory(organisation=theirs, window=window)
    headers = bearer(token_for(UserFactory(organisation=ours)))

    listing = client.get("/api/v1/applications", headers=headers).get_json()
    assert listing["total"] == 1
    assert [item["id"] for item in listing["items"]] == [own.id]
    assert listing["items"][0]["requested_amount"] == "250000.00"

    assert client.get(f"/api/v1/applications/{own.id}", headers=headers).status_code == 200
    hidden = client.get(f"/api/v1/applications/{other.id}", headers=headers)
    missing = client.get("/api/v1/applications/999999", headers=headers)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json() == missing.get_json()
    assert hidden.get_json()["error"]["code"] == "not_found"


def test_staff_token_sees_all_applications(client, schemes, token_for):
    window = schemes["rif"].windows[0]
    ApplicationFactory(window=window)
    ApplicationFactory(window=window)
    listing = client.get("/api/v1/applications",
                         headers=bearer(token_for(UserFactory(role=Role.ASSESSOR)))).get_json()
    assert listing["total"] == 2


@pytest.mark.parametrize(("query", "field"), [
    ("state=bogus", "state"), ("region=Atlantis", "region"), ("page=0", "page"),
    ("per_page=1000", "per_page"),
])
def test_bad_filters_name_the_field(client, token_for, query, field):
    response = client.get(f"/api/v1/applications?{query}",
                          headers=bearer(token_for(UserFactory())))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_unknown_api_path_answers_json(client, token_for):
    response = client.get("/api/v1/nothing-here", headers=bearer(token_for(UserFactory())))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
