"""GET/POST /api/v1/organisations (shared/api.md): the admin lists and enters organisations,
an applicant sees only its own, other staff are refused; every refusal names its field and
changes nothing."""

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import AdminAction, AdminEvent, Organisation, OrganisationStatus
from tests.conftest import rows

NEW = {"name": "Stichting Bouw & Techniek", "kvk": "12345678", "kind": "om_fund",
       "region": "Zuidoost"}


def organisation_count() -> int:
    return rows(Organisation.__table__)


def test_admin_creates_an_organisation_verified_by_the_admin(world, clock):
    before = organisation_count()
    response = world.admin.call("POST", "/organisations", {
        **NEW, "kvk": "1234 5678", "postcode": "5611ab", "city": "Eindhoven",
        "address": "Markt 1", "iban": "nl91 abna 0417 1643 00",
        "contact_name": "dhr. J. de Wit"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    # The KvK number without its space, the postcode as PostNL writes it, the IBAN compact.
    assert body["kvk"] == "12345678"
    assert body["postcode"] == "5611 AB"
    assert body["iban"] == "NL91ABNA0417164300"
    assert body["kind"] == "om_fund" and body["region"] == "Zuidoost"
    assert body["status"] == "verified"
    # START is 2014-04-01 07:00 UTC = 09:00 in Amsterdam (summer time, +02:00).
    assert body["verified"] == {"at": "2014-04-01T09:00:00+02:00", "by": world.admin.user.name}
    assert organisation_count() == before + 1
    (event,) = db.session.scalars(sa.select(AdminEvent).where(
        AdminEvent.organisation_id == body["id"]))
    assert event.action == AdminAction.ORGANISATION_CREATED
    assert event.actor_id == world.admin.user.id
    assert event.data["registration"]["kvk"] == "12345678"

    fetched = world.admin.call("GET", f"/organisations/{body['id']}")
    assert fetched.status_code == 200
    assert fetched.get_json() == body


@pytest.mark.parametrize(("change", "field"), [
    ({"kvk": "1234567"}, "kvk"),          # 7 digits
    ({"kvk": "00000000"}, "kvk"),         # no such number
    ({"kvk": "1234567a"}, "kvk"),
    ({"name": "   "}, "name"),
    ({"kind": "bank"}, "kind"),
    ({"region": "Atlantis"}, "region"),
    ({"iban": "NL91ABNA0417164301"}, "iban"),   # check digits do not match (mod 97)
    ({"iban": "DE89370400440532013000"}, "iban"),  # valid, but not Dutch
    ({"postcode": "25000 BJ"}, "postcode"),
    ({"name": 42}, "name"),
])
def test_a_wrong_field_is_named_and_nothing_is_created(world, change, field):
    before = organisation_count()
    response = world.admin.call("POST", "/organisations", {**NEW, **change})
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert set(error["fields"]) == {field}
    assert organisation_count() == before


def test_every_missing_required_field_is_named_at_once(world):
    response = world.admin.call("POST", "/organisations", {})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"name", "kvk", "kind", "region"}


def test_a_kvk_number_already_registered_is_refused(world):
    # world.employers was made with a KvK number of its own; the same number is refused.
    response = world.admin.call("POST", "/organisations", {**NEW, "kvk": world.employers.kvk})
    assert response.status_code == 422
    (message,) = response.get_json()["error"]["fields"]["kvk"]
    assert "Metaalwerkgevers" in message


def test_malformed_json_is_400(world):
    response = world.admin.client.post(
        "/api/v1/organisations", data="{", content_type="application/json",
        headers={"Authorization": f"Bearer {world.admin.token}"})
    assert response.status_code == 400


@pytest.mark.parametrize("who", ["applicant", "assessor", "finance"])
def test_only_an_admin_creates(world, who):
    before = organisation_count()
    response = getattr(world, who).call("POST", "/organisations", NEW)
    assert response.status_code == 403
    assert organisation_count() == before


def test_the_admin_lists_every_organisation_with_filters(world):
    everything = world.admin.call("GET", "/organisations?per_page=200").get_json()
    # world has four organisations and the outsider's own one.
    assert everything["total"] == organisation_count() == 5
    names = [item["name"] for item in everything["items"]]
    assert names == sorted(names, key=str.lower)

    mbo = world.admin.call("GET", "/organisations?kind=mbo_institution").get_json()
    assert [item["name"] for item in mbo["items"]] == ["ROC Noord"]
    assert world.admin.call("GET", "/organisations?status=pending").get_json()["total"] == 0
    one = world.admin.call("GET", f"/organisations?q={world.employees.kvk}").get_json()
    assert [item["name"] for item in one["items"]] == ["Metaalbond"]

    page = world.admin.call("GET", "/organisations?per_page=2&page=3").get_json()
    assert page["total"] == 5 and len(page["items"]) == 1  # 2 + 2 + 1


def test_a_wrong_filter_is_named(world):
    response = world.admin.call("GET", "/organisations?status=gone&region=Atlantis")
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"status", "region"}


def test_an_applicant_sees_only_its_own_organisation(world):
    listed = world.applicant.call("GET", "/organisations").get_json()
    assert listed["total"] == 1
    assert [item["id"] for item in listed["items"]] == [world.employers.id]
    own = world.applicant.call("GET", f"/organisations/{world.employers.id}")
    assert own.status_code == 200 and own.get_json()["kvk"] == world.employers.kvk
    # Another organisation answers exactly as one that does not exist.
    other = world.applicant.call("GET", f"/organisations/{world.employees.id}")
    missing = world.applicant.call("GET", "/organisations/999999")
    assert other.status_code == missing.status_code == 404
    assert other.get_json() == missing.get_json()


@pytest.mark.parametrize("who", ["assessor", "approver", "finance", "committee"])
def test_other_staff_do_not_read_the_register(world, who):
    assert getattr(world, who).call("GET", "/organisations").status_code == 403
    assert getattr(world, who).call(
        "GET", f"/organisations/{world.employers.id}").status_code == 403


def test_an_unknown_organisation_is_404_for_the_admin(world):
    assert world.admin.call("GET", "/organisations/999999").status_code == 404


def test_without_a_token_401(client):
    assert client.get("/api/v1/organisations").status_code == 401
    assert client.post("/api/v1/organisations", json=NEW).status_code == 401


def test_the_status_is_in_the_json(world, pending):
    body = world.admin.call("GET", f"/organisations/{pending.id}").get_json()
    assert body["status"] == "pending"
    assert body["verified"] is None
    assert db.session.get(Organisation, pending.id).status == OrganisationStatus.PENDING
