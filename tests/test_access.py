import pytest

from grants.models import Role
from tests.factories import ApplicationFactory, OrganisationFactory, UserFactory


@pytest.fixture
def two_organisations(schemes):
    window = schemes["sectorplan"].windows[1]
    ours, theirs = OrganisationFactory(name="Eigen Werkgevers"), OrganisationFactory(
        name="Andere Werkgevers")
    return {
        "applicant": UserFactory(organisation=ours),
        "own": ApplicationFactory(organisation=ours, window=window, title="Ons sectorplan"),
        "other": ApplicationFactory(organisation=theirs, window=window, title="Hun sectorplan"),
    }


@pytest.mark.parametrize(("path", "allowed"), [
    ("/beheer/gebruikers", {Role.ADMIN}),
    ("/financien/budgetten", {Role.FINANCE, Role.ADMIN}),
])
@pytest.mark.parametrize("role", list(Role))
def test_role_restricted_pages(client, login_as, path, allowed, role):
    login_as(UserFactory(role=role))
    response = client.get(path)
    assert response.status_code == (200 if role in allowed else 403)
    if role not in allowed:
        assert "Geen toegang" in response.get_data(as_text=True)


def test_applicant_sees_only_own_organisations_applications(client, login_as,
                                                            two_organisations):
    login_as(two_organisations["applicant"])
    page = client.get("/aanvragen/").get_data(as_text=True)
    assert "Ons sectorplan" in page
    assert "Hun sectorplan" not in page
    assert "1 aanvraag gevonden" in page


def test_another_organisations_application_is_not_found(client, login_as, two_organisations):
    login_as(two_organisations["applicant"])
    own = client.get(f"/aanvragen/{two_organisations['own'].id}")
    other = client.get(f"/aanvragen/{two_organisations['other'].id}")
    missing = client.get("/aanvragen/999999")
    # Applicants follow their own applications in the portal.
    assert own.status_code == 302
    assert own.location.endswith(f"/portaal/aanvragen/{two_organisations['own'].id}")
    assert client.get(own.location).status_code == 200
    assert client.get(f"/portaal/aanvragen/{two_organisations['other'].id}").status_code == 404
    assert other.status_code == missing.status_code == 404
    assert "Andere Werkgevers" not in other.get_data(as_text=True)
    # The same page as for an application that does not exist (only the path it names differs).
    other_id = str(two_organisations["other"].id)
    assert (other.get_data(as_text=True).replace(f"/aanvragen/{other_id}", "/aanvragen/N")
            == missing.get_data(as_text=True).replace("/aanvragen/999999", "/aanvragen/N"))


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.APPROVER, Role.FINANCE, Role.ADMIN])
def test_ministry_staff_see_every_organisation(client, login_as, two_organisations, role):
    login_as(UserFactory(role=role))
    assert client.get(f"/aanvragen/{two_organisations['other'].id}").status_code == 200
    page = client.get("/aanvragen/").get_data(as_text=True)
    assert "Ons sectorplan" in page and "Hun sectorplan" in page


def test_applicant_without_organisation_sees_nothing(client, login_as, two_organisations):
    from grants.extensions import db

    applicant = UserFactory()
    applicant.organisation = None
    db.session.commit()
    login_as(applicant)
    assert client.get(f"/aanvragen/{two_organisations['own'].id}").status_code == 404


@pytest.mark.parametrize(("role", "expected"), [
    (Role.APPLICANT, "Uw aanvragen"),
    (Role.ASSESSOR, "Ingediend, nog te beoordelen"),
    (Role.APPROVER, "Wacht op uw besluit"),
    (Role.COMMITTEE, "RIF-aanvragen voor de commissie"),
    (Role.FINANCE, "Budgetten"),
    (Role.ADMIN, "Gebruikers en rollen"),
])
def test_landing_page_shows_what_each_role_can_do_next(client, login_as, schemes, role,
                                                       expected):
    user = UserFactory(role=role, name="Test Persoon")
    login_as(user)
    response = client.get("/", follow_redirects=True)
    page = response.get_data(as_text=True)
    if role == Role.FINANCE:  # finance starts from its overview of the money
        assert response.request.path == "/financien/"
    else:
        assert "Welkom, Test Persoon" in page
    assert expected in page


def test_landing_counts_are_scoped(client, login_as, two_organisations):
    login_as(two_organisations["applicant"])
    page = client.get("/").get_data(as_text=True)
    # One application of their own; the other organisation's is not counted.
    assert '<span class="card__number">1</span>' in page


def test_security_headers(client):
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_menu_marks_one_item_as_the_current_page(client, login_as, two_organisations):
    from grants.models import UserRole

    login_as(UserFactory(role=Role.ASSESSOR, role_rows=[
        UserRole(role=role) for role in (Role.ASSESSOR, Role.APPROVER, Role.COMMITTEE)]))
    for path, current in [("/beoordelen/besluiten", "Besluiten"),
                          ("/beoordelen/commissie", "Commissie"),
                          (f"/aanvragen/{two_organisations['own'].id}", "Aanvragen"),
                          ("/aanvragen/termijnen", "Termijnen")]:
        page = client.get(path).get_data(as_text=True)
        assert page.count('aria-current="page"') == 1, path
        assert f'aria-current="page">{current}</a>' in page, path


def test_staff_read_every_application_a_page_at_a_time_at_one_cost(
        client, login_as, schemes, monkeypatch):
    """At 100,000 applications (issue 16) the list is counted off the kept tallies and reads
    its page's organisations at once, not one per row."""
    from tests.factories import ApplicationFactory
    from tests.test_api_keyset import statements_of

    monkeypatch.setattr("grants.views.paging.PER_PAGE", 2)
    window = next(w for w in schemes["sectorplan"].windows if w.code == "T2")
    made = [ApplicationFactory(window=window, title=f"Plan {n}") for n in range(3)]
    login_as(UserFactory(role=Role.ASSESSOR))
    first = client.get("/aanvragen/").get_data(as_text=True)
    assert "3 aanvragen gevonden" in first and "Pagina 1 van 2" in first
    # Newest first: the last two made, then the first on page 2.
    assert "Plan 2" in first and "Plan 1" in first and "Plan 0" not in first
    second = client.get("/aanvragen/?page=2").get_data(as_text=True)
    assert "Plan 0" in second and "Plan 1" not in second
    assert made[0].organisation.name in second

    few = statements_of(client, {}, "/aanvragen/")
    monkeypatch.setattr("grants.views.paging.PER_PAGE", 50)
    for n in range(10):
        ApplicationFactory(window=window, title=f"Later {n}")
    many = statements_of(client, {}, "/aanvragen/")
    assert "13 aanvragen gevonden" in client.get("/aanvragen/").get_data(as_text=True)
    assert len(many) == len(few), "\n\n".join(many)
