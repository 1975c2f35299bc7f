"""The admin's forms: windows and their ceilings, accounts and roles, API tokens, days off.

They check what a field can tell by itself (is it a date, an amount); what is required and
every rule (room in the budget, no date changes once applications exist, who may hold which
role) is the services', whose errors come back on these same fields, all at once.
"""

import re
from datetime import date, datetime
from decimal import Decimal

from babel.numbers import format_decimal
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    EmailField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from grants.forms.finance import AmountError, parse_amount
from grants.models import CATEGORY_NAMES, ROLE_LABELS, PlaceCategory, Role
from grants.timefmt import AMSTERDAM

MOMENT_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M")
_ZERO = re.compile(r"0+(?:[.,]0{1,2})?")


def ceiling_text(cents: int) -> str:
    """A ceiling as the field shows it to be edited: 185.000.000,00 (read back exactly)."""
    return format_decimal(Decimal(cents).scaleb(-2), format="#,##0.00", locale="nl_NL")


class CeilingField(StringField):
    """An amount in euros as people type it, zero allowed; ``cents`` once validated."""

    cents: int | None = None

    def pre_validate(self, form) -> None:
        self.cents = None
        value = (self.data or "").strip().removeprefix("€").strip()
        if value.startswith("-"):
            raise ValidationError(_l("Een plafond is niet negatief."))
        if _ZERO.fullmatch(value):
            self.cents = 0
            return
        try:
            self.cents = parse_amount(value)
        except AmountError as error:
            raise ValidationError(str(error)) from None


class MomentField(DateTimeLocalField):
    """A date and time in Amsterdam (the browser's date-time picker, to the second)."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs["render_kw"] = {"step": "1", **kwargs.get("render_kw", {})}
        super().__init__(label, validators, format=list(MOMENT_FORMATS), **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = " ".join(valuelist).strip()
        self.data = None
        if not text:
            return
        for pattern in MOMENT_FORMATS:
            try:
                self.data = datetime.strptime(text, pattern).replace(tzinfo=AMSTERDAM)
                return
            except ValueError:
                continue
        raise ValueError(_l("Vul een datum en tijd in, bijvoorbeeld 1-10-2015 00:00:00."))

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        if self.data is None:
            return ""
        return self.data.astimezone(AMSTERDAM).strftime(MOMENT_FORMATS[0])


class DayField(DateField):
    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = " ".join(valuelist).strip()
        self.data = None
        if not text:
            return
        try:
            self.data = date.fromisoformat(text)
        except ValueError:
            raise ValueError(_l("Vul een datum in, bijvoorbeeld 1-5-2014.")) from None


REASON = {
    "validators": [Length(max=1000, message=_l("Houd de reden onder de 1000 tekens."))],
    "render_kw": {"rows": 3},
}
CEILING_RENDER = {"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"}


def _ceiling_fields() -> tuple[CeilingField, ...]:
    """A window's ceilings: ``ceiling``, and ``ceiling_<category>`` for each category (the view
    keeps those the scheme has, see ``keep_ceilings``). Made where a form lists them, so that
    they keep their place in its order."""
    return (CeilingField(_l("Subsidieplafond in euro's"), render_kw=CEILING_RENDER),
            *(CeilingField(_l("Plafond %(category)s", category=CATEGORY_NAMES[category]),
                           render_kw=CEILING_RENDER) for category in PlaceCategory))


class _Ceilings:
    def keep_ceilings(self, keys: list[PlaceCategory | None]) -> None:
        kept = {"ceiling" if key is None else f"ceiling_{key.value}" for key in keys}
        for name in ("ceiling", *(f"ceiling_{c.value}" for c in PlaceCategory)):
            if name not in kept:
                delattr(self, name)

    def ceiling_fields(self) -> list:
        return [field for name, field in self._fields.items() if name.startswith("ceiling")]

    def ceilings(self) -> dict[PlaceCategory | None, int | None]:
        """Each ceiling in cents; None where the field holds no amount."""
        return {(None if field.name == "ceiling"
                 else PlaceCategory(field.name.removeprefix("ceiling_"))): field.cents
                for field in self.ceiling_fields()}


class _ServiceErrors:
    # Errors a service files under a name that is not a field here, mapped onto one that is.
    SERVICE_FIELDS: dict[str, str] = {}

    def add_service_errors(self, fields: dict[str, list[str]]) -> list[str]:
        """Put a refusal's messages next to their fields; returns those without a field.

        A field that failed its own check keeps that message alone: the service saw no value
        there, and saying so would only repeat it.
        """
        loose = []
        for name, messages in fields.items():
            field = self._fields.get(self.SERVICE_FIELDS.get(name, name))
            if field is None:
                loose.extend(messages)
            elif not field.errors:
                field.errors = list(messages)
        return loose


class WindowForm(_Ceilings, _ServiceErrors, FlaskForm):
    code = StringField(
        _l("Code"), validators=[Length(max=40, message=_l("Hoogstens 40 tekens."))],
        render_kw={"autocomplete": "off", "spellcheck": "false"})
    name = StringField(
        _l("Naam"), validators=[Length(max=200, message=_l("Houd de naam onder de 200 tekens."))])
    opens_at = MomentField(_l("Open vanaf"))
    closes_at = MomentField(_l("Open tot en met"))
    ceiling, ceiling_vmbo, ceiling_mbo, ceiling_hbo, ceiling_promovendus = _ceiling_fields()
    source = TextAreaField(
        _l("Bron (optioneel)"),
        validators=[Length(max=1000, message=_l("Houd de bron onder de 1000 tekens."))],
        render_kw={"rows": 2})

    # The total of a praktijkleren window's ceilings is checked as one: shown at the first.
    SERVICE_FIELDS = {"categories": "ceiling_vmbo"}


class WindowDatesForm(_ServiceErrors, FlaskForm):
    opens_at = MomentField(
        _l("Open vanaf"), validators=[InputRequired(_l("Vul in vanaf wanneer het tijdvak open "
                                                      "is."))])
    closes_at = MomentField(
        _l("Open tot en met"), validators=[InputRequired(_l("Vul in tot wanneer het tijdvak open "
                                                           "is."))])
    reason = TextAreaField(_l("Reden van de wijziging"), **REASON)


class CeilingForm(_Ceilings, _ServiceErrors, FlaskForm):
    ceiling, ceiling_vmbo, ceiling_mbo, ceiling_hbo, ceiling_promovendus = _ceiling_fields()
    effective_on = DayField(
        _l("Ingangsdatum"), validators=[InputRequired(_l("Vul de ingangsdatum in."))])
    reason = TextAreaField(_l("Reden van de wijziging"), **REASON)


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        # An empty choice is the service's to refuse, with its own message.
        values = {value for value, *_rest in self.iter_choices()}
        if any(value not in values for value in self.data or []):
            raise ValidationError(_l("Kies uit de rollen in de lijst."))


def role_choices() -> list[tuple[str, str]]:
    return [(role.value, gettext(ROLE_LABELS[role])) for role in Role]


def _roles_field() -> CheckboxesField:
    return CheckboxesField(_l("Rollen"), choices=role_choices)


class RolesForm(_ServiceErrors, FlaskForm):
    roles = _roles_field()

    def chosen_roles(self) -> set[Role]:
        return {Role(value) for value in self.roles.data or [] if value in set(Role)}


class JobTitleForm(_ServiceErrors, FlaskForm):
    job_title = StringField(
        _l("Functie"),
        description=_l("Staat onder de naam als deze medewerker een besluit ondertekent, "
                       "bijvoorbeeld: directeur Subsidies."),
        validators=[Length(max=200, message=_l("Houd de functie onder de 200 tekens."))],
        render_kw={"autocomplete": "organization-title", "maxlength": 200})


class UserForm(RolesForm):
    name = StringField(
        _l("Naam"), validators=[Length(max=200, message=_l("Houd de naam onder de 200 tekens."))],
        render_kw={"autocomplete": "off"})
    email = EmailField(
        _l("E-mailadres"),
        validators=[Length(max=254, message=_l("Een e-mailadres heeft hoogstens 254 tekens."))],
        render_kw={"autocomplete": "off", "spellcheck": "false"})
    roles = _roles_field()
    organisation = StringField(
        _l("KvK-nummer van de organisatie"),
        render_kw={"inputmode": "numeric", "autocomplete": "off"})


class TokenForm(_ServiceErrors, FlaskForm):
    email = EmailField(
        _l("E-mailadres van de gebruiker"),
        render_kw={"autocomplete": "off", "spellcheck": "false"})
    label = StringField(
        _l("Waarvoor het token is"),
        validators=[Length(max=100, message=_l("Houd de omschrijving onder de 100 tekens."))],
        render_kw={"autocomplete": "off"})


class DayOffForm(_ServiceErrors, FlaskForm):
    """A day a royal decree made equal to a holiday for counting terms."""

    day = DayField(_l("Dag"))
    reason = TextAreaField(_l("Koninklijk besluit (met vindplaats)"), **REASON)
