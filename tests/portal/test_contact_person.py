"""The person decision letters are addressed to ("t.a.v."), kept by the organisation's applicants
on its page, logged like the other details, and named in the next letter."""

import sqlalchemy as sa

from grants.extensions import db
from grants.models import AdminAction, AdminEvent, Organisation
from tests.decisions.conftest import Steps, decisions_of
from tests.decisions.letter_checks import letter_text

PAGE = "/portaal/organisatie"
GOOD = {"address": "Postbus 20401", "postcode": "2500 EK", "city": "Den Haag",
        "iban": "NL91 ABNA 0417 1643 00"}


def test_the_contact_person_set_on_the_page_is_the_addressee_of_the_next_letter(
        world, applicant, clock):
    response = applicant.post(PAGE, {**GOOD, "contact_name": "  mevrouw   A. Bakker "})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Organisation, world.employers.id).contact_name == "mevrouw A. Bakker"
    assert 'value="mevrouw A. Bakker"' in applicant.text(PAGE)
    (event,) = db.session.scalars(sa.select(AdminEvent).where(
        AdminEvent.organisation_id == world.employers.id,
        AdminEvent.action == AdminAction.ORGANISATION_CHANGED))
    assert event.data["organisation"]["contact_name"] == ["", "mevrouw A. Bakker"]

    number = Steps(world, clock).rejected("Het plan noemt maar één thema.")
    text = letter_text(decisions_of(number)[0].context)
    assert "Metaalwerkgevers t.a.v. mevrouw A. Bakker Postbus 20401 2500 EK DEN HAAG" in text


def test_without_a_contact_person_the_letter_goes_to_the_board(world, clock):
    number = Steps(world, clock).rejected("Het plan noemt maar één thema.")
    assert "Metaalwerkgevers t.a.v. de directie" in letter_text(decisions_of(number)[0].context)
