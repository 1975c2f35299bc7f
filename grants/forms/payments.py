from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired

from grants.forms.admin import DayField
from grants.models import MINISTRY_NAMES, Ministry


class DueForm(FlaskForm):
    """Which payments are due: GET, so the list can be bookmarked and shared."""

    class Meta:
        csrf = False

    due_on = DayField(lazy_gettext("Vervallen op of voor"),
                      validators=[InputRequired(lazy_gettext("Kies een datum."))])
    ministry = SelectField(lazy_gettext("Betalend ministerie"), default=Ministry.SZW.value)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ministry.choices = [(m.value, gettext(MINISTRY_NAMES[m]))
                                 for m in Ministry]


class CommitForm(FlaskForm):
    due_on = HiddenField(validators=[DataRequired()])
    ministry = HiddenField(validators=[AnyOf([m.value for m in Ministry])])
    confirm = BooleanField(
        lazy_gettext("Ik heb de betalingen gecontroleerd en leg ze ter goedkeuring voor."),
        validators=[DataRequired(lazy_gettext("Bevestig dat u de betalingen wilt voorleggen."))])


class ApproveForm(FlaskForm):
    """The second pair of eyes approves a prepared run: only then is anything paid."""


class CancelForm(FlaskForm):
    reason = TextAreaField(lazy_gettext("Reden van de annulering"), validators=[
        DataRequired(lazy_gettext("Geef de reden van de annulering."))])
