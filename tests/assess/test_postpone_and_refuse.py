"""Two staff actions on their own page from the file: postponing the decision with a new date
(Awb 4:14), and refusing a praktijkleren application that fails the eligibility check."""

from tests.assess.conftest import application, post, text


def test_assessor_postpones_the_decision_to_a_working_day(world, flow, login_as):
    number = flow.in_assessment()
    client = login_as(world.assessor.user)
    # T2 closes Saturday 31 May 2014; 13 weeks on is Saturday 30 August, so the term runs to
    # Monday 1 September 2014 (Algemene termijnenwet).
    assert application(number).decision_due_on.isoformat() == "2014-09-01"
    assert "Beslistermijn verdagen" in text(client.get(f"/aanvragen/{number}"))
    path = f"/beoordelen/aanvragen/{number}/handeling/extend_decision_term"
    assert "1 september 2014" in text(client.get(path))

    saturday = post(client, path, {"decision_due_on": "2014-10-04", "confirm": "y",
                                   "reason": "De adviescommissie komt later bijeen."})
    assert saturday.status_code == 422
    assert "Kies een werkdag" in text(saturday)
    missing = post(client, path, {"decision_due_on": "", "confirm": "y",
                                  "reason": "De adviescommissie komt later bijeen."})
    assert missing.status_code == 422
    assert "Geef de nieuwe datum waarop uiterlijk wordt beslist." in text(missing)
    assert application(number).decision_due_on.isoformat() == "2014-09-01"

    done = post(client, path, {"decision_due_on": "2014-10-01", "confirm": "y",
                               "reason": "De adviescommissie komt later bijeen."})
    assert done.status_code == 303
    assert application(number).decision_due_on.isoformat() == "2014-10-01"
    assert "1 oktober 2014" in text(client.get(f"/aanvragen/{number}"))


def test_assessor_refuses_an_ineligible_praktijkleren_application(world, flow, login_as):
    number = flow.in_assessment("praktijkleren")
    client = login_as(world.assessor.user)
    assert "Afwijzen" in text(client.get(f"/aanvragen/{number}"))
    path = f"/beoordelen/aanvragen/{number}/handeling/reject"

    unexplained = post(client, path, {"reason": "", "confirm": "y"})
    assert unexplained.status_code == 422 and "Geef de motivering." in text(unexplained)
    assert application(number).state.value == "in_assessment"
    done = post(client, path, {"reason": "Geen praktijkovereenkomst voor deze plaatsen.",
                               "confirm": "y"})
    assert done.status_code == 303
    assert application(number).state.value == "rejected"


def test_a_sector_plan_is_refused_on_the_approvers_page_not_here(world, flow, login_as):
    number = flow.in_assessment()
    client = login_as(world.assessor.user)
    response = post(client, f"/beoordelen/aanvragen/{number}/handeling/reject",
                    {"reason": "Past niet.", "confirm": "y"})
    # The assessor may not reject a sector plan at all: the page says it is not possible.
    assert response.status_code in (403, 409, 422)
    assert application(number).state.value == "in_assessment"
