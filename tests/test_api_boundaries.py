"""What the API takes as a number, and how it refuses what is too big (issue 15): ids and pages
are ASCII whole numbers a database can hold, and every refusal is a Dutch 4xx in the API's error
shape — never a 500."""

import pytest

from grants.views.boundaries import LARGEST_ID


@pytest.mark.parametrize("number", [str(LARGEST_ID + 1), "99999999999999999999999999", "0"])
def test_an_id_no_database_holds_is_not_found(world, number):
    response = world.applicant.call("GET", f"/applications/{number}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_the_largest_id_a_database_holds_is_looked_up_and_simply_not_there(world):
    response = world.applicant.call("GET", f"/applications/{LARGEST_ID}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_a_page_with_a_huge_id_is_not_found_for_people_either(client, world, login_as):
    login_as(world.assessor.user)
    assert client.get(f"/aanvragen/{LARGEST_ID + 1}").status_code == 404


@pytest.mark.parametrize("page", ["99999999999999999999", "2147483648", "1_0", " 1", "\u0661",
                                  "-1", "0", "1e3"])
def test_a_page_number_that_is_not_a_plain_whole_number_is_named(world, page):
    response = world.applicant.call("GET", f"/applications?page={page}")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {
        "page": ["page is een geheel getal van 1 tot en met 2147483647."]}


def test_the_last_page_number_allowed_answers_an_empty_page(world):
    response = world.applicant.call("GET", "/applications?page=2147483647&per_page=100")
    assert response.status_code == 200
    assert response.get_json()["items"] == []


@pytest.mark.parametrize("per_page", ["\u0665", "5 ", "1001"])
def test_per_page_is_a_plain_number_within_its_range(world, per_page):
    response = world.applicant.call("GET", f"/applications?per_page={per_page}")
    assert response.status_code == 422
    assert "per_page" in response.get_json()["error"]["fields"]


def test_a_body_over_the_limit_is_refused_in_dutch_with_its_own_code(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    response = world.applicant.client.post(
        "/api/v1/applications", data=b"{" + b" " * 2048 + b"}",
        headers={"Authorization": f"Bearer {world.applicant.token}",
                 "Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.get_json()["error"] == {
        "code": "payload_too_large", "message": "Het verzoek is te groot.", "fields": {}}


@pytest.mark.no_db
@pytest.mark.parametrize("limit", [9, 10, 57, 100, 301, 1000, LARGEST_ID])
def test_the_id_pattern_takes_exactly_the_whole_numbers_from_one_to_the_limit(limit):
    import re

    from grants.views.boundaries import whole_numbers_up_to

    pattern = re.compile(whole_numbers_up_to(limit))
    numbers = [*range(0, 1100), limit - 1, limit, limit + 1, limit * 10, 10**12]
    assert [n for n in numbers if bool(pattern.fullmatch(str(n))) != (1 <= n <= limit)] == []
    assert pattern.fullmatch("01") is None


@pytest.mark.parametrize("method", ["PATCH", "GET"])
@pytest.mark.parametrize("number", ["0", str(LARGEST_ID + 1)])
def test_an_id_out_of_range_is_not_found_whatever_the_method(world, method, number):
    # Once 405 for PATCH: the route matched, the converter refused, and Werkzeug then named
    # the GET route's methods.
    response = world.applicant.call(method, f"/applications/{number}", {} if method == "PATCH"
                                    else None)
    assert response.status_code == 404
