"""Requesting information with a repair term, and recording an assessment with its scores:
what is stored, and what a mistake shows (next to its field, with nothing changed)."""

from datetime import UTC, date, datetime

import sqlalchemy as sa

from grants.extensions import db
from grants.models import Assessment, AuditEvent
from tests.assess.conftest import application, ok, post, text
from tests.conftest import login


def info_path(number: int) -> str:
    return f"/beoordelen/aanvragen/{number}/informatie"


def assess_path(number: int) -> str:
    return f"/beoordelen/aanvragen/{number}/beoordeling"


def test_information_request_offers_the_schemes_repair_term(world, flow, login_as):
    number = flow.submitted()
    response = login_as(world.assessor.user).get(info_path(number))
    assert "standaard hersteltermijn van deze regeling is 14 dagen: tot en met 15 april 2014" \
        in text(response)
    assert 'value="2014-04-15"' in response.get_data(as_text=True)


def test_assessor_requests_information_with_the_default_term(world, flow, login_as):
    number = flow.submitted()
    client = login_as(world.assessor.user)
    response = post(client, info_path(number), {
        "reason": "De begroting per maatregel ontbreekt.", "repair_due_on": "2014-04-15"})
    assert response.status_code == 303
    found = application(number)
    assert found.state.value == "incomplete"
    assert found.repair_due_on == date(2014, 4, 15)
    assert found.suspended_on == date(2014, 4, 1)
    page = text(client.get(f"/aanvragen/{number}"))
    assert "Informatie opgevraagd bij Metaalwerkgevers" in page
    assert "Aanvullen uiterlijk 15 april 2014" in page
    assert "De begroting per maatregel ontbreekt." in page


def test_assessor_may_set_a_longer_repair_term(world, flow, login_as):
    number = flow.submitted()
    response = post(login_as(world.assessor.user), info_path(number), {
        "reason": "Handtekeningen ontbreken.", "repair_due_on": "2014-05-01"})
    assert response.status_code == 303
    assert application(number).repair_due_on == date(2014, 5, 1)


def test_information_request_needs_a_reason_and_a_future_term(world, flow, login_as):
    number = flow.submitted()
    client = login_as(world.assessor.user)

    response = post(client, info_path(number), {"reason": " ", "repair_due_on": "2014-04-15"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Schrijf welke informatie de aanvrager moet aanvullen." in text(response)
    assert 'href="#reason"' in html and 'aria-describedby="reason-hint reason-error"' in html

    response = post(client, info_path(number), {"reason": "Bijlage", "repair_due_on": "2014-04-01"})
    assert response.status_code == 422
    assert "De hersteltermijn eindigt na vandaag." in text(response)

    response = post(client, info_path(number), {"reason": "Bijlage", "repair_due_on": "1-5-2014"})
    assert response.status_code == 422
    assert "Geef de datum als JJJJ-MM-DD" in text(response)
    assert application(number).state.value == "submitted"


def test_information_is_requested_during_the_assessment_and_the_term_stands_still(
        world, flow, login_as, clock):
    number = flow.in_assessment()
    client = login_as(world.assessor.user)
    # Tuesday 3 June 2014: the scheme's 14 days run to Tuesday 17 June.
    clock.moment = datetime(2014, 6, 3, 8, tzinfo=UTC)
    form = client.get(info_path(number))
    assert "Deze handeling is nu niet mogelijk voor u" not in text(form)
    assert 'value="2014-06-17"' in form.get_data(as_text=True)
    response = post(client, info_path(number), {"reason": "Onderbouw de kosten van maatregel 2.",
                                                "repair_due_on": "2014-06-20"},
                    page=f"/aanvragen/{number}")
    assert response.status_code == 303
    asked = application(number)
    assert asked.state.value == "incomplete"
    assert (asked.suspended_on, asked.repair_due_on) == (date(2014, 6, 3), date(2014, 6, 20))
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.application_id == number, AuditEvent.trigger == "request_information")).one()
    assert (event.from_state.value, event.to_state.value, event.actor_id) == (
        "in_assessment", "incomplete", world.assessor.user.id)
    assert "Onderbouw de kosten van maatregel 2." in text(client.get(f"/aanvragen/{number}"))

    # Supplied Thursday 12 June: the term stood still 4 up to and including 11 June, 8 days
    # (Awb 4:15). Its own end, 13 weeks after T2 closed on 31 May, was Saturday 30 August;
    # 8 days on is Sunday 7 September, so due Monday 8 September. The assessment resumes.
    clock.moment = datetime(2014, 6, 12, 8, tzinfo=UTC)
    assert ok(world.applicant.fire(number, "provide_information"))["state"] == "in_assessment"
    resumed = application(number)
    assert resumed.suspended_on is None and resumed.repair_due_on is None
    assert resumed.decision_due_on == date(2014, 9, 8)
    assert "Beoordeling vastleggen" in text(client.get(f"/aanvragen/{number}"))


def test_assessor_records_scores_recommendation_and_reasoning(world, flow, login_as):
    number = flow.in_assessment()
    client = login_as(world.assessor.user)
    form = text(client.get(assess_path(number)))
    for criterion in ("Arbeidsmarktanalyse", "Samenhang en uitvoerbaarheid van de maatregelen",
                      "Draagvlak bij werkgevers en werknemers", "Begroting en cofinanciering"):
        assert criterion in form

    response = post(client, assess_path(number), {
        "score_analysis": "8", "score_measures": "7", "score_partnership": "9",
        "score_budget": "6", "recommendation": "positive",
        "reasoning": "Concreet plan met breed draagvlak."})
    assert response.status_code == 303
    assert application(number).state.value == "assessed"
    assessment = db.session.scalars(sa.select(Assessment).where(
        Assessment.application_id == number)).one()
    assert assessment.assessor_id == world.assessor.user.id
    assert assessment.scores == {"analysis": 8, "measures": 7, "partnership": 9, "budget": 6}
    assert assessment.recommendation == "positive"
    assert assessment.reasoning == "Concreet plan met breed draagvlak."
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.application_id == number, AuditEvent.trigger == "record_assessment")).one()
    assert event.data["scores"]["partnership"] == 9


def test_an_incomplete_assessment_is_refused_field_by_field(world, flow, login_as):
    number = flow.in_assessment()
    client = login_as(world.assessor.user)
    response = post(client, assess_path(number), {
        "score_analysis": "8", "score_measures": "", "score_partnership": "11",
        "score_budget": "6", "reasoning": ""})
    assert response.status_code == 422
    page = text(response)
    assert "Geef een score voor samenhang en uitvoerbaarheid van de maatregelen." in page
    assert "Een hele score van 1 tot en met 10." in page
    assert "Kies een positief of een negatief advies." in page
    assert "Onderbouw het advies." in page
    html = response.get_data(as_text=True)
    assert 'href="#score_measures"' in html and 'href="#recommendation"' in html
    # What was chosen stays chosen.
    assert '<option selected value="8">8</option>' in html
    assert application(number).state.value == "in_assessment"
    assert not db.session.scalars(sa.select(Assessment)).all()


def test_praktijkleren_assessment_is_the_check_of_the_places(world, flow, login_as):
    number = flow.in_assessment("praktijkleren")
    client = login_as(world.assessor.user)
    response = post(client, assess_path(number), {"reasoning": ""})
    assert response.status_code == 422
    assert "Bevestig dat u de plaatsen heeft gecontroleerd." in text(response)

    response = post(client, assess_path(number), {"confirm": "y", "reasoning": "Steekproef"})
    assert response.status_code == 303
    assert application(number).state.value == "validated"


def test_rif_applications_go_to_the_committee_sheet(world, flow, login_as):
    number = flow.in_assessment("rif")
    response = login_as(world.assessor.user).get(assess_path(number))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/beoordelen/commissie/{number}"


def test_only_assessors_assess(world, flow, app):
    number = flow.submitted()
    for user in (world.approver.user, world.committee.user, world.applicant.user):
        client = app.test_client()
        login(client, user.email)
        assert client.get(assess_path(number)).status_code == 403
        assert client.get(info_path(number)).status_code == 403
        response = post(client, info_path(number), {"reason": "Bijlage",
                                                    "repair_due_on": "2014-04-15"}, page="/")
        assert response.status_code == 403
    assert application(number).state.value == "submitted"
