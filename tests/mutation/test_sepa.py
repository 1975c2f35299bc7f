"""The SEPA credit transfer file (grants/payments/sepa.py) a payment run hands to the bank, rule by
rule, with figures worked out by hand (issue 19; bench/mutation.py --module
grants/payments/sepa.py).

Rules (shared/domain.md §4 "Payments", §6 "Money"): one pain.001.001.03 document per run,
valid against its XSD, one batch (one PmtInf, booked as a batch) from the ministry's own
account, in euros; the message id is the run's, the creation time is the moment of approval in
Amsterdam time (no random id, no "now": the file can be made again byte for byte and its
SHA-256 names it); each transfer carries its end-to-end id, the payee, the IBAN, the amount in
cents written as euros and the remittance; the requested execution date is the run's TARGET2
business day. Each ministry pays from its own account, which configuration may override per
ministry.

Mutants that cannot change behaviour (read by bench/mutation.py). sepaxml's SepaTransfer takes
``schema="pain.001.001.03"`` by default (sepaxml 2.x), so leaving out our explicit SCHEMA makes
the same document; a change of that default would show in the namespace every test here reads:

equivalent: grants.payments.sepa.xǁ_Transferǁ__init____mutmut_6 — sepaxml's default schema
"""

import io
import os
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest
import sepaxml
import xmlschema

from grants.models import Ministry
from grants.payments import sepa
from grants.payments.sepa import Debtor, Transfer, credit_transfer, debtor_for

pytestmark = pytest.mark.no_db

XSD = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", "pain.001.001.03.xsd")
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
SZW = Debtor("Ministerie van SZW", "NL43INGB0000000701", "INGBNL2A")
TRANSFERS = [
    Transfer("SP-2014-0001-7-V1", "Metaalwerkgevers", "NL91ABNA0417164300", 12_345_67,
             "SP-2014-0001 voorschot 1/3"),
    Transfer("SP-2014-0002-7-S", "Stichting Techniek", "NL20INGB0001234567", 5,
             "SP-2014-0002 saldo na vaststelling"),
]


def document(created_at=datetime(2015, 1, 2, 9, tzinfo=UTC), transfers=TRANSFERS,
             execution_on=date(2015, 1, 2)) -> ET.Element:
    xml = credit_transfer(SZW, transfers, message_id="TP-SZW-00000007", created_at=created_at,
                          execution_on=execution_on)
    xmlschema.XMLSchema(XSD).validate(io.BytesIO(xml))
    return ET.fromstring(xml)  # noqa: S314  (our own output, validated above)


def text(node: ET.Element, path: str) -> str | None:
    return node.findtext(path, namespaces=NS)


def test_the_header_carries_the_runs_message_id_and_the_approval_moment_in_amsterdam_time():
    # 9:00 UTC on 2 January is 10:00 in Amsterdam (CET, UTC+1) ...
    header = document().find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert text(header, "p:MsgId") == "TP-SZW-00000007"
    assert text(header, "p:CreDtTm") == "2015-01-02T10:00:00"
    assert text(header, "p:InitgPty/p:Nm") == "Ministerie van SZW"
    # ... and 22:30 UTC on 30 June is 00:30 on 1 July in Amsterdam (CEST, UTC+2).
    summer = document(created_at=datetime(2014, 6, 30, 22, 30, 5, tzinfo=UTC))
    assert text(summer, "p:CstmrCdtTrfInitn/p:GrpHdr/p:CreDtTm") == "2014-07-01T00:30:05"


def test_a_run_is_one_batch_from_the_ministrys_account_numbered_after_the_message():
    root = document()
    batches = root.findall("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert len(batches) == 1
    batch = batches[0]
    assert text(batch, "p:PmtInfId") == "TP-SZW-00000007-1"
    assert text(batch, "p:BtchBookg") == "true"
    assert text(batch, "p:ReqdExctnDt") == "2015-01-02"
    assert text(batch, "p:Dbtr/p:Nm") == "Ministerie van SZW"
    assert text(batch, "p:DbtrAcct/p:Id/p:IBAN") == "NL43INGB0000000701"
    assert text(batch, "p:DbtrAgt/p:FinInstnId/p:BIC") == "INGBNL2A"
    # € 12.345,67 + € 0,05 = € 12.345,72 in two transfers, in the header and the batch alike.
    for node in (root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS), batch):
        assert (text(node, "p:NbOfTxs"), text(node, "p:CtrlSum")) == ("2", "12345.72")


def test_every_transfer_names_its_payee_amount_in_euros_and_remittance():
    batch = document(execution_on=date(2014, 12, 29)).find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert text(batch, "p:ReqdExctnDt") == "2014-12-29"
    transfers = [(text(t, "p:PmtId/p:EndToEndId"), text(t, "p:Cdtr/p:Nm"),
                  text(t, "p:CdtrAcct/p:Id/p:IBAN"), text(t, "p:Amt/p:InstdAmt"),
                  t.find("p:Amt/p:InstdAmt", NS).get("Ccy"), text(t, "p:RmtInf/p:Ustrd"))
                 for t in batch.findall("p:CdtTrfTxInf", NS)]
    assert transfers == [
        ("SP-2014-0001-7-V1", "Metaalwerkgevers", "NL91ABNA0417164300", "12345.67", "EUR",
         "SP-2014-0001 voorschot 1/3"),
        ("SP-2014-0002-7-S", "Stichting Techniek", "NL20INGB0001234567", "0.05", "EUR",
         "SP-2014-0002 saldo na vaststelling"),
    ]


def test_the_same_run_makes_the_same_file_and_its_hash_names_it():
    made = [credit_transfer(SZW, TRANSFERS, message_id="TP-SZW-00000007",
                            created_at=datetime(2015, 1, 2, 9, tzinfo=UTC),
                            execution_on=date(2015, 1, 2)) for _ in range(2)]
    assert made[0] == made[1]
    # SHA-256 of "abc" (FIPS 180-2, appendix B.1), as lowercase hex.
    assert sepa.sha256(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")


@pytest.fixture
def accounts(app):
    """The app's PAYMENT_ACCOUNTS for the test to set, as they were afterwards."""
    saved = dict(app.config)
    app.config.pop("PAYMENT_ACCOUNTS", None)
    with app.app_context():
        yield app.config
    app.config.clear()
    app.config.update(saved)


def test_each_ministry_pays_from_its_own_account(accounts):
    assert debtor_for(Ministry.SZW) == Debtor("Ministerie van SZW", "NL43INGB0000000701",
                                              "INGBNL2A")
    assert debtor_for(Ministry.OCW) == Debtor("Ministerie van OCW", "NL16INGB0000000702",
                                              "INGBNL2A")


def test_a_configured_account_replaces_the_assumed_one_for_its_ministry_only(accounts):
    configured = {"name": "Ministerie van OCW (DUO)", "iban": "nl20 ingb 0001 2345 67",
                  "bic": "INGBNL2A"}
    accounts["PAYMENT_ACCOUNTS"] = {"OCW": configured}
    # Checked and compacted as any Dutch IBAN is.
    assert debtor_for(Ministry.OCW) == Debtor("Ministerie van OCW (DUO)", "NL20INGB0001234567",
                                              "INGBNL2A")
    assert debtor_for(Ministry.SZW).iban == "NL43INGB0000000701"
    # A wrong check digit is refused, naming the IBAN.
    accounts["PAYMENT_ACCOUNTS"] = {"OCW": {**configured, "iban": "NL20INGB0001234568"}}
    with pytest.raises(ValueError, match="NL20INGB0001234568"):
        debtor_for(Ministry.OCW)


def test_a_file_that_breaks_the_schema_is_never_made():
    # pain.001's EndToEndId is Max35Text: 35 characters pass, 36 are refused before any file
    # leaves the function.
    for length, made in ((35, True), (36, False)):
        transfer = Transfer("E" * length, "Metaalwerkgevers", "NL91ABNA0417164300", 100, "x")
        try:
            credit_transfer(SZW, [transfer], message_id="TP-SZW-00000007",
                            created_at=datetime(2015, 1, 2, 9, tzinfo=UTC),
                            execution_on=date(2015, 1, 2))
        except sepaxml.validation.ValidationError:
            assert not made, length
        else:
            assert made, length
