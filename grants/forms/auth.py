from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField(
        lazy_gettext("E-mailadres"),
        # No format check: any mistake gets the same answer as a wrong password.
        validators=[DataRequired(lazy_gettext("Vul uw e-mailadres in.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        lazy_gettext("Wachtwoord"),
        validators=[DataRequired(lazy_gettext("Vul uw wachtwoord in.")), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )
