"""The applicant's form for their organisation's postal address and IBAN. The form only
carries the text; grants.services.organisations judges it, so the rules live in one place."""

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import StringField


class OrganisationForm(FlaskForm):
    contact_name = StringField(lazy_gettext("Contactpersoon"), description=lazy_gettext(
        "Aan deze persoon richten wij besluiten en brieven (t.a.v.), bijvoorbeeld: mevrouw "
        "A. Bakker. Leeg: aan de directie."),
        render_kw={"autocomplete": "name", "maxlength": 200})
    address = StringField(lazy_gettext("Adres"), description=lazy_gettext(
        "Straat en huisnummer, of een postbus. Hierheen sturen wij besluiten en brieven."),
        render_kw={"autocomplete": "address-line1", "maxlength": 200})
    postcode = StringField(
        lazy_gettext("Postcode"), description=lazy_gettext("Bijvoorbeeld 2500 BJ."),
        render_kw={"autocomplete": "postal-code", "maxlength": 7, "spellcheck": "false"})
    city = StringField(lazy_gettext("Plaats"),
                       render_kw={"autocomplete": "address-level2", "maxlength": 100})
    iban = StringField(lazy_gettext("IBAN"), description=lazy_gettext(
        "Het Nederlandse rekeningnummer waarop de subsidie wordt betaald, bijvoorbeeld "
        "NL91 ABNA 0417 1643 00."),
        render_kw={"autocomplete": "off", "spellcheck": "false", "maxlength": 42})

    def error_summary(self) -> list[tuple[str, str]]:
        return [(field.id, message) for field in (self.contact_name, self.address,
                                                   self.postcode, self.city, self.iban)
                for message in field.errors]
