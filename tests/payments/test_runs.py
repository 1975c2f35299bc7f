"""Payment runs: pay_advance per instalment through the engine, the ledger, the SEPA file."""

import io
import os
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest
import sepaxml
import sqlalchemy as sa
import xmlschema

from grants.errors import Conflict, Forbidden, ValidationFailed
from grants.extensions import db
from grants.models import (
    Application,
    AuditEvent,
    EntryKind,
    LedgerEntry,
    Ministry,
    PaymentLine,
    PaymentRun,
)
from grants.payments.runs import due_payments, prepare_run
from grants.payments.sepa import sha256
from tests.payments.conftest import EMPLOYERS_IBAN, INSTITUTION_IBAN, pay_run

XSD = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", "pain.001.001.03.xsd")
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
NEW_YEAR_2015 = datetime(2015, 1, 2, 9, tzinfo=UTC)


def disbursed(number: int) -> list[tuple[int, str]]:
    return [(e.amount_cents, e.cause) for e in db.session.scalars(
        sa.select(LedgerEntry).where(LedgerEntry.application_id == number,
                                     LedgerEntry.kind == EntryKind.DISBURSE)
        .order_by(LedgerEntry.id))]


def sepa_document(xml: bytes) -> ET.Element:
    xmlschema.XMLSchema(XSD).validate(io.BytesIO(xml))
    return ET.fromstring(xml)  # noqa: S314  (our own output, validated above)


def test_a_run_pays_the_due_instalments_through_the_engine(grants, world, clock):
    first = grants.sector_plan()
    second = grants.sector_plan("300000.00")
    clock.moment = NEW_YEAR_2015
    run = pay_run(world, clock, Ministry.SZW, date(2015, 1, 1))

    # 18-month plans: three instalments of 80% ÷ 3 (€ 120.000,00 and € 80.000,00), the first
    # two due by 1 January 2015.
    assert [(line.application_id, line.instalment, line.instalment_count, line.amount_cents)
            for line in run.lines] == [
        (first, 1, 3, 120_000_00), (first, 2, 3, 120_000_00),
        (second, 1, 3, 80_000_00), (second, 2, 3, 80_000_00)]
    assert run.total_cents == 400_000_00 and run.line_count == 4
    assert disbursed(first) == [(120_000_00, "pay_advance"), (120_000_00, "pay_advance")]
    assert disbursed(second) == [(80_000_00, "pay_advance"), (80_000_00, "pay_advance")]
    assert {line.ledger_entry.amount_cents for line in run.lines} == {120_000_00, 80_000_00}
    for number in (first, second):
        assert db.session.get(Application, number).state.value == "monitored"
        trail = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.application_id == number, AuditEvent.trigger == "pay_advance")
            .order_by(AuditEvent.id)).all()
        assert [(e.from_state, e.to_state) for e in trail] == [
            ("approved", "monitored"), ("monitored", "monitored")]
        assert trail[0].reason == f"Betaalrun {run.id}: voorschot 1 van 3"


def test_the_sepa_file_is_a_valid_pain_001_with_every_transfer(grants, world, clock):
    first = grants.sector_plan()
    reference = db.session.get(Application, first).reference
    clock.moment = NEW_YEAR_2015
    run = pay_run(world, clock, Ministry.SZW, date(2015, 1, 1))

    document = sepa_document(run.sepa_xml)
    assert run.sepa_sha256 == sha256(run.sepa_xml)
    header = document.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert header.findtext("p:MsgId", namespaces=NS) == run.message_id == f"TP-SZW-{run.id:08d}"
    assert header.findtext("p:NbOfTxs", namespaces=NS) == "2"
    assert header.findtext("p:CtrlSum", namespaces=NS) == "240000.00"
    payment = document.find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert payment.findtext("p:ReqdExctnDt", namespaces=NS) == "2015-01-02"
    assert payment.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == run.debtor_iban
    transfers = [(t.findtext("p:Amt/p:InstdAmt", namespaces=NS),
                  t.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS),
                  t.findtext("p:RmtInf/p:Ustrd", namespaces=NS),
                  t.findtext("p:PmtId/p:EndToEndId", namespaces=NS))
                 for t in payment.findall("p:CdtTrfTxInf", NS)]
    assert transfers == [
        ("120000.00", EMPLOYERS_IBAN, f"{reference} voorschot 1/3", f"{reference}-{run.id}-V1"),
        ("120000.00", EMPLOYERS_IBAN, f"{reference} voorschot 2/3", f"{reference}-{run.id}-V2")]
    assert payment.find("p:CdtTrfTxInf/p:Amt/p:InstdAmt", NS).get("Ccy") == "EUR"


def test_a_second_run_on_the_same_day_pays_nothing_twice(grants, world, clock):
    number = grants.sector_plan()
    clock.moment = NEW_YEAR_2015
    pay_run(world, clock, Ministry.SZW, date(2015, 1, 1))
    db.session.commit()
    assert due_payments(Ministry.SZW, date(2015, 1, 1), world.finance.user).lines == []
    with pytest.raises(Conflict):
        pay_run(world, clock, Ministry.SZW, date(2015, 1, 1))
    db.session.rollback()
    assert len(disbursed(number)) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentRun)) == 1

    # Half a year on, only the third instalment is due.
    clock.moment = datetime(2015, 7, 1, 9, tzinfo=UTC)
    later = pay_run(world, clock, Ministry.SZW, date(2015, 7, 1))
    assert [(line.instalment, line.amount_cents) for line in later.lines] == [(3, 120_000_00)]


def test_an_organisation_without_an_iban_is_left_out_with_the_reason(grants, world, clock):
    paid = grants.sector_plan()
    world.employers.iban = ""
    db.session.commit()
    clock.moment = NEW_YEAR_2015
    preview = due_payments(Ministry.SZW, date(2015, 1, 1), world.finance.user)
    assert preview.lines == []
    assert [(s.application.id, s.reason) for s in preview.skipped] == [
        (paid, "Geen IBAN bekend van Metaalwerkgevers; vul het aan voordat er betaald wordt.")]

    # With the IBAN restored for one plan's organisation, the other is left out, not half-paid.
    world.employers.iban = EMPLOYERS_IBAN
    db.session.commit()
    other = grants.sector_plan("300000.00")
    db.session.get(Application, other).organisation = world.employees
    db.session.commit()
    clock.moment = NEW_YEAR_2015
    run = pay_run(world, clock, Ministry.SZW, date(2015, 1, 1))
    assert {line.application_id for line in run.lines} == {paid}
    assert [(s["application"], s["reference"]) for s in run.skipped] == [
        (other, db.session.get(Application, other).reference)]
    assert disbursed(other) == []
    assert db.session.get(Application, other).state.value == "approved"


def test_schemes_are_paid_from_their_own_ministry(grants, world, clock):
    grants.sector_plan()
    rif = grants.rif()
    clock.moment = datetime(2014, 8, 1, 9, tzinfo=UTC)
    assert due_payments(Ministry.SZW, date(2014, 8, 1), world.finance.user).total_cents == (
        120_000_00)
    run = pay_run(world, clock, Ministry.OCW, date(2014, 8, 1))
    assert [(line.application_id, line.amount_cents, line.creditor_iban)
            for line in run.lines] == [(rif, 100_000_00, INSTITUTION_IBAN)]
    assert run.debtor_name == "Ministerie van OCW"
    sepa_document(run.sepa_xml)


def test_only_what_has_fallen_due_is_paid(grants, world, clock):
    grants.sector_plan()
    clock.moment = NEW_YEAR_2015
    with pytest.raises(ValidationFailed) as refused:
        pay_run(world, clock, Ministry.SZW, date(2015, 1, 3))
    assert "due_on" in refused.value.fields
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentLine)) == 0


@pytest.mark.parametrize("who", ["assessor", "approver", "applicant", "admin"])
def test_only_finance_pays(grants, world, clock, who):
    grants.sector_plan()
    clock.moment = NEW_YEAR_2015
    user = getattr(world, who).user
    with pytest.raises(Forbidden):
        due_payments(Ministry.SZW, date(2015, 1, 1), user)
    with pytest.raises(Forbidden):
        prepare_run(Ministry.SZW, date(2015, 1, 1), user, clock())


def test_an_advance_paid_by_hand_counts_against_the_first_instalment(grants, world, clock):
    number = grants.sector_plan()
    assert world.finance.fire(number, "pay_advance", {"amount": "50000.00"}).status_code == 200
    clock.moment = NEW_YEAR_2015
    run = pay_run(world, clock, Ministry.SZW, date(2015, 1, 1))
    assert [(line.instalment, line.amount_cents, line.paid_through_cents)
            for line in run.lines] == [(1, 70_000_00, 120_000_00), (2, 120_000_00, 240_000_00)]
    assert disbursed(number) == [(50_000_00, "pay_advance"), (70_000_00, "pay_advance"),
                                 (120_000_00, "pay_advance")]
