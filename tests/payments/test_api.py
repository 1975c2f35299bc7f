"""Payment runs in the API: preview, prepare (finance), approve (another person, an approver),
the run and, once approved, its SEPA file."""

import hashlib
from datetime import date

import pytest

from grants.extensions import db
from grants.models import Application
from tests.payments.conftest import EMPLOYERS_IBAN, ok
from tests.payments.test_runs import NEW_YEAR_2015, sepa_document


@pytest.fixture
def plan(grants, world, clock):
    number = grants.sector_plan()
    clock.moment = NEW_YEAR_2015
    return number, db.session.get(Application, number).reference


def test_preview_then_prepare_then_approve_then_the_file(plan, world):
    number, reference = plan
    preview = ok(world.finance.call("POST", "/payment-runs", {"due_on": "2015-01-01"}))
    assert (preview["id"], preview["status"], preview["due_on"], preview["execution_date"]) == (
        None, "preview", "2015-01-01", "2015-01-02")
    assert [(line["application"], line["kind"], line["amount"], line["remittance"])
            for line in preview["lines"]] == [
        (number, "advance", "120000.00", f"{reference} voorschot 1/3"),
        (number, "advance", "120000.00", f"{reference} voorschot 2/3")]
    assert preview["skipped"] == []

    prepared = ok(world.finance.call("POST", "/payment-runs", {
        "due_on": "2015-01-01", "dry_run": False}), 201)
    run = prepared["id"]
    assert (prepared["status"], prepared["total"], prepared["sepa_url"]) == (
        "prepared", "240000.00", None)
    assert [(line["kind"], line["amount"], line["status"], line["end_to_end_id"])
            for line in prepared["lines"]] == [
        ("advance", "120000.00", "planned", f"{reference}-{run}-V1"),
        ("advance", "120000.00", "planned", f"{reference}-{run}-V2")]
    assert world.finance.call("GET", f"/payment-runs/{run}/sepa.xml").status_code == 409
    assert ok(world.applicant.get(number))["state"] == "approved"

    own = world.finance.call("POST", f"/payment-runs/{run}/approve")
    assert own.status_code == 409
    assert own.get_json()["error"]["message"] == (
        "U hebt deze betaalrun voorbereid; een ander met de rol beslisser moet haar "
        "goedkeuren.")
    approved = ok(world.approver.call("POST", f"/payment-runs/{run}/approve"))
    assert approved["status"] == "approved"
    assert approved["approved"]["by"] == world.approver.user.name
    assert [line["status"] for line in approved["lines"]] == ["paid", "paid"]
    assert world.approver2.call("POST", f"/payment-runs/{run}/approve").status_code == 409
    assert ok(world.applicant.get(number))["state"] == "monitored"

    again = ok(world.approver.call("GET", f"/payment-runs/{run}"))
    assert again == approved
    sepa = world.finance.call("GET", f"/payment-runs/{run}/sepa.xml")
    assert sepa.status_code == 200 and sepa.mimetype == "application/xml"
    assert hashlib.sha256(sepa.data).hexdigest() == approved["sepa_sha256"]
    document = sepa_document(sepa.data)
    assert [node.text for node in document.iter(
        "{urn:iso:std:iso:20022:tech:xsd:pain.001.001.03}IBAN")][1:] == [EMPLOYERS_IBAN] * 2

    # Nothing left: a second run that day is refused.
    assert world.finance.call("POST", "/payment-runs", {
        "due_on": "2015-01-01", "dry_run": False}).status_code == 409


def test_a_prepared_run_can_be_cancelled_with_a_reason(plan, world):
    run = ok(world.finance.call("POST", "/payment-runs", {
        "due_on": "2015-01-01", "dry_run": False}), 201)["id"]
    no_reason = world.finance.call("POST", f"/payment-runs/{run}/cancel", {})
    assert no_reason.status_code == 422
    assert "reason" in no_reason.get_json()["error"]["fields"]
    cancelled = ok(world.finance.call("POST", f"/payment-runs/{run}/cancel",
                                      {"reason": "Verkeerde datum gekozen."}))
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancelled"]["reason"] == "Verkeerde datum gekozen."
    assert world.approver.call("POST", f"/payment-runs/{run}/approve").status_code == 409
    assert len(ok(world.finance.call("POST", "/payment-runs", {
        "due_on": "2015-01-01"}))["lines"]) == 2


@pytest.mark.parametrize(("body", "field"), [
    ({"due_on": "1 januari"}, "due_on"),
    ({}, "due_on"),
    ({"due_on": "2015-01-01", "dry_run": "nee"}, "dry_run"),
    ({"due_on": "2015-01-01", "ministry": "EZ"}, "ministry"),
    ({"due_on": "2015-01-03", "dry_run": False}, "due_on"),  # not yet fallen due
])
def test_bad_input_is_named_at_its_field(plan, world, body, field):
    response = world.finance.call("POST", "/payment-runs", body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_two_ministries_owing_need_a_choice(plan, grants, world, clock):
    grants.rif()  # its first yearly advance fell due on 1 August 2014
    clock.moment = NEW_YEAR_2015
    both = world.finance.call("POST", "/payment-runs", {"due_on": "2015-01-01"})
    assert both.status_code == 422
    assert "ministry" in both.get_json()["error"]["fields"]
    ocw = ok(world.finance.call("POST", "/payment-runs", {"due_on": "2015-01-01",
                                                          "ministry": "OCW"}))
    assert [(line["kind"], line["amount"]) for line in ocw["lines"]] == [
        ("advance", "100000.00")]


@pytest.mark.parametrize("who", ["applicant", "assessor", "committee", "admin"])
def test_only_finance_and_approvers_reach_payment_runs(plan, world, who):
    run = ok(world.finance.call("POST", "/payment-runs", {
        "due_on": "2015-01-01", "dry_run": False}), 201)["id"]
    api = getattr(world, who)
    assert api.call("POST", "/payment-runs", {"due_on": "2015-01-01"}).status_code == 403
    assert api.call("GET", f"/payment-runs/{run}").status_code == 403
    assert api.call("POST", f"/payment-runs/{run}/approve").status_code == 403
    assert api.call("GET", f"/payment-runs/{run}/sepa.xml").status_code == 403
    # An approver prepares nothing: preparing is finance's.
    assert world.approver.call("POST", "/payment-runs", {
        "due_on": "2015-01-01"}).status_code == 403
    assert world.finance.call("GET", "/payment-runs/999").status_code == 404
    assert date.fromisoformat(ok(world.finance.call(
        "GET", f"/payment-runs/{run}"))["due_on"]) == date(2015, 1, 1)
