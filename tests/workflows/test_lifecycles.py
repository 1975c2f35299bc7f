"""Each scheme's lifecycle walked through the API, as its users would."""

from datetime import UTC, datetime

from grants.extensions import db
from grants.models import Assessment, AuditEvent
from tests.workflows.scenarios import PARTLY


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_sector_plan_from_draft_to_monitored(world, clock):
    draft = ok(world.applicant.create(world.sectorplan()), 201)
    assert draft["state"] == "draft"
    assert draft["reference"] == "SP-T2-00001"
    assert draft["requested_amount"] == "500166.66"
    assert draft["allowed_triggers"] == ["submit", "withdraw"]
    number = draft["id"]

    submitted = ok(world.applicant.fire(number, "submit"))
    assert submitted["state"] == "submitted"
    assert submitted["submitted_at"] == "2014-04-01T09:00:00+02:00"
    # 13 weeks after the window closes on 31 May 2014: Saturday 30 August, so Monday
    # 1 September 2014 (Algemene termijnenwet).
    assert submitted["decision_due"] == "2014-09-01"

    incomplete = ok(world.assessor.fire(number, "request_information",
                                        {"reason": "De begroting per maatregel ontbreekt."}))
    assert incomplete["state"] == "incomplete"
    assert incomplete["repair_due"] == "2014-04-15"

    clock.advance(days=9)
    edited = ok(world.applicant.call("PATCH", f"/applications/{number}",
                                     {"title": "Sectorplan metaal, met begroting"}))
    assert edited["title"] == "Sectorplan metaal, met begroting"
    resubmitted = ok(world.applicant.fire(number, "provide_information"))
    assert resubmitted["state"] == "submitted"
    # Asked and answered while the window was open, before the decision term started: it
    # stood still for none of those days (Awb 4:15).
    assert resubmitted["decision_due"] == "2014-09-01"
    assert resubmitted["repair_due"] is None

    ok(world.assessor.fire(number, "start_assessment"))
    assessed = ok(world.assessor.fire(number, "record_assessment", {
        "recommendation": "positive", "reasoning": "Past bij de regeling; maatregelen helder."}))
    assert assessed["state"] == "assessed"

    approved = ok(world.approver.fire(number, "approve", {"amount": "450000.00", **PARTLY}))
    assert approved["state"] == "approved"
    assert approved["granted_amount"] == "450000.00"
    assert approved["objection_due"] == "2014-05-22"  # six weeks after the decision (10 April)

    monitored = ok(world.finance.fire(number, "pay_advance", {"amount": "360000.00"}))
    assert monitored["state"] == "monitored"

    trail = world.applicant.history(number)
    assert [(e["trigger"], e["from_state"], e["to_state"]) for e in trail] == [
        ("submit", "draft", "submitted"),
        ("request_information", "submitted", "incomplete"),
        ("provide_information", "incomplete", "submitted"),
        ("start_assessment", "submitted", "in_assessment"),
        ("record_assessment", "in_assessment", "assessed"),
        ("approve", "assessed", "approved"),
        ("pay_advance", "approved", "monitored"),
    ]
    assert trail[1]["reason"] == "De begroting per maatregel ontbreekt."
    assert trail[1]["actor"] == "assessor"
    assert trail[2]["data"]["paused_days"] == 0
    assert trail[5]["data"]["amount"] == "450000.00"
    assert len({e["rules_version"] for e in trail}) == 1 and trail[0]["rules_version"]


def test_rif_scored_by_two_committee_members_and_decided(world, clock):
    clock.moment = datetime(2014, 5, 20, 10, tzinfo=UTC)
    number = ok(world.rif_applicant.create(world.rif()), 201)["id"]
    ok(world.rif_applicant.fire(number, "submit"))
    ok(world.assessor.fire(number, "start_assessment"))

    scores = {"fit": 8, "coordination": 7, "durability": 6, "innovation": 9}
    first = ok(world.committee.fire(number, "record_assessment", {"scores": scores}))
    assert first["state"] == "in_assessment"  # one of the two members has scored
    assert "record_assessment" not in first["allowed_triggers"]

    again = world.committee.fire(number, "record_assessment", {"scores": scores})
    assert again.status_code == 422
    assert "scores" in again.get_json()["error"]["fields"]

    second = ok(world.committee2.fire(number, "record_assessment", {
        "scores": {"fit": 7, "coordination": 6, "durability": 7, "innovation": 6}}))
    assert second["state"] == "assessed"

    # The committee ranks; nobody grants one application by hand (Awb 4:26): the allocation
    # run after the window (12 May – 7 June 2014) grants from the ranking.
    assert world.committee3.fire(number, "approve").status_code == 403
    assert "approve" not in second["allowed_triggers"]
    by_hand = world.approver.fire(number, "approve")
    assert by_hand.status_code == 422
    assert "rangschikking" in by_hand.get_json()["error"]["fields"]["allocation"][0]
    clock.moment = datetime(2014, 6, 10, 9, tzinfo=UTC)
    run = ok(world.finance.call("POST", "/allocations", {
        "scheme": "rif", "window": "2014", "dry_run": False}), 201)
    assert [(r["application"], r["outcome"], r["amount"]) for r in run["results"]] == [
        (number, "approved", "500000.00")]
    # Prepared by finance, it grants nothing until an approver approves it (four eyes).
    assert run["status"] == "prepared"
    assert world.rif_applicant.get(number).get_json()["state"] == "assessed"
    ok(world.approver.call("POST", f"/allocations/{run['id']}/approve"))
    approved = world.rif_applicant.get(number).get_json()
    assert approved["state"] == "approved"
    assert approved["granted_amount"] == "500000.00"

    sheets = db.session.query(Assessment).filter_by(application_id=number).all()
    assert {s.assessor.name for s in sheets} == {"committee", "committee2"}
    assert all(s.recommendation.value == "positive" for s in sheets)


def test_rif_scores_are_checked_per_criterion(world, clock):
    clock.moment = datetime(2014, 5, 20, 10, tzinfo=UTC)
    number = ok(world.rif_applicant.create(world.rif()), 201)["id"]
    ok(world.rif_applicant.fire(number, "submit"))
    ok(world.assessor.fire(number, "start_assessment"))
    response = world.committee.fire(number, "record_assessment", {
        "scores": {"fit": 11, "coordination": "7", "durability": 6, "newness": 5}})
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"scores.fit", "scores.coordination", "scores.innovation",
                           "scores.newness"}


def test_praktijkleren_reaches_validated(world, clock):
    clock.moment = datetime(2014, 9, 15, 14, 30, tzinfo=UTC)  # 16:30 in Amsterdam
    draft = ok(world.employer_applicant.create(world.praktijkleren()), 201)
    assert draft["reference"] == "PL-2013-2014-00001"
    # One full mbo place and 21/42 of an hbo place, each at most € 2.700.
    assert draft["requested_amount"] == "4050.00"
    number = draft["id"]
    submitted = ok(world.employer_applicant.fire(number, "submit"))
    # One joint decision within 13 weeks after 15 September.
    assert submitted["decision_due"] == "2014-12-15"
    ok(world.assessor.fire(number, "start_assessment"))
    validated = ok(world.assessor.fire(number, "record_assessment"))
    assert validated["state"] == "validated"
    # The next step is the final allocation run's direct settlement, which nobody fires by
    # hand; the assessor can only still postpone the decision (Awb 4:14).
    assert world.assessor.get(number).get_json()["allowed_triggers"] == ["extend_decision_term"]
    assert "settle" not in world.finance.get(number).get_json()["allowed_triggers"]


def test_withdrawal_before_the_decision(world):
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(world.applicant.fire(number, "submit"))
    withdrawn = ok(world.applicant.fire(number, "withdraw", {"reason": "Plan herzien"}))
    assert withdrawn["state"] == "withdrawn"
    assert withdrawn["allowed_triggers"] == []
    assert world.applicant.fire(number, "submit").status_code == 409


def test_the_audit_trail_is_append_only(world):
    import pytest
    import sqlalchemy as sa
    from sqlalchemy.exc import DatabaseError

    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(world.applicant.fire(number, "submit"))
    for statement in (sa.update(AuditEvent).values(reason="rewritten"), sa.delete(AuditEvent)):
        with pytest.raises(DatabaseError, match="append-only"), db.session.begin_nested():
            db.session.execute(statement)
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 1
