"""RIF: the committee advises on a progress report to lower or end the grant; the approver
turns the advice into a decision with its letter, and the ledger releases the difference."""

import re
from datetime import UTC, datetime

import pytest

from grants.extensions import db
from grants.models import Application, DecisionKind
from grants.money import format_eur
from tests.conftest import csrf_token, login
from tests.decisions.conftest import decisions_of, ok, pdf_text
from tests.test_ledger import entries


@pytest.fixture
def rif_grant(world, clock) -> int:
    """A RIF grant of € 500.000 with an advance of € 100.000 paid."""
    clock.moment = datetime(2014, 5, 20, 10, tzinfo=UTC)
    number = ok(world.rif_applicant.create(world.rif()), 201)["id"]
    ok(world.rif_applicant.fire(number, "submit"))
    ok(world.assessor.fire(number, "start_assessment"))
    for member in (world.committee, world.committee2):
        ok(member.fire(number, "record_assessment", {
            "scores": {"fit": 8, "coordination": 7, "durability": 6, "innovation": 9}}))
    world.rank_rif(clock)
    ok(world.finance.fire(number, "pay_advance", {"amount": "100000.00"}))
    clock.moment = datetime(2015, 9, 1, 10, tzinfo=UTC)
    return number


def test_the_committee_advises_lowering_and_the_approver_decides(world, rif_grant):
    number = rif_grant
    # Only the approver decides, and only on an advice.
    assert world.approver.fire(number, "adjust_grant", {"reason": "x"}).status_code == 422
    assert world.committee.fire(number, "adjust_grant", {"reason": "x"}).status_code == 403
    assert world.approver.fire(number, "advise_adjustment", {
        "advice": "lower", "amount": "300000.00", "reason": "x"}).status_code == 403

    below_paid = world.committee.fire(number, "advise_adjustment", {
        "advice": "lower", "amount": "90000.00", "reason": "Achter op schema."})
    assert below_paid.status_code == 422
    assert format_eur(100_000_00) in below_paid.get_json()["error"]["fields"]["amount"][0]
    ok(world.committee.fire(number, "advise_adjustment", {
        "advice": "lower", "amount": "300000.00",
        "reason": "Twee van de vijf praktijkcentra komen er niet."}))
    decided = ok(world.approver.fire(number, "adjust_grant", {
        "reason": "De commissie stelde vast dat twee praktijkcentra niet worden gebouwd."}))
    assert decided["granted_amount"] == "300000.00" and decided["state"] == "monitored"
    assert entries(number)[-1] == ("release", "committed", 200_000_00, "adjust_grant")
    # The advice is used up: deciding again needs a new one.
    assert world.approver.fire(number, "adjust_grant", {"reason": "x"}).status_code == 422

    letter = decisions_of(number)[-1]
    assert letter.kind is DecisionKind.AMENDMENT and letter.amount_cents == 300_000_00
    text = pdf_text(letter.pdf)
    for fact in ("Wij verlagen uw subsidie", "van € 500.000,00 naar € 300.000,00",
                 "Minder subsidie € 200.000,00", "Al aan u betaald (voorschotten) € 100.000,00",
                 "artikel 4:48", "twee praktijkcentra niet worden gebouwd"):
        assert fact in text, f"{fact!r} missing from the letter:\n{text}"


def test_ending_the_grant_releases_all_not_yet_paid(world, rif_grant, app):
    number = rif_grant
    ok(world.committee.fire(number, "advise_adjustment", {
        "advice": "end", "reason": "Het project is stilgelegd."}))
    web = app.test_client()
    assert login(web, world.approver.user.email).status_code == 302
    path = f"/beoordelen/aanvragen/{number}/aanpassing"
    page = web.get(path).get_data(as_text=True)
    assert "Het project is stilgelegd." in page
    version = db.session.get(Application, number).version
    unconfirmed = web.post(path, data={"csrf_token": csrf_token(web, path), "version": version,
                                       "reason": "Het project is gestopt."})
    assert unconfirmed.status_code == 422 and "Bevestig het besluit." in \
        unconfirmed.get_data(as_text=True)
    done = web.post(path, data={"csrf_token": csrf_token(web, path), "version": version,
                                "reason": "Het project is gestopt.", "confirm": "y"})
    assert done.status_code == 303, done.get_data(as_text=True)

    assert db.session.get(Application, number).granted_cents == 100_000_00
    assert entries(number)[-1] == ("release", "committed", 400_000_00, "adjust_grant")
    text = pdf_text(decisions_of(number)[-1].pdf)
    assert "Wij beëindigen uw subsidie" in text
    assert re.search(r"Wij betalen geen voorschotten meer", text)


def test_sector_plans_have_no_committee_advice(world, steps):
    number = steps.granted()
    response = world.committee.fire(number, "advise_adjustment", {
        "advice": "end", "reason": "x"})
    assert response.status_code == 404  # not a trigger of the sector plan scheme
