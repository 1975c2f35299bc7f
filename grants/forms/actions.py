"""The forms of the action book: they carry the text and the CSRF token;
grants.services.action_book judges the values, so the rules live in one place."""

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from grants.forms.organisation import _ChoiceField, _ServiceErrors
from grants.models import (
    ACTION_KIND_LABELS,
    ACTION_STATUS_LABELS,
    ACTION_THEME_LABELS,
    Region,
)


def theme_choices() -> list[tuple[str, str]]:
    return [("", gettext("Kies een thema")),
            *((theme.value, gettext(label)) for theme, label in ACTION_THEME_LABELS.items())]


def kind_choices() -> list[tuple[str, str]]:
    return [("", gettext("Kies de soort")),
            *((kind.value, gettext(label)) for kind, label in ACTION_KIND_LABELS.items())]


def region_choices() -> list[tuple[str, str]]:
    return [("", gettext("Geen: landelijke maatregel")),
            *((region.value, region.value) for region in Region)]


def status_choices() -> list[tuple[str, str]]:
    return [(status.value, gettext(label)) for status, label in ACTION_STATUS_LABELS.items()]


class _Checkboxes(SelectMultipleField):
    """A list of checkboxes; the service refuses an unknown one with its own message."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        pass


class ActionForm(_ServiceErrors, FlaskForm):
    title = StringField(lazy_gettext("Titel"), description=lazy_gettext(
        "Zoals in het werkprogramma, bijvoorbeeld: Meer technici voor de klas."),
        render_kw={"maxlength": 200, "autocomplete": "off"})
    theme = _ChoiceField(lazy_gettext("Thema"), choices=theme_choices)
    kind = _ChoiceField(lazy_gettext("Soort actie"), choices=kind_choices)
    region = _ChoiceField(lazy_gettext("Landsdeel"), choices=region_choices, description=(
        lazy_gettext("Alleen bij een regionaal techniekpact.")))
    parties = TextAreaField(lazy_gettext("Verantwoordelijke partijen"), description=lazy_gettext(
        "Eén partij per regel, bijvoorbeeld: ministerie van OCW."), render_kw={"rows": 4})
    description = TextAreaField(lazy_gettext("Beschrijving (optioneel)"),
                                render_kw={"rows": 6, "maxlength": 10000})
    status = _ChoiceField(lazy_gettext("Status"), choices=status_choices)
    schemes = _Checkboxes(lazy_gettext("Regelingen die deze actie financieren"), coerce=str)
    budgets = _Checkboxes(lazy_gettext("Budgetten die deze actie financieren"), coerce=str)
    is_example = BooleanField(lazy_gettext(
        "Dit is een voorbeeld (de openbare pagina's melden dat het geen echte actie is)"))


class StepForm(_ServiceErrors, FlaskForm):
    title = StringField(lazy_gettext("Omschrijving van de stap"), description=lazy_gettext(
        "Concreet en controleerbaar, bijvoorbeeld: convenant getekend door alle partijen."),
        render_kw={"maxlength": 200, "autocomplete": "off"})
    due_on = StringField(lazy_gettext("Uiterste datum"), description=lazy_gettext(
        "Bijvoorbeeld 2015-06-30."), render_kw={"type": "date"})


class StepDoneForm(_ServiceErrors, FlaskForm):
    done_on = StringField(lazy_gettext("Afgerond op"), render_kw={"type": "date"})


class EvidenceForm(_ServiceErrors, FlaskForm):
    title = StringField(lazy_gettext("Titel van het bewijsstuk"), description=lazy_gettext(
        "Bijvoorbeeld: Voortgangsrapportage Techniekpact 2015."),
        render_kw={"maxlength": 200, "autocomplete": "off"})
    url = StringField(lazy_gettext("Webadres"), description=lazy_gettext(
        "Waar het document of de pagina openbaar staat, bijvoorbeeld "
        "https://www.techniekpact.nl/. Laat leeg als u een PDF-bestand toevoegt."),
        render_kw={"type": "url", "maxlength": 2000, "autocomplete": "off",
                   "spellcheck": "false"})
    # Optional here: the service refuses neither-nor and both, naming the field.
    file = FileField(lazy_gettext("Of: een PDF-bestand"),
                     render_kw={"accept": ".pdf,application/pdf"})

    def chosen_file(self):
        """The uploaded file, or None when none was chosen (a browser sends an empty part)."""
        upload = self.file.data
        return upload if upload and getattr(upload, "filename", "") else None
