"""The function a member of staff signs decision letters with, set on the admin's user page."""

from grants.extensions import db
from grants.models import Role
from tests.admin.conftest import field_errors, post_form, text_of
from tests.factories import OrganisationFactory, UserFactory


def test_an_admin_sets_the_function_letters_are_signed_with(client, admin):
    user = UserFactory(role=Role.APPROVER, name="mr. J. de Vries")
    page = f"/beheer/gebruikers/{user.id}"
    assert "nog niet ingevuld" in text_of(client.get(page).get_data(as_text=True))
    response = post_form(client, f"{page}/functie", {"job_title": "  directeur   Subsidies "},
                         page=page)
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.job_title == "directeur Subsidies"
    shown = text_of(client.get(page).get_data(as_text=True))
    assert "De functie van mr. J. de Vries is opgeslagen." in shown
    assert "Functie directeur Subsidies" in shown


def test_a_function_over_200_characters_is_refused_next_to_its_field(client, admin):
    user = UserFactory(role=Role.FINANCE)
    page = f"/beheer/gebruikers/{user.id}"
    response = post_form(client, f"{page}/functie", {"job_title": "x" * 201}, page=page)
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True)) == {
        "job_title": ["Houd de functie onder de 200 tekens."]}
    db.session.refresh(user)
    assert user.job_title == ""


def test_an_applicant_signs_nothing(client, admin):
    user = UserFactory(organisation=OrganisationFactory())
    page = f"/beheer/gebruikers/{user.id}"
    assert "Functie onder besluiten" not in client.get(page).get_data(as_text=True)
    response = post_form(client, f"{page}/functie", {"job_title": "directeur"}, page=page)
    assert response.status_code == 422
    assert ("Alleen medewerkers van het ministerie ondertekenen besluiten."
            in text_of(response.get_data(as_text=True)))
    db.session.refresh(user)
    assert user.job_title == ""
