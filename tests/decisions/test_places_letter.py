"""The direct settlement letter's places table counts promovendi by months and hours, with the
same fractions as the requested amount and the allocation run (domain.md §2)."""

from datetime import UTC, datetime

from tests.decisions.conftest import decisions_of, ok, pdf_text


def test_a_promovendus_in_the_letter_counts_months_and_hours(world, clock):
    clock.moment = datetime(2014, 9, 15, 14, 30, tzinfo=UTC)
    body = world.praktijkleren(employer_id=None, places=[
        {"student_name": "Daan Visser", "category": "promovendus", "programme_code": "60370",
         "school": "TU Delft", "starts_on": "2013-09-01", "ends_on": "2014-06-30",
         "months": 10, "hours_per_week": 24}])
    number = ok(world.employer_applicant.create(body), 201)["id"]
    ok(world.employer_applicant.fire(number, "submit"))
    ok(world.assessor.fire(number, "start_assessment"))
    ok(world.assessor.fire(number, "record_assessment"))
    world.settle_praktijkleren(clock)
    settled = ok(world.finance.get(number))
    # 10/12 × 24/36 = 5/9 = 0,5556 place; € 2.700 × 5/9 = € 1.500,00.
    assert settled["granted_amount"] == "1500.00"
    (letter,) = decisions_of(number)
    text = pdf_text(letter.pdf)
    assert "promovendi en toio's" in text
    assert "0,5556" in text and "€ 1.500,00" in text
