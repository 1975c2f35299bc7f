from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp


class WhatIfForm(FlaskForm):
    """A preview's own settings; GET, so a preview can be bookmarked and shared."""

    class Meta:
        csrf = False

    ceiling = StringField(
        lazy_gettext("Ander plafond (wat-als, optioneel)"),
        validators=[Optional(), Regexp(r"^\d{1,13}([.,]\d{1,2})?$",
                                       message=lazy_gettext("Een bedrag als 24000000,00."))])
    seed = StringField(lazy_gettext("Lotingszaad (optioneel)"),
                       validators=[Optional(), Length(max=64)])


class CommitForm(FlaskForm):
    seed = HiddenField(validators=[DataRequired(), Length(max=64)])
    confirm = BooleanField(
        lazy_gettext("Ik heb de uitkomst gecontroleerd en leg de verdeling voor aan een "
                     "beslisser."),
        validators=[DataRequired(lazy_gettext("Bevestig dat u de verdeling wilt voorleggen."))])


class ApproveRunForm(FlaskForm):
    confirm = BooleanField(
        lazy_gettext("Ik heb de verdeling gecontroleerd en neem de besluiten nu."),
        validators=[DataRequired(lazy_gettext("Bevestig dat u de besluiten wilt nemen."))])


class CancelForm(FlaskForm):
    """Withdrawing something prepared for approval: a run, a settlement, a ceiling."""

    reason = TextAreaField(
        lazy_gettext("Reden van de annulering"),
        validators=[DataRequired(lazy_gettext("Geef de reden van de annulering.")),
                    Length(max=2000)], render_kw={"rows": 3})
