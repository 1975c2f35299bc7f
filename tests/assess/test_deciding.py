"""The approvers: the four-eyes queue with the assessment beside the decision, granting (less
only with reasons), refusing, the ceiling, and who may do it."""

import sqlalchemy as sa

from grants.extensions import db
from grants.models import AuditEvent, BudgetLine, Role, UserRole
from grants.services.schemes import amend_ceiling
from tests.assess.conftest import application, ok, post, text
from tests.conftest import login

APPROVALS = "/beoordelen/besluiten"


def decide_path(number: int) -> str:
    return f"/beoordelen/besluiten/{number}"


def approve(client, number: int, **data):
    return post(client, f"{decide_path(number)}/verlenen", data, prefix="approve",
                page=decide_path(number))


def reject(client, number: int, **data):
    return post(client, f"{decide_path(number)}/afwijzen", data, prefix="reject",
                page=decide_path(number))


def test_approvals_queue_lists_assessed_applications_with_their_assessment(world, flow,
                                                                          login_as):
    number = flow.assessed()
    flow.in_assessment()
    client = login_as(world.approver.user)
    page = text(client.get(APPROVALS))
    assert "1 aanvraag wacht op een besluit." in page
    assert "SP-T2-00001" in page and "SP-T2-00002" not in page
    assert "Positief: verlenen (assessor, totaal 29)" in page
    # The decision term: 30 August 2014 is a Saturday.
    assert "Beslissen uiterlijk 1 september 2014" in page
    decision = text(client.get(decide_path(number)))
    assert "Beoordeling door assessor" in decision and "Past bij de regeling." in decision
    assert "Subsidie verlenen" in decision and "Aanvraag afwijzen" in decision


def test_approver_grants_the_requested_amount(world, flow, login_as):
    number = flow.assessed()
    client = login_as(world.approver.user)
    html = client.get(decide_path(number)).get_data(as_text=True)
    assert 'value="500.166,66"' in html  # the requested amount, ready to grant

    response = approve(client, number, amount="500.166,66", confirm="y")
    assert response.status_code == 303
    found = application(number)
    assert found.state.value == "approved" and found.granted_cents == 500_166_66
    page = text(client.get(f"/aanvragen/{number}"))
    assert "SP-T2-00001 is verleend: € 500.166,66" in page
    assert "Verlening, 1 april 2014" in page


def test_granting_less_than_requested_needs_reasons(world, flow, login_as):
    number = flow.assessed()
    client = login_as(world.approver.user)
    response = approve(client, number, amount="450000", reason="", confirm="y")
    assert response.status_code == 422
    assert "Motiveer waarom u minder verleent dan is aangevraagd." in text(response)
    assert application(number).state.value == "assessed"

    response = approve(client, number, amount="450.000,00", confirm="y",
                       reason="Maatregel 2 valt buiten de regeling.")
    assert response.status_code == 303
    found = application(number)
    assert found.granted_cents == 450_000_00
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.application_id == number, AuditEvent.trigger == "approve")).one()
    assert event.reason == "Maatregel 2 valt buiten de regeling."


def test_deciding_needs_confirmation_and_a_sensible_amount(world, flow, login_as):
    number = flow.assessed()
    client = login_as(world.approver.user)
    response = approve(client, number, amount="500.166,66")
    assert response.status_code == 422
    assert "Bevestig dat u de subsidie wilt verlenen." in text(response)
    response = approve(client, number, amount="600000", confirm="y", reason="Meer")
    assert response.status_code == 422
    assert "Er kan niet meer worden verleend dan is aangevraagd (€ 500.166,66)." in text(response)
    response = approve(client, number, amount="1.500", confirm="y")
    assert response.status_code == 422
    assert "niet eenduidig" in text(response)
    response = reject(client, number, reason="Te algemeen.")
    assert response.status_code == 422
    assert "Bevestig dat u de aanvraag wilt afwijzen." in text(response)
    assert application(number).state.value == "assessed"


def test_over_the_ceiling_shows_what_is_left(world, flow, login_as, clock):
    number = flow.assessed()
    line = db.session.scalars(sa.select(BudgetLine).where(
        BudgetLine.window_id == application(number).window_id)).one()
    amend_ceiling(line, 100_000_00, reason="Test", effective_on=clock().date(), now=clock(),
                  user=None)
    db.session.commit()
    response = approve(login_as(world.approver.user), number, amount="500.166,66", confirm="y")
    assert response.status_code == 422
    page = text(response)
    assert "Subsidieplafond bereikt: € 100.000,00 resterend." in page
    html = response.get_data(as_text=True)
    assert 'id="approve-amount-error"' in html
    assert application(number).state.value == "assessed"


def test_approver_rejects_with_reasons(world, flow, login_as):
    number = flow.assessed()
    client = login_as(world.approver.user)
    response = reject(client, number, reason="", confirm="y")
    assert response.status_code == 422
    assert "Motiveer de afwijzing." in text(response)
    response = reject(client, number, reason="De maatregelen zijn niet concreet.", confirm="y")
    assert response.status_code == 303
    assert application(number).state.value == "rejected"
    page = text(client.get(f"/aanvragen/{number}"))
    assert "SP-T2-00001 is afgewezen" in page
    assert "De maatregelen zijn niet concreet." in page


def test_assessor_cannot_decide(world, flow, login_as):
    number = flow.assessed()
    client = login_as(world.assessor.user)
    assert client.get(APPROVALS).status_code == 403
    assert client.get(decide_path(number)).status_code == 403
    response = post(client, f"{decide_path(number)}/verlenen",
                    {"amount": "1000", "confirm": "y"}, prefix="approve",
                    page=f"/aanvragen/{number}")
    assert response.status_code == 403
    assert application(number).state.value == "assessed"


def test_four_eyes_in_the_queue_and_when_deciding(world, flow, app):
    number = flow.assessed()
    both = world.assessor.user  # the assessor who assessed, now also an approver
    both.role_rows.append(UserRole(role=Role.APPROVER))
    db.session.commit()
    client = app.test_client()
    login(client, both.email)

    queue = text(client.get(APPROVALS))
    assert "U heeft deze aanvraag zelf beoordeeld: een collega beslist." in queue
    page = text(client.get(decide_path(number)))
    assert "Vier ogen: u heeft deze aanvraag zelf beoordeeld" in page
    assert "Subsidie verlenen" not in page

    response = post(client, f"{decide_path(number)}/verlenen",
                    {"amount": "500.166,66", "confirm": "y"}, prefix="approve",
                    page=f"/aanvragen/{number}")
    assert response.status_code == 403
    assert "Vier ogen" in text(response)
    assert application(number).state.value == "assessed"
    ok(world.approver.get(number))


def test_rif_decision_shows_the_committees_scores(world, flow, login_as):
    number = flow.in_assessment("rif")
    for member, scores in ((world.committee, (8, 7, 7, 8)), (world.committee2, (7, 7, 6, 8))):
        ok(member.fire(number, "record_assessment", {"scores": dict(zip(
            ("fit", "coordination", "durability", "innovation"), scores, strict=True))}))
    page = text(login_as(world.approver.user).get(decide_path(number)))
    assert "Commissie: 2 van de 2 leden hebben gescoord; gemiddeld 7,3 per criterium." in page
    assert "Beoordeling door committee" in page and "Beoordeling door committee2" in page
    assert "Aansluiting van onderwijs op de arbeidsmarkt 8" in page
    # RIF grants come from the ranking run only (Awb 4:26): no grant by hand on this page.
    assert "Subsidie verlenen" not in page
