"""The SEPA credit transfer file (pain.001.001.03) a payment run hands to the bank."""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sepaxml import SepaTransfer

from grants.models import Ministry
from grants.models.organisations import validate_dutch_iban
from grants.timefmt import AMSTERDAM

SCHEMA = "pain.001.001.03"

# The account each ministry pays from. Assumed: the public record names no such accounts;
# these are valid but invented. Set the real ones with GRANTS_PAYMENT_ACCOUNTS, e.g.
# {"SZW": {"name": "…", "iban": "NL…", "bic": "…"}, "OCW": {…}}.
DEBTOR_ACCOUNTS = {
    Ministry.SZW.value: {"name": "Ministerie van SZW", "iban": "NL43INGB0000000701",
                         "bic": "INGBNL2A"},
    Ministry.OCW.value: {"name": "Ministerie van OCW", "iban": "NL16INGB0000000702",
                         "bic": "INGBNL2A"},
}


@dataclass(frozen=True)
class Debtor:
    name: str
    iban: str
    bic: str


@dataclass(frozen=True)
class Transfer:
    end_to_end_id: str
    creditor_name: str
    creditor_iban: str
    amount_cents: int
    remittance: str


def debtor_for(ministry: Ministry) -> Debtor:
    configured = (current_app.config.get("PAYMENT_ACCOUNTS") or {}).get(ministry.value)
    account = configured or DEBTOR_ACCOUNTS[ministry.value]
    return Debtor(account["name"], validate_dutch_iban(account["iban"]), account["bic"])


class _Transfer(SepaTransfer):
    """sepaxml's transfer with our message id and creation time instead of random and now."""

    def __init__(self, config: dict, message_id: str, created_at: datetime):
        self._message_id = message_id
        self._created_at = created_at
        super().__init__(config, schema=SCHEMA)

    def _create_header(self):
        super()._create_header()
        header = self._xml.find("CstmrCdtTrfInitn/GrpHdr")
        header.find("MsgId").text = self._message_id
        header.find("CreDtTm").text = (
            self._created_at.astimezone(AMSTERDAM).strftime("%Y-%m-%dT%H:%M:%S"))

    def _finalize_batch(self):
        super()._finalize_batch()
        for number, node in enumerate(self._xml.iter("PmtInfId"), start=1):
            node.text = f"{self._message_id}-{number}"


def credit_transfer(debtor: Debtor, transfers: list[Transfer], *, message_id: str,
                    created_at: datetime, execution_on: date) -> bytes:
    """The pain.001 document, validated against its XSD by sepaxml before it is returned."""
    document = _Transfer({"name": debtor.name, "IBAN": debtor.iban, "BIC": debtor.bic,
                          "batch": True, "currency": "EUR"}, message_id, created_at)
    for transfer in transfers:
        document.add_payment({
            "name": transfer.creditor_name, "IBAN": transfer.creditor_iban,
            "amount": transfer.amount_cents, "execution_date": execution_on,
            "description": transfer.remittance, "endtoend_id": transfer.end_to_end_id,
        })
    return document.export(validate=True)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
