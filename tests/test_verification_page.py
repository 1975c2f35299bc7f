"""Finance's page of the record's check (issue 15): the latest runs and what they found, and
"Nu controleren", which runs the check and records it; only finance and admins."""

import sqlalchemy as sa

from grants.extensions import db
from grants.models import VerificationOrigin, VerificationRun
from grants.money import format_eur
from tests.conftest import csrf_token
from tests.test_finance_pages import table_rows

PAGE = "/financien/controle/"


def runs() -> list[VerificationRun]:
    return list(db.session.scalars(sa.select(VerificationRun).order_by(VerificationRun.id)))


def check_now(client):
    return client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE)})


def test_finance_checks_now_and_sees_the_run(client, login_as, world):
    login_as(world.finance.user)
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Er is nog niet gecontroleerd." in html
    assert "Nu controleren" in html

    response = check_now(client)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(PAGE)
    [run] = runs()
    assert run.origin == VerificationOrigin.PAGE and run.run_by_id == world.finance.user.id
    assert run.clean and run.lines_checked > 0

    html = client.get(PAGE).get_data(as_text=True)
    assert f"Controle {run.id}: geen afwijkingen." in html
    assert "Geen afwijkingen" in html
    assert world.finance.user.name in html
    assert f"{run.lines_checked} budgetregels" in html


def test_drift_is_shown_with_both_figures(client, login_as, world):
    db.session.execute(sa.text(
        "UPDATE budget_lines SET reserved_cents = reserved_cents + 250 WHERE code = 'T2'"))
    db.session.commit()
    login_as(world.admin.user)
    check_now(client)
    # Fixed again (the figures put back), the next check is clean; the earlier one stays.
    db.session.execute(sa.text(
        "UPDATE budget_lines SET reserved_cents = reserved_cents - 250 WHERE code = 'T2'"))
    db.session.commit()
    first = client.get(PAGE).get_data(as_text=True)
    assert f"Controle {runs()[0].id}: 1 afwijking gevonden." in first
    sentence = (f"Budgetregel T2 (Tweede aanvraagtijdvak): gereserveerd staat op "
                f"{format_eur(250)}, maar de boekingen tellen op tot {format_eur(0)}.")
    rows = table_rows(first)
    assert ["Budgetregel", "T2 (Tweede aanvraagtijdvak)", "Gereserveerd", format_eur(250),
            format_eur(0), sentence] in rows

    check_now(client)
    drifted, clean = runs()
    assert not drifted.clean and clean.clean
    later = client.get(PAGE).get_data(as_text=True)
    assert "Eerdere controles" in later
    assert sentence in later  # the earlier run's finding, under it


def test_only_finance_and_admins_see_or_run_the_check(client, login_as, world):
    assert client.get(PAGE).status_code == 302  # to the login page
    login_as(world.applicant.user)
    assert client.get(PAGE).status_code == 403
    token = csrf_token(client, "/account/wachtwoord")
    assert client.post(PAGE, data={"csrf_token": token}).status_code == 403
    assert runs() == []


def test_checking_needs_the_csrf_token(client, login_as, world):
    login_as(world.finance.user)
    assert client.post(PAGE).status_code == 400
    assert runs() == []


def test_the_finance_dashboard_links_to_the_check(client, login_as, world):
    login_as(world.finance.user)
    html = client.get("/financien/").get_data(as_text=True)
    assert f'href="{PAGE}"' in html
