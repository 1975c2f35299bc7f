from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp


class WhatIfForm(FlaskForm):
    """A preview's own settings; GET, so a preview can be bookmarked and shared."""

    class Meta:
        csrf = False

    ceiling = StringField(
        "Ander plafond (wat-als, optioneel)",
        validators=[Optional(), Regexp(r"^\d{1,13}([.,]\d{1,2})?$",
                                       message="Een bedrag als 24000000,00.")])
    seed = StringField("Lotingszaad (optioneel)", validators=[Optional(), Length(max=64)])


class CommitForm(FlaskForm):
    seed = HiddenField(validators=[DataRequired(), Length(max=64)])
    confirm = BooleanField(
        "Ik heb de uitkomst gecontroleerd en wil de besluiten nu nemen.",
        validators=[DataRequired("Bevestig dat u de besluiten wilt nemen.")])
