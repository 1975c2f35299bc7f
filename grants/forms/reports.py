"""Forms for reports after the grant: the applicant's report and request for settlement, and
the assessor's review."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from grants.forms.assess import AmountField, VersionedForm

MAX_NOTE = 5000
PDF_ONLY = {"accept": ".pdf,application/pdf"}


def _note(label, *, required: bool = False, message=None):
    validators = [DataRequired(message)] if required else []
    return TextAreaField(label, validators=[
        *validators, Length(max=MAX_NOTE, message=_l("Gebruik hoogstens %(max)d tekens.",
                                                     max=MAX_NOTE))],
        render_kw={"rows": 4})


class ReportForm(VersionedForm):
    file = FileField(_l("Het verslag (PDF)"),
                     validators=[FileRequired(_l("Kies het PDF-bestand van het verslag."))],
                     render_kw=PDF_ONLY)
    note = _note(_l("Toelichting (niet verplicht)"))


class SettlementRequestForm(VersionedForm):
    amount = AmountField(
        _l("Subsidiabele kosten volgens uw eindafrekening, in euro's"),
        render_kw={"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"})
    file = FileField(_l("Inhoudelijk en financieel eindverslag (PDF)"),
                     validators=[FileRequired(_l("Kies het PDF-bestand van het eindverslag."))],
                     render_kw=PDF_ONLY)
    statement = FileField(_l("Controleverklaring van een accountant (PDF)"), render_kw=PDF_ONLY)
    note = _note(_l("Toelichting (niet verplicht)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.amount.flags.required = True


class ReviewForm(VersionedForm):
    reason = _note(_l("Waarom stuurt u het verslag terug?"), required=True,
                   message=_l("Schrijf wat de aanvrager moet verbeteren."))


class AcceptForm(VersionedForm):
    pass


ADVICE_LABELS = {
    "lower": _l("Subsidie verlagen"),
    "end": _l("Subsidie beëindigen (wat betaald is blijft, de rest vervalt)"),
}


class AdviceForm(VersionedForm):
    advice = RadioField(_l("Advies van de commissie"),
                        choices=[(value, label) for value, label in ADVICE_LABELS.items()],
                        validators=[InputRequired(_l("Kies verlagen of beëindigen."))])
    amount = AmountField(_l("Nieuw subsidiebedrag bij verlagen, in euro's"),
                         render_kw={"inputmode": "decimal", "autocomplete": "off",
                                    "spellcheck": "false"})
    reason = _note(_l("Motivering"), required=True, message=_l("Geef de motivering."))


class AdjustmentForm(VersionedForm):
    amount = AmountField(_l("Nieuw subsidiebedrag in euro's"),
                         render_kw={"inputmode": "decimal", "autocomplete": "off",
                                    "spellcheck": "false"})
    reason = _note(_l("Motivering (komt in de brief)"), required=True,
                   message=_l("Geef de motivering."))
    confirm = BooleanField(_l("Ik neem dit besluit; de aanvrager krijgt er een brief over."),
                           validators=[DataRequired(_l("Bevestig het besluit."))])
