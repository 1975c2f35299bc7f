"""Finance's overview: the figures of the budget report, a chart per budget that has
commitments, the newest ledger entries, and the links onwards; finance lands on it."""

import pytest

from grants.budget.manual import book_by_hand
from grants.budget.report import budget_report
from grants.models import EntryKind, Role
from grants.money import format_eur
from tests.admin.conftest import text_of
from tests.factories import UserFactory
from tests.test_finance_pages import BETA, line, row_named

DASHBOARD = "/financien/"


def test_figures_are_the_budget_reports(client, login_as, committed_t2, clock):
    finance = UserFactory(role=Role.FINANCE, name="Esther Boekhouder")
    book_by_hand(line(BETA).id, EntryKind.COMMIT, 1_234_56, reason="Nascholing",
                 actor=finance, now=clock())
    login_as(finance)
    page = client.get(DASHBOARD).get_data(as_text=True)

    report = budget_report()
    assert report
    for figures in report:
        assert row_named(page, figures.name) == [
            figures.name, format_eur(figures.ceiling), format_eur(figures.reserved),
            format_eur(figures.committed), format_eur(figures.disbursed),
            format_eur(figures.remaining), figures.used_percent_text]
    total = row_named(page, "Alle budgetten")
    assert total[1] == format_eur(sum(f.ceiling for f in report))
    assert total[3] == format_eur(sum(f.committed for f in report))
    assert total[4] == format_eur(sum(f.disbursed for f in report))
    assert total[5] == format_eur(sum(f.remaining for f in report))
    sectorplan = next(f for f in report if f.code == "sectorplannen")
    assert sectorplan.committed == 450_000_00 + 500_166_66
    assert sectorplan.disbursed == 360_000_00


def test_a_chart_for_each_budget_with_commitments(client, login_as, committed_t2):
    login_as(UserFactory(role=Role.FINANCE))
    page = client.get(DASHBOARD).get_data(as_text=True)
    sectorplan = next(f for f in budget_report() if f.code == "sectorplannen")
    # One SVG chart (no script, no external asset), labelled by its own title and description.
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart__svg"') == 1
    assert f'aria-labelledby="overzicht-{sectorplan.id}-title overzicht-{sectorplan.id}-desc"' \
        in page
    assert "<script" not in page and "http" not in page.split("<svg", 1)[1].split("</svg>")[0] \
        .replace("http://www.w3.org/2000/svg", "")
    assert text_of(page).count("Op dit budget is nog niets gereserveerd of verplicht.") == \
        len(budget_report()) - 1


def test_newest_ledger_entries_with_their_line(client, login_as, schemes, clock):
    finance = UserFactory(role=Role.FINANCE, name="Esther Boekhouder")
    beta = line(BETA)
    for euros in range(1, 13):
        book_by_hand(beta.id, EntryKind.COMMIT, euros * 100, reason=f"Boeking {euros}",
                     actor=finance, now=clock())
        clock.advance(hours=1)
    login_as(finance)
    text = text_of(client.get(DASHBOARD).get_data(as_text=True))
    section = text.split("Laatste boekingen", 1)[1]
    shown = [f"€ {n},00" for n in range(12, 2, -1)]
    positions = [section.index(amount) for amount in shown]
    assert positions == sorted(positions)  # newest first
    assert "€ 2,00" not in section and "€ 1,00" not in section  # ten at most
    assert beta.name in section and "Esther Boekhouder" in section


def test_links_onwards(client, login_as, schemes):
    login_as(UserFactory(role=Role.FINANCE))
    page = client.get(DASHBOARD).get_data(as_text=True)
    for href in ('href="/financien/budgetten"', 'href="/financien/verdelingen/"', 'href="/taken"',
                 'href="/financien/budgetten.csv"'):
        assert href in page
    budget_links = [f'href="/financien/budgetten/{f.id}"' for f in budget_report()]
    assert all(link in page for link in budget_links)


def test_admin_sees_the_overview_without_allocation_runs(client, login_as, schemes):
    login_as(UserFactory(role=Role.ADMIN))
    page = client.get(DASHBOARD).get_data(as_text=True)
    assert "Financieel overzicht" in page
    assert 'href="/financien/verdelingen/"' not in page  # allocation runs are finance's alone


def test_finance_lands_on_the_overview_and_the_menu_marks_it(client, login_as, schemes):
    login_as(UserFactory(role=Role.FINANCE))
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == DASHBOARD
    page = client.get(DASHBOARD).get_data(as_text=True)
    assert f'<a href="{DASHBOARD}" aria-current="page">Financiën</a>' in page
    # The budget pages are part of the same menu item.
    page = client.get("/financien/budgetten").get_data(as_text=True)
    assert f'<a href="{DASHBOARD}" aria-current="page">Financiën</a>' in page


def test_someone_with_more_roles_keeps_the_start_page(client, login_as, schemes):
    from grants.extensions import db
    from grants.models import UserRole

    user = UserFactory(role=Role.FINANCE)
    user.role_rows.append(UserRole(role=Role.ASSESSOR))
    db.session.commit()
    login_as(user)
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ASSESSOR, Role.APPROVER, Role.COMMITTEE])
def test_others_may_not_see_it(client, login_as, schemes, role):
    login_as(UserFactory(role=role))
    assert client.get(DASHBOARD).status_code == 403


def test_anonymous_goes_to_the_login(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
