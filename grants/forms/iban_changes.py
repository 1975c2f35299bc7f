"""The forms for a held IBAN change: confirming and withdrawing carry only their CSRF token,
rejecting carries the reason. grants.services.iban_changes judges them."""

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import TextAreaField

from grants.forms.organisation import REASON_RENDER, _ServiceErrors


class IbanConfirmForm(FlaskForm):
    pass


class IbanWithdrawForm(FlaskForm):
    pass


class IbanRejectForm(_ServiceErrors, FlaskForm):
    reason = TextAreaField(lazy_gettext("Reden van afwijzen"), description=lazy_gettext(
        "Bijvoorbeeld: dit rekeningnummer kennen wij niet. Alle gebruikers van de organisatie "
        "krijgen de reden per e-mail."), render_kw=REASON_RENDER)
