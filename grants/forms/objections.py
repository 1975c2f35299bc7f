"""Forms for the objection steps staff take: a paper objection registered on the applicant's
behalf, and the hearing (invited, held, or waived). Field validation only; the engine checks the
rules (terms, dates against the decision, the order of the steps)."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    RadioField,
    SelectChoice,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from grants.forms.assess import VersionedForm, _confirm, _reason

PDF_ONLY = {"accept": "application/pdf,.pdf"}

WAIVER_LABELS = {
    "objector_waived": _l("De indiener ziet af van horen (artikel 7:3, onder c, Awb)"),
    "manifestly_inadmissible": _l("Het bezwaar is kennelijk niet-ontvankelijk (artikel 7:3, "
                                  "onder a, Awb)"),
    "manifestly_unfounded": _l("Het bezwaar is kennelijk ongegrond (artikel 7:3, onder b, Awb)"),
}


class PaperObjectionForm(VersionedForm):
    received_on = DateField(_l("Datum van ontvangst"), validators=[
        InputRequired(_l("Geef de datum waarop de bezwaarbrief is ontvangen."))])
    postmarked_on = DateField(_l("Datum van het poststempel (als de brief per post kwam)"),
                              validators=[Optional()])
    reason = _reason(_l("Gronden van het bezwaar"),
                     _l("Neem de gronden van het bezwaar over uit de brief."), rows=6)
    costs_requested = BooleanField(
        _l("De indiener vraagt vergoeding van de kosten van professionele rechtsbijstand"))
    letter = FileField(_l("De gescande bezwaarbrief (PDF)"), render_kw=PDF_ONLY,
                       validators=[FileRequired(_l("Voeg de gescande bezwaarbrief toe."))])
    confirm = _confirm(_l("Ik registreer deze bezwaarbrief namens de aanvrager."),
                       _l("Bevestig de registratie."))
    REFUSAL_FIELDS = {"letter_attachment": "letter", "file": "letter"}


class InvitationForm(VersionedForm):
    hearing_at = DateTimeLocalField(
        _l("Datum en tijd van de hoorzitting"), format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Geef datum en tijd van de hoorzitting."))])
    place = StringField(_l("Plaats"), validators=[
        DataRequired(_l("Geef de plaats van de hoorzitting (adres, of 'telefonisch').")),
        Length(max=200, message=_l("Gebruik hoogstens %(max)d tekens.", max=200))])
    confirm = _confirm(_l("Ik nodig de indiener uit voor de hoorzitting."),
                       _l("Bevestig de uitnodiging."))


class HearingHeldForm(VersionedForm):
    held_on = DateField(_l("Datum van de hoorzitting"), validators=[
        InputRequired(_l("Geef de datum waarop de hoorzitting is gehouden."))])
    attended = BooleanField(_l("De indiener (of zijn gemachtigde) was aanwezig"),
                            default=True)
    minutes = FileField(_l("Het verslag van de hoorzitting (PDF)"), render_kw=PDF_ONLY,
                        validators=[FileRequired(_l("Voeg het verslag van de hoorzitting toe."))])
    confirm = _confirm(_l("Ik leg vast dat de hoorzitting is gehouden."),
                       _l("Bevestig de hoorzitting."))
    REFUSAL_FIELDS = {"minutes_attachment": "minutes", "file": "minutes"}


class WaiverForm(VersionedForm):
    ground = RadioField(
        _l("Waarom wordt van horen afgezien?"),
        choices=[SelectChoice(value, str(label)) for value, label in WAIVER_LABELS.items()],
        validators=[InputRequired(_l("Kies waarom van horen wordt afgezien."))],
        invalid_choice_message=_l("Kies waarom van horen wordt afgezien."))
    reason = _reason(_l("Motivering"), _l("Geef de motivering; die komt in de beslissing op "
                                          "bezwaar."))
    confirm = _confirm(_l("Ik leg vast dat van horen wordt afgezien."),
                       _l("Bevestig dat van horen wordt afgezien."))
