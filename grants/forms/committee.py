"""The RIF committee's declaration of a conflict of interest. Field checks only."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length

from grants.forms.assess import VersionedForm

MAX_NOTE = 2000


class ConflictForm(VersionedForm):
    note = TextAreaField(
        _l("Toelichting (optioneel)"),
        description=_l("Bijvoorbeeld: ik werk bij een partner in dit samenwerkingsverband. "
                       "Alleen de commissie en de beslissers lezen dit."),
        validators=[Length(max=MAX_NOTE, message=_l("Gebruik hoogstens %(max)d tekens.",
                                                     max=MAX_NOTE))],
        render_kw={"rows": 3})
    confirm = BooleanField(
        _l("Ik meld belangenverstrengeling en scoor deze aanvraag niet. Ik weet dat ik deze "
           "melding niet kan intrekken."),
        validators=[DataRequired(_l("Bevestig dat u belangenverstrengeling meldt."))])
