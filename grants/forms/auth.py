from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length


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


# Made before the new password's fields, so that its errors come first in the summary too
# (fields are ordered by when they were made).
_CURRENT_PASSWORD = PasswordField(
    lazy_gettext("Huidig wachtwoord"),
    validators=[DataRequired(lazy_gettext("Vul uw huidige wachtwoord in.")), Length(max=1000)],
    render_kw={"autocomplete": "current-password"},
)


class _NewPasswordFields:
    """A new password, typed twice; the rules themselves are the service's."""

    new_password = PasswordField(
        lazy_gettext("Nieuw wachtwoord"),
        validators=[DataRequired(lazy_gettext("Vul een nieuw wachtwoord in.")),
                    Length(max=1000)],
        render_kw={"autocomplete": "new-password"},
    )
    new_password_repeat = PasswordField(
        lazy_gettext("Nieuw wachtwoord herhalen"),
        validators=[DataRequired(lazy_gettext("Vul het nieuwe wachtwoord nog een keer in.")),
                    EqualTo("new_password",
                            lazy_gettext("De twee nieuwe wachtwoorden zijn niet gelijk."))],
        render_kw={"autocomplete": "new-password"},
    )

    def add_service_errors(self, fields: dict[str, list[str]]) -> list[str]:
        """Put a refusal's messages next to their fields; returns those that have no field."""
        loose = []
        for name, messages in fields.items():
            field = self._fields.get(name)
            if field is None:
                loose.extend(messages)
            else:
                field.errors = [*field.errors, *messages]
        return loose


class ChangePasswordForm(_NewPasswordFields, FlaskForm):
    current_password = _CURRENT_PASSWORD


class ResetPasswordForm(_NewPasswordFields, FlaskForm):
    pass


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        lazy_gettext("E-mailadres"),
        validators=[DataRequired(lazy_gettext("Vul uw e-mailadres in.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )


def _code_field(label, message, numeric: bool = True) -> StringField:
    render_kw = {"autocomplete": "one-time-code", "spellcheck": "false",
                 "autocapitalize": "off"}
    if numeric:
        render_kw["inputmode"] = "numeric"
    return StringField(label, validators=[DataRequired(message), Length(max=40)],
                       render_kw=render_kw)


class LoginCodeForm(FlaskForm):
    """The second step of logging in: a code from the app, or a recovery code."""

    # Not numeric: a recovery code has letters, and a phone's number pad cannot type them.
    code = _code_field(lazy_gettext("Code"),
                       lazy_gettext("Vul de code uit uw app of een herstelcode in."),
                       numeric=False)


class EnrolTwoFactorForm(FlaskForm):
    code = _code_field(lazy_gettext("Code uit uw app"),
                       lazy_gettext("Vul de code van 6 cijfers uit uw app in."))


# The two forms of the page for someone with two-factor authentication on: each field needs an
# id of its own, so that every label and error-summary link points at the right one.
class DisableTwoFactorForm(FlaskForm):
    disable_code = _code_field(lazy_gettext("Code om uit te zetten"),
                               lazy_gettext("Vul een code uit uw app of een herstelcode in."),
                               numeric=False)


class RecoveryCodesForm(FlaskForm):
    renew_code = _code_field(lazy_gettext("Code voor nieuwe herstelcodes"),
                             lazy_gettext("Vul een code uit uw app of een herstelcode in."),
                             numeric=False)


class ResetTwoFactorForm(FlaskForm):
    """An administrator's reset of someone's two-factor authentication (a lost phone)."""

    reason = TextAreaField(
        lazy_gettext("Reden"),
        validators=[DataRequired(lazy_gettext("Vul een reden in, bijvoorbeeld dat de telefoon "
                                              "kwijt is.")),
                    Length(max=1000, message=lazy_gettext("Houd de reden onder de 1000 "
                                                          "tekens."))],
        render_kw={"rows": 3},
    )
