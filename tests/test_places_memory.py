"""A places file is held compactly while it is checked and stored as the very JSON
``json.dumps`` writes, without a dict per place (issue 16): what a large import takes in memory
stays near the size of that text, and nothing of what is stored or said changes."""

import io
import json
import tracemalloc

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import Application, User
from grants.services import places_csv
from grants.workflows.fields import praktijkleren as fields
from tests.test_places_csv import HEADER, IN_WINDOW, csv_file, line

FULL_HEADER = HEADER + ",date_of_birth,student_number,months,hours_per_week"


@pytest.fixture
def drafts(world, clock):
    clock.moment = IN_WINDOW
    made = []
    for _ in range(2):
        response = world.employer_applicant.create(world.praktijkleren())
        assert response.status_code == 201, response.get_json()
        made.append(response.get_json()["id"])
    db.session.commit()
    return made


def import_file(application_id: int, actor: User, body: bytes) -> places_csv.ImportResult:
    checked = places_csv.read_places(application_id, actor, io.BytesIO(body))
    db.session.commit()
    result = places_csv.import_places(checked, db.session.get(User, actor.id), IN_WINDOW)
    db.session.commit()
    return result


def stored_text(application_id: int) -> str:
    return db.session.execute(sa.select(sa.cast(Application.details, sa.Text))
                              .where(Application.id == application_id)).scalar_one()


def test_the_details_are_stored_as_json_dumps_writes_them(world, drafts):
    application = db.session.get(Application, drafts[0])
    # The earlier places keep their key's place; a key without a value goes, as on a save.
    application.details = {"employer_id": "123456", "places": [{"student_name": "Oud"}],
                           "iban": "NL91ABNA0417164300", "note": None}
    db.session.commit()
    body = csv_file(
        'Zoë "Ç" Çelik 😀,mbo,25180,"ROC ""De Brug"" \\ Noord",1-9-2013,30-6-2014,40,'
        "14-3-1996,ROC-881,,",
        line("Daan Visser", "promovendus", "34821", "TU Delft", weeks="") + ",,,10,24",
        line("Ahmed Yilmaz", "hbo", "34820", "Hanzehogeschool", "2013-09-02", "2014-01-31",
             21) + ",,,,",
        header=FULL_HEADER)
    result = import_file(drafts[0], world.employer_applicant.user, body)
    assert result.imported == 3
    places = [
        {"student_name": 'Zoë "Ç" Çelik 😀', "date_of_birth": "1996-03-14",
         "student_number": "ROC-881", "category": "mbo", "programme_code": "25180",
         "school": 'ROC "De Brug" \\ Noord', "starts_on": "2013-09-01",
         "ends_on": "2014-06-30", "weeks": 40},
        {"student_name": "Daan Visser", "category": "promovendus", "programme_code": "34821",
         "school": "TU Delft", "starts_on": "2013-09-01", "ends_on": "2014-06-30",
         "months": 10, "hours_per_week": 24},
        {"student_name": "Ahmed Yilmaz", "category": "hbo", "programme_code": "34820",
         "school": "Hanzehogeschool", "starts_on": "2013-09-02", "ends_on": "2014-01-31",
         "weeks": 21},
    ]
    expected = {"employer_id": "123456", "places": places, "iban": "NL91ABNA0417164300"}
    assert stored_text(drafts[0]) == json.dumps(expected)
    # The attribute reads the row again: what the ORM holds is what was stored.
    application = db.session.get(Application, drafts[0])
    assert application.details == expected
    assert application.requested_cents == fields.requested_cents(expected)


def test_places_of_one_student_among_others_are_named_by_their_own_lines(world, drafts):
    # Sanne (number R1 and, through line 5, R2) on lines 3, 5 and 7 among students named once:
    # 22 + 10 + 10 weeks is over one mbo place; the second place of R2 (line 7) pushes her over.
    body = csv_file(
        line("Student A", weeks=10) + ",,,,",
        line("Sanne", starts="2013-09-01", ends="2014-01-31", weeks=22) + ",,R1,,",
        line("Student B", "hbo", "34820", weeks=30) + ",,,,",
        line("Sanne", starts="2014-02-01", ends="2014-06-30", weeks=10) + ",,R2,,",
        line("Student C", weeks=10) + ",,,,",
        line("S. de Vries", starts="2014-02-03", ends="2014-06-30", weeks=10) + ",,r 2,,",
        header=FULL_HEADER)
    with pytest.raises(places_csv.ValidationFailed) as refused:
        places_csv.read_places(drafts[0], world.employer_applicant.user, io.BytesIO(body))
    assert refused.value.fields == {
        "line 3": ["weeks: Samen met regel 7 telt deze student voor meer dan één volledige "
                   "plaats in het studiejaar."],
        "line 5": ["weeks: Samen met regel 7 telt deze student voor meer dan één volledige "
                   "plaats in het studiejaar."],
        "line 7": ["weeks: Samen met een eerdere plaats telt deze student voor meer dan één "
                   "volledige plaats in het studiejaar; verlaag het aantal weken. Zie regels 3 "
                   "en 5."],
    }


def test_shared_students_count_as_the_field_rules_count_them(world, drafts):
    body = csv_file(
        line("Student A", weeks=10) + ",,,,",
        line("Sanne", starts="2013-09-01", ends="2014-01-31", weeks=22) + ",,R1,,",
        line("Student B", "hbo", "34820", weeks=30) + ",,,,",
        line("Sanne", starts="2014-02-01", ends="2014-06-30", weeks=18) + ",,R1,,",
        line("Daan", "promovendus", "34821", "TU Delft", weeks="") + ",,D1,4,24",
        line("Daan", "promovendus", "34821", "TU Delft", weeks="") + ",,D1,5,40",
        header=FULL_HEADER)
    result = import_file(drafts[0], world.employer_applicant.user, body)
    details = json.loads(stored_text(drafts[0]))
    assert len(details["places"]) == 6
    assert result.fractions == fields.fractions(details, fields.DEFAULT_RULES)
    assert db.session.get(Application, drafts[0]).requested_cents == fields.requested_cents(
        details)


def test_a_large_import_takes_little_more_than_its_stored_text(world, drafts):
    actor = world.employer_applicant.user
    import_file(drafts[1], actor, csv_file(line()))  # what a first import loads, loaded
    count = 20_000
    body = csv_file(*(line(f"Student {number:05d}", weeks=10 + number % 30)
                      for number in range(count)))
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = import_file(drafts[0], actor, body)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert result.imported == count
    text = stored_text(drafts[0])
    # The text once, the compact places and the file (``body``, here in memory already):
    # a dict per place and json.dumps' joining took well over three times the text.
    assert peak < 2 * len(text), (peak, len(text))
