"""The applicant portal's forms: starting an application, answering a request for information,
lodging an objection, adding an attachment, and the machinery the schemes' multi-part forms
(grants.forms.portal_schemes) share.

A scheme form only checks what the browser sends (amounts in Dutch notation, lengths); the
rules are the engine's. Its errors come back keyed by field path ("measures[1].theme") and are
put next to the field they name.
"""

import re
from decimal import Decimal

from babel.numbers import format_decimal
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, ValidationError

from grants.forms.finance import AmountError, parse_amount
from grants.money import cents_to_api

_ZERO = re.compile(r"0+(?:[.,]0{1,2})?")
_PATH = re.compile(r"(?P<name>\w+)(?:\[(?P<index>\d+)\](?:\.(?P<sub>\w+))?)?")


def parse_euros(text: str) -> int | None:
    """Cents from an amount as people type it (1.234,56 or 1234.56); None when left empty."""
    value = (text or "").strip().removeprefix("€").strip()
    if not value:
        return None
    if value.startswith("-"):
        raise AmountError("Een bedrag kan niet negatief zijn.")
    if _ZERO.fullmatch(value):
        return 0
    return parse_amount(value)


def euros_text(cents: int | None) -> str:
    """Cents as the form shows them back: 1.234.567,89 (no euro sign: the label says it)."""
    if cents is None:
        return ""
    return format_decimal(Decimal(cents).scaleb(-2), format="#,##0.00", locale="nl_NL")


class EuroField(StringField):
    """An amount in euros: text in and out, ``cents`` once validated."""

    cents: int | None = None

    def __init__(self, label=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off",
                                        "spellcheck": "false"})
        super().__init__(label, **kwargs)

    def pre_validate(self, form) -> None:
        self.cents = None
        try:
            self.cents = parse_euros(self.data)
        except AmountError as error:
            raise ValidationError(str(error)) from None

    def api_value(self) -> str | None:
        return cents_to_api(self.cents)


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text_or_none(value) -> str | None:
    return None if blank(value) else str(value).strip()


class SchemeForm(FlaskForm):
    """Base of a scheme's multi-part form.

    ``ROWS`` names its repeatable parts (list name → what one row is called); ``payload()``
    gives the scheme fields as create_application/update_application take them, and
    ``add_service_errors()`` puts the engine's refusals next to the fields. Each scheme's form
    gives ``data_from(application)`` (a classmethod: the stored details as form data) and
    ``scalar_payload()`` (its fields that are not rows).
    """

    ROWS: dict[str, str] = {}
    version = HiddenField()
    title = StringField(
        _l("Titel van de aanvraag"),
        validators=[DataRequired(_l("Geef de aanvraag een titel.")),
                    Length(max=300, message=_l("Gebruik hoogstens 300 tekens."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.group_errors: dict[str, list[str]] = {}
        self.general_errors: list[str] = []
        # Per list, the position of each sent row among the form's rows (empty rows are left
        # out of what is sent, so the engine's row numbers differ from the form's).
        self.row_positions: dict[str, list[int]] = {}

    # -- from and to the stored application ----------------------------------------------

    @classmethod
    def for_application(cls, application, *, extra_row: str | None = None):
        data = cls.data_from(application)
        if extra_row in cls.ROWS:
            data[extra_row] = [*data.get(extra_row, []), {}]
        return cls(formdata=None, data=data)

    def rebuilt(self, *, drop: tuple[str, int] | None = None):
        """The same answers as a new form, without one row; checked again, no CSRF."""
        data = {name: value for name, value in self.data.items() if name != "csrf_token"}
        if drop is not None:
            name, index = drop
            rows = list(data.get(name) or [])
            if 0 <= index < len(rows):
                rows.pop(index)
            data[name] = rows
        form = type(self)(formdata=None, data=data, meta={"csrf": False})
        form.validate()
        return form

    def payload(self) -> dict:
        payload = {"title": self.title.data.strip() if self.title.data else ""}
        payload.update(self.scalar_payload())
        for name in self.ROWS:
            rows, positions = [], []
            for position, entry in enumerate(self[name].entries):
                row = self.row_payload(name, entry.form)
                if any(value is not None for value in row.values()):
                    rows.append(row)
                    positions.append(position)
            payload[name] = rows
            self.row_positions[name] = positions
        return payload

    def row_payload(self, name: str, row) -> dict:
        values = {}
        for field in row:
            if isinstance(field, EuroField):
                values[field.short_name] = field.api_value()
            else:
                values[field.short_name] = text_or_none(field.data)
        return values

    # -- errors ---------------------------------------------------------------------------

    def field_for(self, path: str) -> Field | None:
        match = _PATH.fullmatch(path)
        if match is None or match["name"] not in self._fields:
            return None
        field = self[match["name"]]
        if match["index"] is None:
            return None if isinstance(field, FieldList) else field
        if not isinstance(field, FieldList):
            return None
        index = int(match["index"])
        positions = self.row_positions.get(match["name"])
        position = positions[index] if positions and index < len(positions) else index
        if position >= len(field.entries):
            return None
        row = field.entries[position].form
        return row._fields.get(match["sub"]) if match["sub"] else None

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for path, messages in errors.items():
            field = self.field_for(path)
            if field is not None:
                field.errors = [*field.errors, *messages]
                continue
            match = _PATH.fullmatch(path)
            name = match["name"] if match else None
            if name in self.ROWS:
                row = f"{self.ROWS[name]} {int(match['index']) + 1}: " if match["index"] else ""
                self.group_errors.setdefault(name, []).extend(row + m for m in messages)
            else:
                self.general_errors.extend(messages)

    def label_for(self, path: str) -> str:
        """What a person calls the field at ``path``: "Maatregel 2, Thema"."""
        match = _PATH.fullmatch(path)
        if match is None or match["name"] not in self._fields:
            return ""
        name, field = match["name"], self.field_for(path)
        if name not in self.ROWS:
            return str(field.label.text) if field is not None else ""
        if match["index"] is None:
            return str(self[name].label.text)
        label = f"{self.ROWS[name]} {int(match['index']) + 1}"
        return f"{label}, {field.label.text}" if field is not None else label

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor, message) for every error, in the order the page shows them."""
        summary = [("", message) for message in self.general_errors]
        for field in self:
            if field.name in self.ROWS:
                summary += [(f"{field.id}-error", m) for m in self.group_errors.get(
                    field.name, [])]
                for entry in field.entries:
                    summary += [(sub.id, m) for sub in entry.form for m in sub.errors]
            elif field.type not in ("HiddenField", "CSRFTokenField"):
                summary += [(field.id, message) for message in field.errors]
        return summary


def rows(form_class, label, min_entries: int = 0) -> FieldList:
    return FieldList(FormField(form_class), label=label, min_entries=min_entries)


# -- the smaller forms --------------------------------------------------------------------------

class NewApplicationForm(FlaskForm):
    window = RadioField(_l("Regeling en aanvraagtijdvak"),
                        validate_choice=False)
    title = StringField(
        _l("Titel van de aanvraag"),
        description=_l("Een korte naam waaraan u en wij de aanvraag herkennen, bijvoorbeeld "
                       "“Sectorplan metaal Noord 2014”."),
        validators=[DataRequired(_l("Geef de aanvraag een titel.")),
                    Length(max=300, message=_l("Gebruik hoogstens 300 tekens."))])

    def validate_window(self, field) -> None:
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Kies het tijdvak waarvoor u aanvraagt."))


class AttachmentForm(FlaskForm):
    file = FileField(
        _l("PDF-bestand"),
        validators=[FileRequired(_l("Kies het PDF-bestand dat u wilt bijvoegen."))],
        render_kw={"accept": ".pdf,application/pdf"})
    document_kind = SelectField(_l("Welk document is dit?"), validate_choice=False)


class AnswerForm(FlaskForm):
    message = TextAreaField(
        _l("Uw toelichting"),
        description=_l("Wat heeft u aangevuld of gewijzigd? De beoordelaar leest dit bij uw "
                       "aanvraag."),
        validators=[DataRequired(_l("Schrijf in een paar zinnen wat u heeft aangevuld.")),
                    Length(max=5000, message=_l("Houd de toelichting onder de 5000 tekens."))],
        render_kw={"rows": 5})
    files = MultipleFileField(
        _l("Bijlagen (niet verplicht)"),
        description=_l("Alleen PDF-bestanden. U kunt er meer tegelijk kiezen."),
        render_kw={"accept": ".pdf,application/pdf"})

    def chosen_files(self) -> list:
        return [upload for upload in self.files.data or [] if upload and upload.filename]


class ObjectionForm(FlaskForm):
    reason = TextAreaField(
        _l("Waarom bent u het niet eens met het besluit?"),
        description=_l("Noem het besluit en geef de gronden van uw bezwaar."),
        validators=[DataRequired(_l("Geef de gronden van uw bezwaar.")),
                    Length(max=10000, message=_l("Houd het bezwaar onder de 10.000 tekens."))],
        render_kw={"rows": 6})
    # Awb 7:15: the costs of professional help are reimbursed only when asked for.
    costs_requested = BooleanField(
        _l("Ik laat mij professioneel bijstaan en vraag vergoeding van die kosten"))
