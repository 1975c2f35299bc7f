"""Praktijkleren decisions (domain.md §2, §5): an application that fails the eligibility check is
refused while it is assessed; every other one is settled by the window's one final run only,
never by hand (Awb 4:26), and an upheld objection against a refusal brings the application into
that run while it has not been made."""

from datetime import UTC, datetime

from grants.extensions import db
from grants.models import Decision, DecisionKind
from tests.workflows.scenarios import PRAKTIJKLEREN_RUN_AFTER

IN_WINDOW = datetime(2014, 9, 1, 10, tzinfo=UTC)  # window 2013-2014: 2 June – 15 September
REFUSED_ON = datetime(2014, 9, 22, 10, tzinfo=UTC)  # a Monday
ELIGIBILITY = "De plaats van Bram is geen bbl-plaats: er is geen praktijkovereenkomst."


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def place(name: str, weeks: int = 40) -> dict:
    return {"student_name": name, "category": "mbo", "programme_code": "25180",
            "school": "ROC Noorderpoort", "starts_on": "2013-09-01", "ends_on": "2014-06-30",
            "weeks": weeks}


def in_assessment(world, clock, name: str) -> int:
    clock.moment = IN_WINDOW
    api = world.employer_applicant
    number = ok(api.create(world.praktijkleren(places=[place(name)])), 201)["id"]
    ok(api.fire(number, "submit"))
    ok(world.assessor.fire(number, "start_assessment"))
    return number


def kinds(number: int) -> list[DecisionKind]:
    return list(db.session.scalars(db.select(Decision.kind).where(
        Decision.application_id == number).order_by(Decision.id)))


def refused(world, clock, number: int) -> dict:
    clock.moment = REFUSED_ON
    return ok(world.assessor.fire(number, "reject", {"reason": ELIGIBILITY}))


def objection_against_a_refusal(world, clock) -> tuple[int, int]:
    """Sanne's place assessed eligible; Bram's refused, and his employer objects on 1 October."""
    sanne = in_assessment(world, clock, "Sanne de Vries")
    bram = in_assessment(world, clock, "Bram Bakker")
    ok(world.assessor.fire(sanne, "record_assessment"))
    refused(world, clock, bram)
    clock.moment = datetime(2014, 10, 1, 10, tzinfo=UTC)
    ok(world.employer_applicant.fire(bram, "lodge_objection", {
        "reason": "Bram werkt wel op een praktijkovereenkomst; die sturen wij mee."}))
    return sanne, bram


def test_an_ineligible_application_is_refused_and_the_final_run_goes_ahead(world, clock):
    sanne = in_assessment(world, clock, "Sanne de Vries")
    bram = in_assessment(world, clock, "Bram Bakker")
    ok(world.assessor.fire(sanne, "record_assessment"))

    without_reason = world.assessor.fire(bram, "reject")
    assert without_reason.status_code == 422
    assert "reason" in without_reason.get_json()["error"]["fields"]
    assert "reject" not in world.employer_applicant.get(bram).get_json()["allowed_triggers"]
    assert refused(world, clock, bram)["state"] == "rejected"
    assert kinds(bram) == [DecisionKind.REJECTION]

    # Refused counts as decided: the final run settles the validated one at the full rate.
    run = world.settle_praktijkleren(clock)
    assert {r["application"]: r["amount"] for r in run["results"]} == {sanne: "2700.00"}
    assert ok(world.finance.get(sanne))["state"] == "settled"
    after = ok(world.finance.get(bram))
    assert (after["state"], after["granted_amount"]) == ("rejected", None)


def test_an_upheld_objection_against_the_refusal_brings_it_into_the_final_run(world, clock):
    sanne, bram = objection_against_a_refusal(world, clock)
    clock.moment = datetime(2014, 10, 20, 10, tzinfo=UTC)
    ok(world.assessor.fire(bram, "waive_hearing", {
        "ground": "objector_waived", "reason": "De indiener wil niet worden gehoord."}))
    upheld = ok(world.approver.fire(bram, "decide_objection", {
        "outcome": "upheld", "reason": "De praktijkovereenkomst is alsnog overgelegd."}))
    assert upheld["state"] == "validated"

    # Two full mbo places under the ceiling: € 2.700,00 each.
    run = world.settle_praktijkleren(clock)
    assert {r["application"]: r["amount"] for r in run["results"]} == {
        sanne: "2700.00", bram: "2700.00"}
    assert ok(world.finance.get(bram))["state"] == "settled"


def test_after_the_final_run_an_upheld_objection_cannot_join_it(world, clock):
    sanne, bram = objection_against_a_refusal(world, clock)
    world.settle_praktijkleren(clock)
    assert clock().date() == PRAKTIJKLEREN_RUN_AFTER["2013-2014"].date()

    ok(world.assessor.fire(bram, "waive_hearing", {
        "ground": "objector_waived", "reason": "De indiener wil niet worden gehoord."}))
    too_late = world.approver.fire(bram, "decide_objection", {
        "outcome": "upheld", "reason": "De praktijkovereenkomst is alsnog overgelegd."})
    assert too_late.status_code == 409
    assert "al verdeeld" in too_late.get_json()["error"]["message"]
    assert ok(world.finance.get(bram))["state"] == "rejected"
    # Declared unfounded it stands, with its letter.
    ok(world.approver.fire(bram, "decide_objection", {
        "outcome": "rejected", "reason": "Er is geen praktijkovereenkomst overgelegd."}))
    assert kinds(bram) == [DecisionKind.REJECTION, DecisionKind.OBJECTION]


def test_nobody_settles_by_hand(world, clock):
    sanne = in_assessment(world, clock, "Sanne de Vries")
    ok(world.assessor.fire(sanne, "record_assessment"))
    clock.moment = PRAKTIJKLEREN_RUN_AFTER["2013-2014"]
    for who in (world.finance, world.approver, world.admin):
        assert "settle" not in who.get(sanne).get_json()["allowed_triggers"]
    by_hand = world.finance.fire(sanne, "settle")
    assert by_hand.status_code == 422
    assert "verdeling" in by_hand.get_json()["error"]["fields"]["allocation"][0]
    assert ok(world.finance.get(sanne))["state"] == "validated"


def test_a_run_still_waiting_for_approval_does_not_shut_out_an_upheld_objection(world, clock):
    sanne, bram = objection_against_a_refusal(world, clock)
    clock.moment = PRAKTIJKLEREN_RUN_AFTER["2013-2014"]
    stale = ok(world.finance.call("POST", "/allocations", {
        "scheme": "praktijkleren", "window": "2013-2014", "dry_run": False}), 201)
    assert stale["status"] == "prepared"

    ok(world.assessor.fire(bram, "waive_hearing", {
        "ground": "objector_waived", "reason": "De indiener wil niet worden gehoord."}))
    upheld = ok(world.approver.fire(bram, "decide_objection", {
        "outcome": "upheld", "reason": "De praktijkovereenkomst is alsnog overgelegd."}))
    assert upheld["state"] == "validated"
    # The prepared run did not count Bram: approving it now is refused and decides nothing.
    refused_run = world.approver.call("POST", f"/allocations/{stale['id']}/approve")
    assert refused_run.status_code == 409
    assert "veranderd sinds" in refused_run.get_json()["error"]["message"]
    assert ok(world.finance.get(sanne))["state"] == "validated"
    ok(world.approver.call("POST", f"/allocations/{stale['id']}/cancel",
                           {"reason": "Een bezwaar is gegrond verklaard."}))
    # Two full mbo places under the ceiling: € 2.700,00 each.
    run = world.allocate("praktijkleren", "2013-2014")
    assert {r["application"]: r["amount"] for r in run["results"]} == {
        sanne: "2700.00", bram: "2700.00"}
