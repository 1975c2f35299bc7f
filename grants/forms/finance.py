"""Finance's forms: a booking by hand on a line of a budget without an applicant workflow."""

import re
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from grants.models import Bucket, EntryKind

# What the form offers, in the order finance books most:
# (value, label, kind, bucket, what the confirmation says was done).
BOOKING_KINDS = [
    ("commit", "Verplichten", EntryKind.COMMIT, None, "verplicht"),
    ("disburse", "Betalen", EntryKind.DISBURSE, None, "betaald"),
    ("release_committed", "Vrijgeven van een verplichting", EntryKind.RELEASE, Bucket.COMMITTED,
     "vrijgegeven uit de verplichtingen"),
    ("reserve", "Reserveren", EntryKind.RESERVE, None, "gereserveerd"),
    ("release_reserved", "Vrijgeven van een reservering", EntryKind.RELEASE, Bucket.RESERVED,
     "vrijgegeven uit de reserveringen"),
    ("recover", "Terugvorderen", EntryKind.RECOVER, None, "teruggevorderd"),
]
_KINDS = {value: (kind, bucket) for value, _label, kind, bucket, _done in BOOKING_KINDS}
_DONE = {value: done for value, _label, _kind, _bucket, done in BOOKING_KINDS}

# Dutch notation, with or without thousands dots: 1.234.567,89 · 1234567,89 · 1234567.
_DUTCH = re.compile(r"(?P<whole>\d{1,3}(?:\.\d{3})+|\d+)(?:,(?P<cents>\d{1,2}))?")
# A decimal point and no grouping, as the API and spreadsheets write it: 1234567.89.
_DOTTED = re.compile(r"(?P<whole>\d+)\.(?P<cents>\d{1,2})")
# One dot or comma before exactly three digits: thousands (1.500 = 1500) or decimals (1,500)?
_AMBIGUOUS = re.compile(r"\d{1,3}[.,]\d{3}")
_MAX_WHOLE_DIGITS = 13
EXAMPLE = "Schrijf het bedrag als 1.234,56 of als 1234.56."


class AmountError(ValueError):
    pass


def parse_amount(text: str) -> int:
    """Cents from an amount in euros as people type it; refuses what could be read two ways.

    "1.234,56" (Dutch) and "1234.56" (decimal point) are both € 1.234,56; "1.500" and
    "1,500" are refused, since they are 1500 to one reader and 1,5 to another.
    """
    value = (text or "").strip().removeprefix("€").strip()
    if not value:
        raise AmountError("Vul het bedrag in.")
    if value.startswith("-"):
        raise AmountError("Een boeking is een positief bedrag; kies de soort boeking voor de "
                          "richting.")
    if _AMBIGUOUS.fullmatch(value):
        raise AmountError(_ambiguous(value))
    match = _DUTCH.fullmatch(value) or _DOTTED.fullmatch(value)
    if match is None:
        if re.fullmatch(r"\d+[.,]\d{3,}", value):
            raise AmountError("Een bedrag heeft hoogstens twee cijfers achter de komma.")
        raise AmountError(f"“{value}” is geen bedrag. {EXAMPLE}")
    whole = match["whole"].replace(".", "")
    if len(whole.lstrip("0")) > _MAX_WHOLE_DIGITS:
        raise AmountError("Dit bedrag is te groot.")
    cents = int(Decimal(f"{whole}.{match['cents'] or '0'}").scaleb(2))
    if cents <= 0:
        raise AmountError("Een boeking is een positief bedrag.")
    return cents


def _ambiguous(value: str) -> str:
    whole, rest = re.split(r"[.,]", value)
    thousands = f"{whole}{rest}"
    decimal = Decimal(f"{whole}.{rest}").normalize()
    message = (f"“{value}” is niet eenduidig: bedoelt u {thousands} euro of "
               f"{_comma(decimal)} euro? Schrijf {thousands} of {whole}.{rest},00 voor "
               f"{thousands} euro")
    if -decimal.as_tuple().exponent <= 2:
        message += f", of {_comma(decimal.quantize(Decimal('0.01')))} voor {_comma(decimal)} euro"
    return message + "."


def _comma(number: Decimal) -> str:
    return f"{number:f}".replace(".", ",")


class AmountField(StringField):
    """Text in, cents out (``cents``); the text stays as typed, to show it back."""

    cents: int | None = None

    def pre_validate(self, form) -> None:
        self.cents = None
        try:
            self.cents = parse_amount(self.data)
        except AmountError as error:
            raise ValidationError(str(error)) from None


class BookingForm(FlaskForm):
    kind = RadioField(
        "Soort boeking",
        choices=[SelectChoice(value, label) for value, label, *_rest in BOOKING_KINDS],
        invalid_choice_message="Kies de soort boeking.",
    )
    amount = AmountField(
        "Bedrag in euro's",
        render_kw={"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"},
    )
    reason = TextAreaField(
        "Reden",
        validators=[DataRequired("Geef de reden van de boeking."),
                    Length(max=1000, message="Houd de reden onder de 1000 tekens.")],
        render_kw={"rows": 3},
    )

    def entry_kind(self) -> tuple[EntryKind, Bucket | None]:
        return _KINDS[self.kind.data]

    def done(self) -> str:
        """What the booking did, for the confirmation: "verplicht", "betaald", …"""
        return _DONE[self.kind.data]

    # The fields a refusal of the ledger names, mapped onto this form's fields.
    SERVICE_FIELDS = {"amount": "amount", "reason": "reason", "bucket": "kind"}

    def add_service_errors(self, fields: dict[str, list[str]]) -> list[str]:
        """Put a refusal's messages next to their fields; returns those that have no field."""
        loose = []
        for name, messages in fields.items():
            field = self._fields.get(self.SERVICE_FIELDS.get(name, ""))
            if field is None:
                loose.extend(messages)
            else:
                field.errors = [*field.errors, *messages]
        return loose
