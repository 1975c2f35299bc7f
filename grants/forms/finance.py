"""Finance's forms: a booking by hand on a line of a budget without an applicant workflow."""

import re
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from grants.i18n import N_, translated
from grants.models import Bucket, EntryKind

# What the form offers, in the order finance books most:
# (value, label, kind, bucket, what the confirmation says was done); the texts are
# translated when the form is shown.
BOOKING_KINDS = [
    ("commit", lazy_gettext("Verplichten"), EntryKind.COMMIT, None, N_("verplicht")),
    ("disburse", lazy_gettext("Betalen"), EntryKind.DISBURSE, None, N_("betaald")),
    ("release_committed", lazy_gettext("Vrijgeven van een verplichting"), EntryKind.RELEASE,
     Bucket.COMMITTED, N_("vrijgegeven uit de verplichtingen")),
    ("reserve", lazy_gettext("Reserveren"), EntryKind.RESERVE, None, N_("gereserveerd")),
    ("release_reserved", lazy_gettext("Vrijgeven van een reservering"), EntryKind.RELEASE,
     Bucket.RESERVED, N_("vrijgegeven uit de reserveringen")),
    ("recover", lazy_gettext("Terugvorderen"), EntryKind.RECOVER, None, N_("teruggevorderd")),
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


class AmountError(ValueError):
    pass


def parse_amount(text: str) -> int:
    """Cents from an amount in euros as people type it; refuses what could be read two ways.

    "1.234,56" (Dutch) and "1234.56" (decimal point) are both € 1.234,56; "1.500" and
    "1,500" are refused, since they are 1500 to one reader and 1,5 to another.
    """
    value = (text or "").strip().removeprefix("€").strip()
    if not value:
        raise AmountError(_("Vul het bedrag in."))
    if value.startswith("-"):
        raise AmountError(_("Een boeking is een positief bedrag; kies de soort boeking voor de "
                            "richting."))
    if _AMBIGUOUS.fullmatch(value):
        raise AmountError(_ambiguous(value))
    match = _DUTCH.fullmatch(value) or _DOTTED.fullmatch(value)
    if match is None:
        if re.fullmatch(r"\d+[.,]\d{3,}", value):
            raise AmountError(_("Een bedrag heeft hoogstens twee cijfers achter de komma."))
        raise AmountError(_("“%(value)s” is geen bedrag. Schrijf het bedrag als 1.234,56 of als "
                            "1234.56.", value=value))
    whole = match["whole"].replace(".", "")
    if len(whole.lstrip("0")) > _MAX_WHOLE_DIGITS:
        raise AmountError(_("Dit bedrag is te groot."))
    cents = int(Decimal(f"{whole}.{match['cents'] or '0'}").scaleb(2))
    if cents <= 0:
        raise AmountError(_("Een boeking is een positief bedrag."))
    return cents


def _ambiguous(value: str) -> str:
    whole, rest = re.split(r"[.,]", value)
    thousands = f"{whole}{rest}"
    grouped = f"{whole}.{rest}"
    decimal = Decimal(grouped).normalize()
    if -decimal.as_tuple().exponent <= 2:
        return _("“%(value)s” is niet eenduidig: bedoelt u %(thousands)s euro of %(decimal)s "
                 "euro? Schrijf %(thousands)s of %(grouped)s,00 voor %(thousands)s euro, of "
                 "%(cents)s voor %(decimal)s euro.", value=value, thousands=thousands,
                 decimal=_comma(decimal), grouped=grouped,
                 cents=_comma(decimal.quantize(Decimal("0.01"))))
    return _("“%(value)s” is niet eenduidig: bedoelt u %(thousands)s euro of %(decimal)s euro? "
             "Schrijf %(thousands)s of %(grouped)s,00 voor %(thousands)s euro.", value=value,
             thousands=thousands, decimal=_comma(decimal), grouped=grouped)


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
        lazy_gettext("Soort boeking"),
        choices=[SelectChoice(value, label) for value, label, *_rest in BOOKING_KINDS],
        invalid_choice_message=lazy_gettext("Kies de soort boeking."),
    )
    amount = AmountField(
        lazy_gettext("Bedrag in euro's"),
        render_kw={"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"},
    )
    reason = TextAreaField(
        lazy_gettext("Reden"),
        validators=[DataRequired(lazy_gettext("Geef de reden van de boeking.")),
                    Length(max=1000, message=lazy_gettext("Houd de reden onder de 1000 tekens."))],
        render_kw={"rows": 3},
    )

    def entry_kind(self) -> tuple[EntryKind, Bucket | None]:
        return _KINDS[self.kind.data]

    def done(self) -> str:
        """What the booking did, for the confirmation: "verplicht", "betaald", …"""
        return translated(_DONE[self.kind.data])

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
