"""The lifecycle's other staff actions, each on its own page from the file."""

from datetime import UTC, datetime

from tests.assess.conftest import application, ok, post, text
from tests.conftest import login


def test_assessor_closes_an_application_whose_repair_term_passed(world, flow, login_as, clock):
    number = flow.submitted()
    ok(world.assessor.fire(number, "request_information", {"reason": "Begroting ontbreekt"}))
    client = login_as(world.assessor.user)
    path = f"/beoordelen/aanvragen/{number}/handeling/close_unprocessed"

    response = post(client, path, {"reason": "Niet aangevuld.", "confirm": "y"})
    assert response.status_code == 422
    assert "De aanvrager kan tot en met 15 april 2014 aanvullen." in text(response)

    clock.moment = datetime(2014, 4, 20, 8, tzinfo=UTC)
    assert "Buiten behandeling stellen" in text(client.get(f"/aanvragen/{number}"))
    response = post(client, path, {"reason": "", "confirm": "y"})
    assert response.status_code == 422 and "Geef de motivering." in text(response)
    response = post(client, path, {"reason": "Niet binnen de hersteltermijn aangevuld.",
                                   "confirm": "y"})
    assert response.status_code == 303
    assert application(number).state.value == "unprocessed"
    page = text(client.get(f"/aanvragen/{number}"))
    assert "Buiten behandeling stellen: SP-T2-00001 heeft nu de status buiten behandeling." \
        in page
    assert "Niet binnen de hersteltermijn aangevuld." in page


def test_finance_pays_an_advance_from_the_file(world, flow, app):
    number = flow.assessed()
    ok(world.approver.fire(number, "approve", {}))
    client = app.test_client()
    login(client, world.finance.user.email)
    assert "Voorschot betalen" in text(client.get(f"/aanvragen/{number}"))
    path = f"/beoordelen/aanvragen/{number}/handeling/pay_advance"
    response = post(client, path, {"amount": "100.000,00", "confirm": "y"})
    assert response.status_code == 303
    assert application(number).state.value == "monitored"


def test_unknown_or_foreign_actions_are_not_found(world, flow, login_as):
    number = flow.submitted()
    client = login_as(world.assessor.user)
    assert client.get(f"/beoordelen/aanvragen/{number}/handeling/submit").status_code == 404
    assert client.get("/beoordelen/aanvragen/999999/handeling/close").status_code == 404
