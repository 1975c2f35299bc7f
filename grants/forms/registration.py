"""Forms for getting in: registering an organisation, choosing the first password through a
registration's or invitation's link, and inviting a colleague. The forms only carry the text;
grants.services.registration judges it."""

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField

from grants.forms.auth import ResetPasswordForm
from grants.forms.organisation import _ChoiceField, _ServiceErrors, kind_choices, region_choices


class RegistrationForm(_ServiceErrors, FlaskForm):
    organisation_name = StringField(lazy_gettext("Naam van de organisatie"),
                                    description=lazy_gettext(
                                        "De statutaire naam, zoals in het Handelsregister."),
                                    render_kw={"autocomplete": "organization", "maxlength": 200})
    kvk = StringField(lazy_gettext("KvK-nummer"), description=lazy_gettext(
        "8 cijfers, zoals op het uittreksel uit het Handelsregister."),
        render_kw={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false",
                   "maxlength": 12})
    kind = _ChoiceField(lazy_gettext("Soort organisatie"), choices=kind_choices)
    region = _ChoiceField(lazy_gettext("Landsdeel"), choices=region_choices)
    address = StringField(lazy_gettext("Adres"), description=lazy_gettext(
        "Straat en huisnummer, of een postbus. Hierheen sturen wij besluiten en brieven."),
        render_kw={"autocomplete": "address-line1", "maxlength": 200})
    postcode = StringField(lazy_gettext("Postcode"), description=lazy_gettext(
        "Bijvoorbeeld 2500 BJ."),
        render_kw={"autocomplete": "postal-code", "maxlength": 7, "spellcheck": "false"})
    city = StringField(lazy_gettext("Plaats"),
                       render_kw={"autocomplete": "address-level2", "maxlength": 100})
    name = StringField(lazy_gettext("Uw naam"),
                       render_kw={"autocomplete": "name", "maxlength": 200})
    email = EmailField(lazy_gettext("Uw e-mailadres"), description=lazy_gettext(
        "Hierheen sturen wij de link om de aanmelding te bevestigen."),
        render_kw={"autocomplete": "email", "maxlength": 254, "spellcheck": "false"})


class SetPasswordForm(ResetPasswordForm):
    """The first password of an account made through a registration or an invitation."""


class InviteForm(_ServiceErrors, FlaskForm):
    name = StringField(lazy_gettext("Naam"), render_kw={"autocomplete": "off", "maxlength": 200})
    email = EmailField(lazy_gettext("E-mailadres"),
                       render_kw={"autocomplete": "off", "maxlength": 254,
                                  "spellcheck": "false"})
    as_administrator = BooleanField(lazy_gettext(
        "Ook beheerder: mag zelf collega's uitnodigen en hun accounts deactiveren"))
