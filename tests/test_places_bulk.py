"""Places files of many applications in one run (issue 16): an intermediary filing thousands of
applications' places. Each file is checked on its own and imported whole or not at all; a
refused file is named with its lines and leaves the others imported. And the CSV is streamed:
a large file is read without holding it."""

import io
import tracemalloc

import pytest

from grants.errors import Forbidden
from grants.extensions import db
from grants.jobs.places import import_many
from grants.models import User
from grants.services import places_csv
from grants.services.places_bulk import PlacesFile, check_files, store_files
from tests.test_places_csv import HEADER, IN_WINDOW, csv_file, good_lines, line, unchanged


@pytest.fixture
def drafts(world, clock):
    clock.moment = IN_WINDOW
    made = []
    for _ in range(3):
        response = world.employer_applicant.create(world.praktijkleren())
        assert response.status_code == 201, response.get_json()
        made.append(response.get_json())
    return made


def places_file(reference: str, body: bytes) -> PlacesFile:
    return PlacesFile(f"{reference}.csv", reference, lambda: io.BytesIO(body))


def run(actor, files, batch=2):
    return import_many(actor.id, files, batch=batch)


def api(world, draft) -> dict:
    return world.employer_applicant.get(draft["id"]).get_json()


def test_a_wrong_file_is_refused_with_its_lines_and_the_others_are_imported(world, drafts):
    first, second, third = drafts
    wrong = [line("Student 1", weeks=10), line("Student 2", weeks=41)]  # line 3 is wrong
    outcomes = run(world.employer_applicant.user, [
        places_file(first["reference"], csv_file(*good_lines())),
        places_file(second["reference"], csv_file(*wrong)),
        places_file(third["reference"], csv_file(line("Student 3", weeks=20))),
    ])
    assert [outcome.name for outcome in outcomes] == [
        f"{draft['reference']}.csv" for draft in drafts]
    assert outcomes[0].refusal is None and outcomes[2].refusal is None
    assert outcomes[1].refusal.message == (
        "Er is niets ingelezen: 1 regel van het bestand bevat fouten.")
    assert outcomes[1].refusal.fields == {"line 3": [
        "weeks: Een volledige mbo-plaats telt 40 weken; meer weken tellen niet mee."]}
    # As the same file on the page: the places and the amount they bring.
    assert api(world, first)["requested_amount"] == "5400.00"
    assert [place["student_name"] for place in api(world, first)["places"]] == [
        "Sanne de Vries", "Ahmed Yilmaz", "Lotte Jansen"]
    assert outcomes[0].result.imported == 3
    assert api(world, third)["requested_amount"] == "1350.00"
    assert api(world, third)["version"] == third["version"] + 1
    unchanged(world, second)


def test_only_editable_praktijkleren_applications_of_the_actors_organisation(world, drafts):
    mine, submitted, _ = drafts
    assert world.employer_applicant.fire(submitted["id"], "submit").status_code == 200
    body = csv_file(*good_lines())
    outcomes = run(world.employer_applicant.user, [
        places_file("PL-2013-2014-99999", body),  # no such application
        places_file(submitted["reference"], body),
        places_file(mine["reference"], body),
    ])
    assert [type(outcome.refusal).__name__ for outcome in outcomes] == [
        "NotFound", "Conflict", "NoneType"]
    assert outcomes[0].refusal.message == (
        "Uw organisatie heeft geen aanvraag voor praktijkleren met kenmerk PL-2013-2014-99999; "
        "er zijn geen plaatsen ingelezen.")
    assert outcomes[1].refusal.message.startswith("Een aanvraag met status ")
    # Another organisation's applicant reaches none of them.
    outcomes = run(world.applicant.user, [places_file(mine["reference"], csv_file(line()))])
    assert type(outcomes[0].refusal).__name__ == "NotFound"
    assert api(world, mine)["requested_amount"] == "5400.00"


def test_only_an_applicant_imports(world, drafts):
    with pytest.raises(Forbidden):
        check_files(world.assessor.user, [places_file(drafts[0]["reference"],
                                                      csv_file(*good_lines()))])


def test_an_application_submitted_between_check_and_store_is_refused_whole(world, drafts):
    actor = world.employer_applicant.user
    files = [places_file(draft["reference"], csv_file(*good_lines())) for draft in drafts[:2]]
    checked = check_files(actor, files)
    db.session.commit()
    assert world.employer_applicant.fire(drafts[0]["id"], "submit").status_code == 200
    outcomes = store_files(db.session.get(User, actor.id), checked, IN_WINDOW)
    db.session.commit()
    assert type(outcomes[0].refusal).__name__ == "Conflict"
    assert api(world, drafts[0])["places"] == drafts[0]["places"]
    assert outcomes[1].refusal is None
    assert api(world, drafts[1])["requested_amount"] == "5400.00"


def test_the_command_imports_a_folder_and_lists_the_refused_files(world, drafts, app, tmp_path):
    first, second, _ = drafts
    (tmp_path / f"{first['reference']}.csv").write_bytes(csv_file(*good_lines()))
    (tmp_path / f"{second['reference']}.csv").write_bytes(
        csv_file(line(), line("Student 2", category="havo")))
    (tmp_path / "leesmij.txt").write_text("geen plaatsen")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=[
        "grants", "places", "import-many", str(tmp_path),
        "--user", world.employer_applicant.user.email])
    assert result.exit_code == 1, result.output
    assert f"{second['reference']}.csv: Er is niets ingelezen: 1 regel" in result.output
    assert "line 3: category: Kies een van deze waarden" in result.output
    assert "1 bestanden ingelezen, 1 geweigerd (van 2)." in result.output
    assert api(world, first)["requested_amount"] == "5400.00"
    unchanged(world, second)


# -- streaming ------------------------------------------------------------------------------

class GeneratedStream:
    """A binary stream made while it is read: nothing of it exists before it is asked for."""

    def __init__(self, lines):
        self.lines = iter(lines)
        self.given = 0

    def read(self, size: int) -> bytes:
        chunk = bytearray()
        for text in self.lines:
            chunk += text.encode()
            if len(chunk) >= size:
                break
        self.given += len(chunk)
        return bytes(chunk)


def test_a_large_file_is_read_as_it_comes(world, drafts):
    count = 20_000
    body = [HEADER + "\n"] + [line(f"Student {n:05d}", weeks=20) + "\n" for n in range(count)]
    total = sum(len(text.encode()) for text in body)
    stream = GeneratedStream(body)
    seen = []

    def progress(lines: int, bytes_read: int) -> None:
        seen.append((lines, bytes_read, stream.given))

    checked = places_csv.read_places(drafts[0]["id"], world.employer_applicant.user, stream,
                                     progress=progress)
    assert len(checked.parsed.places) == count
    # At the thousandth line the reader has taken about a twentieth of the file, not all of it.
    lines, bytes_read, given = seen[0]
    assert lines == 1000
    assert bytes_read == given < total / 10


def test_reading_holds_the_places_not_the_file(world, drafts):
    # One place and 8 MB of lines without a filled-in cell: kept, the file would show.
    blank = ",,,,,,\n"
    repeat = 8 * 1024 * 1024 // len(blank)
    stream = GeneratedStream([HEADER + "\n", line() + "\n",
                              *(blank for _ in range(repeat))])
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        checked = places_csv.read_places(drafts[0]["id"], world.employer_applicant.user,
                                         stream)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert len(checked.parsed.places) == 1
    assert stream.given > 8 * 1024 * 1024
    assert peak < 2 * 1024 * 1024


def test_the_parse_cache_does_not_change_what_is_read(world, drafts, monkeypatch):
    lines = [line(f"Student {n}", "hbo" if n % 3 else "mbo", "34820" if n % 3 else "25180",
                  weeks=10 + n % 7) for n in range(60)]
    actor = world.employer_applicant.user
    whole = places_csv.read_places(drafts[0]["id"], actor, io.BytesIO(csv_file(*lines)))
    monkeypatch.setattr(places_csv, "SHARED_CACHE_SIZE", 2)
    small = places_csv.read_places(drafts[0]["id"], actor, io.BytesIO(csv_file(*lines)))
    assert small.parsed.places == whole.parsed.places
    assert whole.parsed.places[4] == {
        "student_name": "Student 4", "category": "hbo", "programme_code": "34820",
        "school": "ROC Noorderpoort", "starts_on": "2013-09-01", "ends_on": "2014-06-30",
        "weeks": 14}
