"""Praktijkleren places from a CSV file, through the API and the applicant's page: every line
checked, and one wrong line imports nothing (issue 5, shared/api.md)."""

import io
import re
from datetime import UTC, datetime

import pytest

from grants.services import places_csv
from grants.services.places_csv import MAX_REPORTED_LINES
from tests.conftest import csrf_token

IN_WINDOW = datetime(2014, 6, 10, 8, 0, tzinfo=UTC)  # window 2013-2014: 2 June – 15 September
HEADER = "student_name,category,programme_code,school,starts_on,ends_on,weeks"
DUTCH_HEADER = "naam_student;categorie;opleidingscode;school;begindatum;einddatum;weken"
# The optional columns, null in the API when a file leaves them out.
NOT_GIVEN = dict.fromkeys(("date_of_birth", "student_number", "months", "hours_per_week"))


def line(student="Sanne de Vries", category="mbo", code="25180", school="ROC Noorderpoort",
         starts="2013-09-01", ends="2014-06-30", weeks="40", sep=","):
    return sep.join([student, category, code, school, starts, ends, str(weeks)])


def csv_file(*lines, header=HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def good_lines():
    return [
        line("Sanne de Vries", "mbo", weeks=40),
        line("Ahmed Yilmaz", "hbo", "34820", "Hanzehogeschool", "2013-09-02", "2014-01-31", 21),
        line("Lotte Jansen", "mbo", "25181", weeks=20),
    ]


@pytest.fixture
def draft(world, clock):
    clock.moment = IN_WINDOW
    response = world.employer_applicant.create(world.praktijkleren())
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def upload(api, application_id, body: bytes, content_type="text/csv"):
    return api.client.post(f"/api/v1/applications/{application_id}/places.csv", data=body,
                           headers={"Authorization": f"Bearer {api.token}",
                                    "Content-Type": content_type})


def refused(response, status=422) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()["error"]


def unchanged(world, draft):
    """Nothing of a refused file stays behind: places and amount as they were."""
    now = world.employer_applicant.get(draft["id"]).get_json()
    assert now["places"] == draft["places"]
    assert now["requested_amount"] == draft["requested_amount"]
    assert now["version"] == draft["version"]


# -- through the API --------------------------------------------------------------------------

def test_a_good_file_replaces_the_places_and_the_requested_amount(world, draft):
    assert draft["requested_amount"] == "4050.00"
    response = upload(world.employer_applicant, draft["id"], csv_file(*good_lines()))
    assert response.status_code == 200, response.get_json()
    # One full mbo place, 21/42 hbo, 20/40 mbo.
    assert response.get_json() == {
        "imported": 3, "lines": 3, "application": draft["id"],
        "fractions": {"vmbo": "0", "mbo": "1.5", "hbo": "0.5", "promovendus": "0"},
        "requested_amount": "5400.00",
    }
    application = world.employer_applicant.get(draft["id"]).get_json()
    assert application["requested_amount"] == "5400.00"
    assert [place["student_name"] for place in application["places"]] == [
        "Sanne de Vries", "Ahmed Yilmaz", "Lotte Jansen"]
    assert application["places"][1] == {
        "student_name": "Ahmed Yilmaz", "category": "hbo", "programme_code": "34820",
        "school": "Hanzehogeschool", "starts_on": "2013-09-02", "ends_on": "2014-01-31",
        "weeks": 21, **NOT_GIVEN}
    # The rest of the application is as it was.
    assert application["iban"] == draft["iban"]
    assert application["employer_id"] == draft["employer_id"]


def test_errors_on_lines_3_and_7_import_nothing_and_name_exactly_those_lines(world, draft):
    lines = [line(f"Student {number}", weeks=10) for number in range(8)]  # lines 2 to 9
    lines[1] = line("Student 1", weeks=41)  # line 3: more than a full mbo place
    lines[5] = line("Student 5", category="havo")  # line 7: no such category
    error = refused(upload(world.employer_applicant, draft["id"], csv_file(*lines)))
    assert error["code"] == "validation_failed"
    assert error["message"] == "Er is niets ingelezen: 2 regels van het bestand bevatten fouten."
    assert error["fields"] == {
        "line 3": ["weeks: Een volledige mbo-plaats telt 40 weken; meer weken tellen niet mee."],
        "line 7": ["category: Kies een van deze waarden: vmbo, mbo, hbo, promovendus."],
    }
    unchanged(world, draft)


def test_every_reason_on_a_line_names_its_column(world, draft):
    error = refused(upload(world.employer_applicant, draft["id"], csv_file(
        line(code="2518", school="", starts="2013-02-30", weeks="veertig"),
        line("Ahmed Yilmaz", starts="2014-07-01", ends="2014-06-30"),
        line("Lotte Jansen", "vmbo", code="", starts="2014-08-01", ends="2014-12-31"),
        line("Sem Bakker", "hbo", code=""),
    )))
    assert error["fields"] == {
        "line 2": ["programme_code: Een crebo- of crohocode bestaat uit 5 cijfers.",
                   "school: Dit veld is verplicht.",
                   "starts_on: 2013-02-30 is geen bestaande datum.",
                   "weeks: Geef het aantal weken als geheel getal op."],
        "line 3": ["ends_on: De einddatum ligt vóór de begindatum."],
        "line 4": ["starts_on: De plaats begint na het studiejaar, dat loopt van "
                   "1 augustus 2013 tot en met 31 juli 2014."],
        "line 5": ["programme_code: Vul de crohocode van de opleiding in."],
    }


def test_dutch_dates_as_excel_writes_them_are_read_as_the_same_days(world, draft):
    body = csv_file(
        line("Sanne de Vries", starts="1-9-2013", ends="30-06-2014", sep=";"),
        line("Lotte Jansen", "vmbo", "", "Het Stedelijk", "01/02/2014", "31.05.2014", 10,
             sep=";"),
        header=DUTCH_HEADER)
    response = upload(world.employer_applicant, draft["id"], body)
    assert response.status_code == 200, response.get_json()
    places = world.employer_applicant.get(draft["id"]).get_json()["places"]
    assert [(p["starts_on"], p["ends_on"]) for p in places] == [
        ("2013-09-01", "2014-06-30"), ("2014-02-01", "2014-05-31")]
    # 10 of 40 weeks of vmbo, 40 of 40 of mbo.
    assert response.get_json()["fractions"] == {
        "vmbo": "0.25", "mbo": "1", "hbo": "0", "promovendus": "0"}


def test_a_dutch_date_that_does_not_exist_is_named_on_its_line(world, draft):
    error = refused(upload(world.employer_applicant, draft["id"], csv_file(
        line(starts="30-02-2014"))))
    assert error["fields"] == {"line 2": ["starts_on: 2014-02-30 is geen bestaande datum."]}
    unchanged(world, draft)


def test_semicolons_dutch_headers_and_a_byte_order_mark(world, draft):
    body = "\ufeff" + "\r\n".join([
        DUTCH_HEADER,
        line("Vries, Sanne de", sep=";"),
        line('Jansen "Lotte"', "vmbo", "", "Het Stedelijk", "2014-02-01", "2014-05-31", 10,
             sep=";"),
        ";;;;;;",  # the empty line a spreadsheet leaves: skipped
    ]) + "\r\n"
    response = upload(world.employer_applicant, draft["id"], body.encode())
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["imported"] == 2
    assert response.get_json()["lines"] == 2
    assert response.get_json()["fractions"]["vmbo"] == "0.25"
    places = world.employer_applicant.get(draft["id"]).get_json()["places"]
    assert places[0]["student_name"] == "Vries, Sanne de"
    assert places[1] == {"student_name": 'Jansen "Lotte"', "category": "vmbo",
                         "programme_code": None, "school": "Het Stedelijk",
                         "starts_on": "2014-02-01", "ends_on": "2014-05-31", "weeks": 10,
                         **NOT_GIVEN}


def test_dutch_messages_name_the_column_as_the_file_names_it(world, draft):
    error = refused(upload(world.employer_applicant, draft["id"], csv_file(
        line(weeks="0", sep=";"), header=DUTCH_HEADER)))
    assert error["fields"] == {"line 2": ["weken: Dit moet ten minste 1 zijn."]}


def test_a_student_counted_above_one_place_names_both_lines(world, draft):
    # 1 September – 31 January: 153 days, 22 weeks; 1 February – 30 June: 150 days, 22 weeks.
    error = refused(upload(world.employer_applicant, draft["id"], csv_file(
        line("Sanne de Vries", starts="2013-09-01", ends="2014-01-31", weeks=22),  # line 2
        line("Ahmed Yilmaz", "hbo", "34820", weeks=42),  # line 3
        line("Sanne  de vries", starts="2014-02-01", ends="2014-06-30", weeks=20),  # line 4
    )))
    assert set(error["fields"]) == {"line 2", "line 4"}
    assert error["fields"]["line 4"] == [
        "weeks: Samen met een eerdere plaats telt deze student voor meer dan één volledige "
        "plaats in het studiejaar; verlaag het aantal weken. Zie regel 2."]
    assert error["fields"]["line 2"] == [
        "weeks: Samen met regel 4 telt deze student voor meer dan één volledige plaats in het "
        "studiejaar."]
    unchanged(world, draft)


def test_a_student_in_the_right_measure_over_two_lines_is_fine(world, draft):
    response = upload(world.employer_applicant, draft["id"], csv_file(
        line(starts="2013-09-01", ends="2014-01-31", weeks=20),
        line(starts="2014-02-01", ends="2014-06-30", weeks=20),
    ))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["fractions"]["mbo"] == "1"


FULL_HEADER = HEADER + ",date_of_birth,student_number,months,hours_per_week"


def test_promovendi_dates_of_birth_and_student_numbers_in_the_optional_columns(world, draft):
    body = csv_file(
        line("Sanne de Vries", weeks=40) + ",1996-03-14,ROC-881,,",
        # 10/12 × 24/36 = 5/9 of a place; € 2.700 × 5/9 = € 1.500,00.
        line("Daan Visser", "promovendus", "60370", "TU Delft", weeks="") + ",,,10,24",
        header=FULL_HEADER)
    response = upload(world.employer_applicant, draft["id"], body)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["fractions"]["promovendus"] == "0.5556"
    # One full mbo place € 2.700 + € 1.500 for the promovendus.
    assert response.get_json()["requested_amount"] == "4200.00"
    places = world.employer_applicant.get(draft["id"]).get_json()["places"]
    assert (places[0]["date_of_birth"], places[0]["student_number"]) == ("1996-03-14", "ROC-881")
    assert (places[1]["weeks"], places[1]["months"], places[1]["hours_per_week"]) == (
        None, 10, 24)


def test_a_promovendus_in_a_file_without_the_months_columns(world, draft):
    body = csv_file(line("Daan Visser", "promovendus", "60370", "TU Delft", weeks=""))
    error = refused(upload(world.employer_applicant, draft["id"], body))
    assert error["fields"] == {"line 2": ["months: Dit veld is verplicht.",
                                          "hours_per_week: Dit veld is verplicht."]}


def test_the_same_student_number_on_two_lines_is_one_student(world, draft):
    body = csv_file(line("Sanne de Vries", weeks=30) + ",,ROC881,,",
                    line("S. de Vries", starts="2013-10-01", weeks=20) + ",,roc 881,,",
                    header=FULL_HEADER)
    error = refused(upload(world.employer_applicant, draft["id"], body))
    assert set(error["fields"]) == {"line 2", "line 3"}
    assert error["fields"]["line 3"][0].endswith("Zie regel 2.")


def test_weeks_beyond_the_contract_name_both_figures(world, draft):
    # 1 September – 31 December 2013: 122 days, 18 started weeks.
    error = refused(upload(world.employer_applicant, draft["id"], csv_file(
        line(ends="2013-12-31", weeks=19))))
    assert error["fields"] == {"line 2": [
        "weeks: 19 weken is meer dan de 18 weken die de plaats in het studiejaar loopt "
        "(1 september 2013 tot en met 31 december 2013; een begonnen week telt als hele week)."]}


@pytest.mark.parametrize(("body", "expected"), [
    (b"", "Het bestand is leeg of begint niet met een kopregel"),
    (b"\n" + csv_file(line()), "Het bestand is leeg of begint niet met een kopregel"),
    (csv_file(), "Het bestand bevat geen plaatsen"),
    (csv_file(line(), header=HEADER.replace(",weeks", "")), "De kopregel"),
    (csv_file(line() + ",x", header=HEADER + ",remarks"), "De kopregel"),
    ("naam,categorie\nSanne,mbo\n".encode("utf-16"), "Het bestand is geen UTF-8"),
], ids=["empty", "blank-first-line", "header-only", "missing-column", "unknown-column",
        "utf-16"])
def test_a_file_that_is_no_list_of_places_is_refused_on_file(world, draft, body, expected):
    error = refused(upload(world.employer_applicant, draft["id"], body))
    assert error["message"].startswith(expected)
    assert list(error["fields"]) == ["file"]
    unchanged(world, draft)


def test_the_header_problems_are_named(world, draft):
    header = "student_name,categorie,category,school,begin,ends_on,weeks"
    error = refused(upload(world.employer_applicant, draft["id"], csv_file(header=header)))
    problems = error["fields"]["file"]
    assert problems[:3] == [
        "Onbekende kolom in de kopregel: begin.",
        "Dubbele kolom in de kopregel: category.",
        "De kopregel mist de kolommen programme_code, starts_on.",
    ]


def test_a_line_with_more_cells_than_the_header(world, draft):
    error = refused(upload(world.employer_applicant, draft["id"], csv_file(
        line(), line(school="ROC Noorderpoort, Groningen"))))
    assert list(error["fields"]) == ["line 3"]
    assert error["fields"]["line 3"][0].startswith("Deze regel heeft 8 kolommen en de kopregel 7")


def test_a_quoted_field_over_two_lines_keeps_the_numbering(world, draft):
    error = refused(upload(world.employer_applicant, draft["id"], csv_file(
        line('"Sanne\nde Vries"'),  # lines 2 and 3
        line("Ahmed", weeks=99),  # line 4
    )))
    assert list(error["fields"]) == ["line 4"]


def test_a_file_read_in_small_chunks_keeps_characters_and_line_numbers(world, draft,
                                                                       monkeypatch):
    monkeypatch.setattr(places_csv, "CHUNK_BYTES", 7)  # splits lines and characters alike
    body = csv_file(line("Zoë Çelik-Éénhoorn"), line("Jeroen Ørsted", weeks=50))
    error = refused(upload(world.employer_applicant, draft["id"], body))
    assert list(error["fields"]) == ["line 3"]
    response = upload(world.employer_applicant, draft["id"], csv_file(line("Zoë Çelik")))
    assert response.status_code == 200, response.get_json()
    places = world.employer_applicant.get(draft["id"]).get_json()["places"]
    assert places[0]["student_name"] == "Zoë Çelik"


@pytest.mark.parametrize("newline", ["\r", "\r\n"])
def test_line_ends_of_any_spreadsheet_keep_the_line_numbers(world, draft, monkeypatch,
                                                            newline):
    # An old Mac spreadsheet ends lines with CR alone; Windows with CR LF, here split between
    # two chunks of the stream as a large file is read.
    monkeypatch.setattr(places_csv, "CHUNK_BYTES", 5)
    lines = [HEADER, line("Sanne de Vries"), line("Ahmed", weeks=99), line("Lotte")]
    body = (newline.join(lines) + newline).encode()
    error = refused(upload(world.employer_applicant, draft["id"], body))
    assert list(error["fields"]) == ["line 3"]
    del lines[2]
    response = upload(world.employer_applicant, draft["id"], (newline.join(lines)).encode())
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["imported"] == 2
    places = world.employer_applicant.get(draft["id"]).get_json()["places"]
    assert [place["student_name"] for place in places] == ["Sanne de Vries", "Lotte"]


def test_a_nul_byte_in_a_cell_is_named_on_its_line_and_column(world, draft):
    error = refused(upload(world.employer_applicant, draft["id"], csv_file(
        line(), line("Ahmed\x00Yilmaz"))))
    assert error["fields"] == {"line 3": [
        "student_name: Hierin staat een nulteken (U+0000); dat kan niet worden opgeslagen."]}
    unchanged(world, draft)


def test_a_file_with_more_places_than_the_limit_is_refused(world, draft, app, monkeypatch):
    monkeypatch.setitem(app.config, "PLACES_CSV_MAX_PLACES", 3)
    assert upload(world.employer_applicant, draft["id"],
                  csv_file(*(line(f"Student {n}", weeks=10) for n in range(3)))
                  ).status_code == 200
    error = refused(upload(world.employer_applicant, draft["id"],
                           csv_file(*(line(f"Student {n}", weeks=10) for n in range(4)))))
    assert error["fields"] == {"file": [
        "Een bestand bevat hoogstens 3 plaatsen. Verdeel de plaatsen over kleinere bestanden "
        "of aanvragen."]}
    assert len(world.employer_applicant.get(draft["id"]).get_json()["places"]) == 3


def test_a_file_not_in_utf8_names_the_first_line_that_is_not(world, draft):
    body = "\n".join([HEADER, line(), line("Zoë de Wit"), ""]).encode("latin-1")
    error = refused(upload(world.employer_applicant, draft["id"], body))
    assert error["fields"]["file"][0].startswith("Regel 3 bevat tekens die geen UTF-8 zijn.")


def test_the_reported_lines_are_capped(world, draft):
    wrong = MAX_REPORTED_LINES + 50
    error = refused(upload(world.employer_applicant, draft["id"], csv_file(
        *(line(f"Student {n}", weeks=0) for n in range(wrong)))))
    fields = error["fields"]
    # The first lines with errors, in numbers (JSON keeps no order).
    assert set(fields) == {f"line {n}" for n in range(2, MAX_REPORTED_LINES + 2)} | {"file"}
    assert fields["file"] == ["… en nog 50 regels met fouten."]
    assert error["message"] == f"Er is niets ingelezen: {wrong} regels van het bestand " \
                               "bevatten fouten."


def test_a_file_over_the_size_limit_is_refused(world, draft, app, monkeypatch):
    monkeypatch.setitem(app.config, "PLACES_CSV_MAX_BYTES", 1000)
    body = csv_file(*(line(f"Student {n}") for n in range(30)))
    assert len(body) > 1000
    error = refused(upload(world.employer_applicant, draft["id"], body))
    assert error["fields"]["file"][0].startswith(
        "Een bestand met plaatsen is hoogstens 1.000 bytes")
    # Also without a Content-Length to check first: the stream is counted as it is read.
    response = world.employer_applicant.client.post(
        f"/api/v1/applications/{draft['id']}/places.csv", input_stream=io.BytesIO(body),
        headers={"Authorization": f"Bearer {world.employer_applicant.token}",
                 "Content-Type": "text/csv", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True})
    assert refused(response)["fields"]["file"][0].startswith("Een bestand met plaatsen")
    unchanged(world, draft)


def test_multipart_with_the_field_file(world, draft):
    api = world.employer_applicant
    response = api.client.post(
        f"/api/v1/applications/{draft['id']}/places.csv",
        data={"file": (io.BytesIO(csv_file(*good_lines())), "plaatsen.csv", "text/csv")},
        headers={"Authorization": f"Bearer {api.token}"}, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["imported"] == 3
    missing = api.client.post(
        f"/api/v1/applications/{draft['id']}/places.csv", data={"other": "x"},
        headers={"Authorization": f"Bearer {api.token}"}, content_type="multipart/form-data")
    assert list(refused(missing)["fields"]) == ["file"]


def test_json_is_not_a_csv(world, draft):
    error = refused(upload(world.employer_applicant, draft["id"], b"{}", "application/json"),
                    400)
    assert "text/csv" in error["message"]


def test_a_submitted_application_is_409(world, draft):
    assert world.employer_applicant.fire(draft["id"], "submit").status_code == 200
    error = refused(upload(world.employer_applicant, draft["id"], csv_file(*good_lines())), 409)
    assert error["code"] == "conflict"
    assert world.employer_applicant.get(draft["id"]).get_json()["places"] == draft["places"]


def test_another_organisations_application_is_404(world, draft):
    error = refused(upload(world.applicant, draft["id"], csv_file(*good_lines())), 404)
    assert error["code"] == "not_found"
    unchanged(world, draft)


def test_a_sector_plan_has_no_places(world, clock):
    number = world.applicant.create(world.sectorplan()).get_json()["id"]
    refused(upload(world.applicant, number, csv_file(*good_lines())), 404)


def test_an_assessor_is_403(world, draft):
    error = refused(upload(world.assessor, draft["id"], csv_file(*good_lines())), 403)
    assert error["code"] == "forbidden"
    unchanged(world, draft)


def test_no_token_is_401(client, draft):
    response = client.post(f"/api/v1/applications/{draft['id']}/places.csv",
                           data=csv_file(*good_lines()), content_type="text/csv")
    assert refused(response, 401)["code"] == "unauthorized"


def test_a_big_file_imports(world, draft):
    count = 20_000
    lines = (line(f"Student {n:05d}", "hbo" if n % 4 == 0 else "mbo",
                  weeks=21 if n % 4 == 0 else 40) for n in range(count))
    body = csv_file(*lines)
    response = upload(world.employer_applicant, draft["id"], body)
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert result["imported"] == result["lines"] == count
    assert result["fractions"] == {"vmbo": "0", "mbo": "15000", "hbo": "2500",
                                   "promovendus": "0"}
    # 15,000 full mbo places and 5,000 half hbo places at most € 2.700 each.
    assert result["requested_amount"] == f"{(15_000 + 2_500) * 2700}.00"
    application = world.employer_applicant.get(draft["id"]).get_json()
    assert len(application["places"]) == count
    assert application["places"][-1]["student_name"] == f"Student {count - 1:05d}"


# -- the applicant's page, without JavaScript -------------------------------------------------

def page_path(draft) -> str:
    return f"/aanvragen/{draft['id']}/plaatsen"


def post_file(client, draft, body: bytes, token: str | None):
    data = {"file": (io.BytesIO(body), "plaatsen.csv", "text/csv")}
    if token is not None:
        data["csrf_token"] = token
    return client.post(page_path(draft), data=data, content_type="multipart/form-data")


def test_the_page_shows_the_places_and_the_form(world, draft, login_as):
    client = login_as(world.employer_applicant.user)
    html = client.get(page_path(draft)).get_data(as_text=True)
    assert "Sanne de Vries" in html and "Ahmed Yilmaz" in html
    assert 'enctype="multipart/form-data"' in html
    assert '<label class="field__label" for="file">CSV-bestand met plaatsen</label>' in html
    assert '<progress id="places-upload-progress"' in html
    assert 'role="status" aria-live="polite"' in html
    assert "/static/js/places-upload.js" in html
    assert "<script>" not in html  # the policy allows no inline script


def test_the_page_upload_works_without_javascript(world, draft, login_as):
    client = login_as(world.employer_applicant.user)
    token = csrf_token(client, page_path(draft))
    response = post_file(client, draft, csv_file(*good_lines()), token)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(page_path(draft))
    html = client.get(page_path(draft)).get_data(as_text=True)
    assert "3 plaatsen ingelezen uit 3 regels" in html
    assert "€ 5.400,00" in html.replace("\xa0", " ")
    assert "Lotte Jansen" in html
    assert world.employer_applicant.get(draft["id"]).get_json()["requested_amount"] == "5400.00"


def test_the_page_lists_the_wrong_lines_and_imports_nothing(world, draft, login_as):
    client = login_as(world.employer_applicant.user)
    token = csrf_token(client, page_path(draft))
    lines = [line(f"Student {n}") for n in range(6)]
    lines[1] = line("Student 1", weeks=41)
    lines[5] = line("Student 5", category="havo")
    response = post_file(client, draft, csv_file(*lines), token)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="error-summary" role="alert"' in html
    assert "Er is niets ingelezen" in html
    assert re.findall(r'<a href="#file">Regel (\d+)</a>', html) == ["3", "7"]
    assert "havo" not in re.sub(r"<[^>]+>", "", html).split("Huidige plaatsen")[1]
    unchanged(world, draft)


def test_the_page_refuses_a_file_over_the_size_limit(world, draft, login_as, app,
                                                     monkeypatch):
    monkeypatch.setitem(app.config, "PLACES_CSV_MAX_BYTES", 1000)
    client = login_as(world.employer_applicant.user)
    token = csrf_token(client, page_path(draft))
    # Over the limit, within the multipart slack: the service refuses it, on the page.
    response = post_file(client, draft, csv_file(*(line(f"Student {n}") for n in range(30))),
                         token)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="error-summary" role="alert"' in html
    assert "Een bestand met plaatsen is hoogstens 1.000 bytes" in html
    # Far over it: refused on its Content-Length, before the body is read.
    response = post_file(client, draft, csv_file(*(line(f"Student {n}") for n in range(2000))),
                         token)
    assert response.status_code == 422
    assert "Een bestand met plaatsen is hoogstens 1.000 bytes" in response.get_data(as_text=True)
    unchanged(world, draft)


def test_the_page_needs_its_csrf_token(world, draft, login_as):
    client = login_as(world.employer_applicant.user)
    response = post_file(client, draft, csv_file(*good_lines()), token=None)
    assert response.status_code == 400
    unchanged(world, draft)


def test_the_page_asks_for_a_file(world, draft, login_as):
    client = login_as(world.employer_applicant.user)
    token = csrf_token(client, page_path(draft))
    response = client.post(page_path(draft), data={"csrf_token": token},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert '<a href="#file">Kies het CSV-bestand met de plaatsen.</a>' in \
        response.get_data(as_text=True)


def test_the_page_of_a_submitted_application_has_no_form(world, draft, login_as):
    assert world.employer_applicant.fire(draft["id"], "submit").status_code == 200
    client = login_as(world.employer_applicant.user)
    html = client.get(page_path(draft)).get_data(as_text=True)
    assert "data-places-upload" not in html
    assert "kunnen niet meer worden gewijzigd" in html


def test_the_page_is_not_for_another_organisation(world, draft, login_as):
    client = login_as(world.applicant.user)
    assert client.get(page_path(draft)).status_code == 404


def test_staff_see_the_places_but_cannot_upload(world, draft, login_as):
    client = login_as(world.assessor.user)
    html = client.get(page_path(draft)).get_data(as_text=True)
    assert "Sanne de Vries" in html
    assert "data-places-upload" not in html
