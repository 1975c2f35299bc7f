"""The staff's forms on an application: starting and recording an assessment, requesting
information, the committee's score sheet, deciding, and the other actions of the lifecycle.

Field checks only; what the rules say (terms, amounts, four eyes, the ceiling) the engine
decides, and its refusals are put next to these fields (``add_refusal``).
"""

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from grants.forms.finance import AmountError, parse_amount
from grants.models import ObjectionOutcome, Recommendation
from grants.money import cents_to_api

# Dutch names of the criteria in the schemes' rules (grants/workflows/fields/*.py); a criterion
# an admin adds without a name here is shown by its code.
CRITERION_LABELS = {
    "fit": _l("Aansluiting van onderwijs op de arbeidsmarkt"),
    "coordination": _l("Afstemming met andere scholen in de regio"),
    "durability": _l("Duurzaamheid na de subsidie"),
    "innovation": _l("Vernieuwing"),
    "analysis": _l("Arbeidsmarktanalyse"),
    "measures": _l("Samenhang en uitvoerbaarheid van de maatregelen"),
    "partnership": _l("Draagvlak bij werkgevers en werknemers"),
    "budget": _l("Begroting en cofinanciering"),
}
RECOMMENDATION_LABELS = {
    Recommendation.POSITIVE.value: _l("Positief: verlenen"),
    Recommendation.NEGATIVE.value: _l("Negatief: afwijzen"),
}
OUTCOME_LABELS = {
    ObjectionOutcome.UPHELD.value: _l("Gegrond: het besluit wordt herroepen"),
    ObjectionOutcome.REJECTED.value: _l("Ongegrond: het besluit blijft staan"),
    ObjectionOutcome.INADMISSIBLE.value: _l("Niet-ontvankelijk: het bezwaar wordt niet "
                                            "inhoudelijk behandeld"),
}
MAX_TEXT = 4000
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def criterion_label(criterion: str) -> str:
    return str(CRITERION_LABELS.get(criterion, criterion))


def score_field_name(criterion: str) -> str:
    return f"score_{criterion}"


class VersionedForm(FlaskForm):
    """The application's version as the form was shown: a change meanwhile is refused (409)."""

    version = HiddenField()

    def expected_version(self) -> int | None:
        return int(self.version.data) if str(self.version.data or "").isdigit() else None

    # The engine's field names mapped onto this form's fields.
    REFUSAL_FIELDS: dict[str, str] = {}

    def add_refusal(self, fields: dict[str, list[str]]) -> list[str]:
        """Put a refusal's messages next to their fields; returns those that have no field."""
        loose = []
        for name, messages in fields.items():
            target = self.REFUSAL_FIELDS.get(name, name)
            if target.startswith("scores."):
                target = score_field_name(target.removeprefix("scores."))
            field = self._fields.get(target)
            if field is None or field.type in ("HiddenField", "CSRFTokenField"):
                loose.extend(messages)
            else:
                field.errors = [*field.errors, *messages]
        return loose


def _reason(label, message, *, required: bool = True, rows: int = 4):
    # Not Optional() when not required: it would stop the chain before a form's own check
    # (a reason that becomes required when less is granted).
    validators = [DataRequired(message)] if required else []
    return TextAreaField(label, validators=[
        *validators, Length(max=MAX_TEXT, message=_l("Gebruik hoogstens %(max)d tekens.",
                                                     max=MAX_TEXT))],
        render_kw={"rows": rows})


def _confirm(label, message):
    return BooleanField(label, validators=[DataRequired(message)])


class StartAssessmentForm(VersionedForm):
    pass


class InformationRequestForm(VersionedForm):
    reason = _reason(_l("Welke informatie ontbreekt?"),
                     _l("Schrijf welke informatie de aanvrager moet aanvullen."))
    repair_due_on = StringField(
        _l("Aanvullen uiterlijk op"), render_kw={"type": "date", "autocomplete": "off"})

    def validate_repair_due_on(self, field) -> None:
        value = (field.data or "").strip()
        if not value:
            raise ValidationError(_l("Kies de dag waarop de hersteltermijn eindigt."))
        try:
            if not _ISO_DATE.fullmatch(value):
                raise ValueError
            date.fromisoformat(value)
        except ValueError:
            raise ValidationError(_l("Geef de datum als JJJJ-MM-DD, bijvoorbeeld 2014-06-30.")) \
                from None


def _score_choices(low: int, high: int) -> list[SelectChoice]:
    return [SelectChoice("", str(_l("Kies een score"))),
            *(SelectChoice(str(value), str(value)) for value in range(low, high + 1))]


def _with_scores(base: type[VersionedForm], criteria: list[str], low: int, high: int):
    """``base`` with one score field per criterion of the scheme's rules."""
    fields = {
        score_field_name(criterion): SelectField(
            criterion_label(criterion), choices=_score_choices(low, high),
            validators=[InputRequired(_l("Geef een score voor %(criterion)s.",
                                         criterion=criterion_label(criterion).lower()))],
            invalid_choice_message=_l("Een hele score van %(low)d tot en met %(high)d.",
                                      low=low, high=high))
        for criterion in criteria
    }
    return type(base.__name__, (base,), fields)


class _AssessmentBase(VersionedForm):
    recommendation = RadioField(
        _l("Advies"),
        choices=[SelectChoice(value, str(label)) for value, label in
                 RECOMMENDATION_LABELS.items()],
        # Nothing chosen is not a valid choice either: one message, not two.
        invalid_choice_message=_l("Kies een positief of een negatief advies."))
    reasoning = _reason(_l("Onderbouwing"), _l("Onderbouw het advies."), rows=6)


def assessment_form(criteria: list[str], low: int, high: int, **kwargs) -> VersionedForm:
    return _with_scores(_AssessmentBase, criteria, low, high)(**kwargs)


def scores_of(form: FlaskForm, criteria: list[str]) -> dict[str, int]:
    return {criterion: int(form[score_field_name(criterion)].data) for criterion in criteria}


class _ScoreSheetBase(VersionedForm):
    reasoning = _reason(_l("Toelichting (niet verplicht)"), None, required=False)


def score_sheet_form(criteria: list[str], low: int, high: int, **kwargs) -> VersionedForm:
    return _with_scores(_ScoreSheetBase, criteria, low, high)(**kwargs)


class PlacesCheckForm(VersionedForm):
    """Praktijkleren: the assessment is the check of the places (it validates them)."""

    reasoning = _reason(_l("Toelichting (niet verplicht)"), None, required=False)
    confirm = _confirm(_l("Ik heb de plaatsen gecontroleerd: ze tellen mee voor de verdeling."),
                       _l("Bevestig dat u de plaatsen heeft gecontroleerd."))


class AmountField(StringField):
    """An amount in euros as people type it (1.234,56 or 1234.56); ``cents`` after validating."""

    cents: int | None = None

    def pre_validate(self, form) -> None:
        self.cents = None
        value = (self.data or "").strip()
        if not value:
            if self.flags.required:
                raise ValidationError(_l("Vul het bedrag in."))
            return
        if value.lstrip("€ ").startswith("-"):
            raise ValidationError(_l("Het bedrag kan niet negatief zijn."))
        try:
            self.cents = parse_amount(value)
        except AmountError as error:
            raise ValidationError(str(error)) from None


class ApproveForm(VersionedForm):
    amount = AmountField(_l("Te verlenen bedrag in euro's"),
                         render_kw={"inputmode": "decimal", "autocomplete": "off",
                                    "spellcheck": "false"})
    reason = _reason(_l("Motivering van een lager bedrag"), None, required=False)
    confirm = _confirm(_l("Ik heb de beoordeling gelezen en verleen de subsidie."),
                       _l("Bevestig dat u de subsidie wilt verlenen."))

    def __init__(self, *args, requested_cents: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.requested_cents = requested_cents
        self.amount.flags.required = True

    def validate_reason(self, field) -> None:
        # Awb 3:46: a decision rests on reasons; granting less than asked must say why.
        lower = self.amount.cents is not None and self.amount.cents < self.requested_cents
        if lower and not (field.data or "").strip():
            raise ValidationError(_l("Motiveer waarom u minder verleent dan is aangevraagd."))


class RejectForm(VersionedForm):
    reason = _reason(_l("Motivering van de afwijzing"), _l("Motiveer de afwijzing."))
    confirm = _confirm(_l("Ik heb de beoordeling gelezen en wijs de aanvraag af."),
                       _l("Bevestig dat u de aanvraag wilt afwijzen."))


# What each remaining staff action asks for; the engine checks the values.
ACTION_FIELDS = {
    "close_unprocessed": {"reason"},
    # Praktijkleren: refused on the eligibility check while it is assessed.
    "reject": {"reason"},
    "extend_decision_term": {"decision_due_on", "reason"},
    "accept_report": set(),
    "settle": {"amount"},
    "pay_advance": {"amount"},
    "pay": set(),
    "recover": {"amount", "reason"},
    "close": set(),
    "decide_objection": {"outcome", "reason", "new_amount", "lateness_excused",
                         "authority_error"},
    "extend_objection_term": {"reason"},
}
# Fields that only some actions show.
OPTIONAL_ACTION_FIELDS = {"amount", "outcome", "reason", "new_amount", "lateness_excused",
                          "decision_due_on", "authority_error"}


class ActionForm(VersionedForm):
    amount = AmountField(_l("Bedrag in euro's"),
                         render_kw={"inputmode": "decimal", "autocomplete": "off",
                                    "spellcheck": "false"})
    outcome = RadioField(
        _l("Uitkomst"),
        choices=[SelectChoice(value, str(label)) for value, label in OUTCOME_LABELS.items()],
        invalid_choice_message=_l("Kies gegrond, ongegrond of niet-ontvankelijk."))
    reason = _reason(_l("Motivering"), _l("Geef de motivering."))
    # Deciding on an objection: the new grant when it is upheld (Awb 7:11), and why a late
    # objection is excusable (Awb 6:11).
    new_amount = AmountField(_l("Nieuw te verlenen bedrag in euro's (alleen bij gegrond)"),
                             render_kw={"inputmode": "decimal", "autocomplete": "off",
                                        "spellcheck": "false"})
    lateness_excused = _reason(_l("Waarom is de termijnoverschrijding verschoonbaar? "
                                  "(alleen bij een te laat bezwaar)"), None, required=False)
    # Upheld because the authority erred (Awb 7:15): the objector's costs are reimbursed.
    authority_error = BooleanField(_l("Herroepen wegens onrechtmatigheid door het "
                                      "bestuursorgaan (alleen bij gegrond)"))
    # Postponing the decision (Awb 4:14): the new date the notice promises.
    decision_due_on = DateField(
        _l("Nieuwe uiterste beslisdatum"),
        validators=[InputRequired(_l("Geef de nieuwe datum waarop uiterlijk wordt beslist."))])
    confirm = _confirm(_l("Ik weet wat deze handeling doet en voer haar uit."),
                       _l("Bevestig de handeling."))

    def __init__(self, *args, trigger: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.wanted = ACTION_FIELDS[trigger]
        for name in OPTIONAL_ACTION_FIELDS - self.wanted:
            del self[name]
        if "amount" in self.wanted:
            self.amount.flags.required = True
        if "new_amount" in self.wanted:
            self.REFUSAL_FIELDS = {**self.REFUSAL_FIELDS, "amount": "new_amount"}

    def data_for_engine(self) -> dict:
        data = {}
        if "amount" in self.wanted:
            data["amount"] = cents_to_api(self.amount.cents)
        if "outcome" in self.wanted:
            data["outcome"] = self.outcome.data
        if "reason" in self.wanted:
            data["reason"] = self.reason.data.strip()
        if "new_amount" in self.wanted and self.new_amount.cents is not None:
            data["amount"] = cents_to_api(self.new_amount.cents)
        if "decision_due_on" in self.wanted and self.decision_due_on.data:
            data["decision_due_on"] = self.decision_due_on.data.isoformat()
        if "authority_error" in self.wanted and self.authority_error.data:
            data["authority_error"] = True
        if "lateness_excused" in self.wanted and (self.lateness_excused.data or "").strip():
            data["lateness_excused"] = self.lateness_excused.data.strip()
        return data
