"""The request for settlement with the final cost statement, and the settlement lower than the
grant: the ledger releases the rest and recovers what was paid too much; the letters say so."""

import io

from grants.extensions import db
from grants.models import Application, ReportKind, ReportStatus
from grants.money import format_eur
from tests.conftest import csrf_token
from tests.decisions.conftest import decisions_of, ok, pdf_text, plain
from tests.reports.flow import pdf_bytes, report_of, settlement_request
from tests.test_ledger import entries


def test_above_the_threshold_the_accountants_statement_is_required(world, steps):
    number = steps.granted("450000.00")
    refused = settlement_request(world.applicant, number, "300000.00", statement=False)
    assert refused.status_code == 422
    fields = refused.get_json()["error"]["fields"]
    assert f"meer dan {format_eur(125_000_00)}" in fields["statement"][0]
    application = db.session.get(Application, number)
    assert application.state.value == "approved"
    assert report_of(number, ReportKind.FINAL).status is ReportStatus.DUE

    ok(settlement_request(world.applicant, number, "300000.00"))
    final = report_of(number, ReportKind.FINAL)
    assert db.session.get(Application, number).state.value == "settlement_requested"
    assert final.status is ReportStatus.SUBMITTED and final.claimed_cents == 300_000_00
    assert final.statement.document_kind == "accountant_statement"


def test_at_or_below_the_threshold_no_statement_is_needed(world, steps):
    number = steps.granted("125000.00")
    ok(settlement_request(world.applicant, number, "120000.00", statement=False))
    assert report_of(number, ReportKind.FINAL).statement is None


def test_the_claim_is_an_amount(world, steps):
    number = steps.granted()
    refused = settlement_request(world.applicant, number, "veel")
    assert refused.status_code == 422
    assert "amount" in refused.get_json()["error"]["fields"]


def test_the_settlement_request_from_the_portal(world, steps, web_as):
    number = steps.granted()
    final = report_of(number, ReportKind.FINAL)
    web = web_as(world.applicant.user)
    path = f"/portaal/rapportages/{final.id}"
    page = plain(web.get(path).get_data(as_text=True))
    assert "Controleverklaring van een accountant" in page and "€ 450.000,00" in page

    version = db.session.get(Application, number).version
    missing = web.post(path, content_type="multipart/form-data", data={
        "csrf_token": csrf_token(web, path), "version": version, "amount": "300.000,00",
        "file": (io.BytesIO(pdf_bytes()), "eindverslag.pdf")})
    assert missing.status_code == 422
    text = missing.get_data(as_text=True)
    assert 'role="alert"' in text and "voeg de controleverklaring van een accountant toe" in text
    assert db.session.get(Application, number).state.value == "approved"

    sent = web.post(path, content_type="multipart/form-data", data={
        "csrf_token": csrf_token(web, path), "version": version, "amount": "300.000,00",
        "file": (io.BytesIO(pdf_bytes()), "eindverslag.pdf"),
        "statement": (io.BytesIO(pdf_bytes()), "controleverklaring.pdf")})
    assert sent.status_code == 303, sent.get_data(as_text=True)
    final = report_of(number, ReportKind.FINAL)
    assert final.claimed_cents == 300_000_00
    assert final.statement.filename == "controleverklaring.pdf"
    assert db.session.get(Application, number).state.value == "settlement_requested"


def test_a_final_report_sent_back_undoes_the_request(world, steps):
    number = steps.granted()
    ok(settlement_request(world.applicant, number, "300000.00"))
    final = report_of(number, ReportKind.FINAL)
    back = ok(world.assessor.fire(number, "send_back_report", {
        "report": final.id, "reason": "De eindafrekening is niet ondertekend."}))
    assert back["state"] == "monitored"
    assert report_of(number, ReportKind.FINAL).status is ReportStatus.SENT_BACK
    ok(settlement_request(world.applicant, number, "300000.00"))
    assert report_of(number, ReportKind.FINAL).status is ReportStatus.SUBMITTED


def test_the_final_amount_is_never_above_the_grant(world, steps):
    number = steps.granted("450000.00")
    ok(settlement_request(world.applicant, number, "460000.00"))
    refused = world.assessor.fire(number, "settle", {"amount": "450000.01"})
    assert refused.status_code == 422
    assert format_eur(450_000_00) in refused.get_json()["error"]["fields"]["amount"][0]
    assert db.session.get(Application, number).state.value == "settlement_requested"


def test_settled_lower_than_the_grant_releases_and_recovers(world, steps, clock):
    number = steps.granted("450000.00")
    ok(world.finance.fire(number, "pay_advance", {"amount": "360000.00"}))
    ok(settlement_request(world.applicant, number, "300000.00"))
    clock.advance(days=30)
    settled = world.decide_prepared(number, "settle", {
        "amount": "300000.00", "reason": "Niet alle maatregelen zijn uitgevoerd."})
    assert settled["state"] == "settled"
    assert report_of(number, ReportKind.FINAL).status is ReportStatus.ACCEPTED

    assert entries(number)[-2:] == [
        ("recover", None, 60_000_00, "settle"),  # paid 360.000, final 300.000
        ("release", "committed", 150_000_00, "settle"),  # granted 450.000, final 300.000
    ]
    settlement, recovery = decisions_of(number)[1:]
    text = pdf_text(settlement.pdf)
    for fact in ("Verleende subsidie € 450.000,00", "Al aan u betaald (voorschotten) € 360.000,00",
                 "Vastgestelde subsidie € 300.000,00", "U moet terugbetalen € 60.000,00",
                 recovery.reference):
        assert fact in text, f"{fact!r} missing from the settlement letter:\n{text}"
    text = pdf_text(recovery.pdf)
    for fact in ("€ 60.000,00", "€ 360.000,00", "€ 300.000,00", settlement.reference):
        assert fact in text, f"{fact!r} missing from the recovery letter:\n{text}"


def test_settled_above_the_advances_leaves_a_balance_to_pay(world, steps):
    number = steps.granted("450000.00")
    ok(world.finance.fire(number, "pay_advance", {"amount": "360000.00"}))
    ok(settlement_request(world.applicant, number, "400000.00"))
    world.decide_prepared(number, "settle", {"amount": "400000.00", "reason": "Lagere kosten."})
    assert entries(number)[-1:] == [("release", "committed", 50_000_00, "settle")]
    (settlement,) = decisions_of(number)[1:]
    text = pdf_text(settlement.pdf)
    assert "Wij betalen u nog € 40.000,00" in text
