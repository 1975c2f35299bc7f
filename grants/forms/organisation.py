"""The applicant's form for their organisation's postal address and IBAN, and the staff's
forms for the register of organisations. The forms only carry the text;
grants.services.organisations judges it, so the rules live in one place."""

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField

from grants.models import ORGANISATION_KIND_LABELS, Region


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


def kind_choices() -> list[tuple[str, str]]:
    return [("", gettext("Kies de soort")),
            *((kind.value, gettext(label)) for kind, label in ORGANISATION_KIND_LABELS.items())]


def region_choices() -> list[tuple[str, str]]:
    return [("", gettext("Kies het landsdeel")), *((region.value, region.value)
                                                   for region in Region)]


class _ServiceErrors:
    def add_service_errors(self, fields: dict[str, list[str]]) -> list[str]:
        """A refusal's messages next to their fields; returns those without a field. A field
        that failed its own check keeps that message alone."""
        loose = []
        for name, messages in fields.items():
            field = self._fields.get(name)
            if field is None:
                loose.extend(messages)
            elif not field.errors:
                field.errors = list(messages)
        return loose

    def error_summary(self) -> list[tuple[str, str]]:
        return [(field.id, message) for field in self if field.name != "csrf_token"
                for message in field.errors]


class _ChoiceField(SelectField):
    def pre_validate(self, form) -> None:
        # An empty or unknown choice is the service's to refuse, with its own message.
        pass


class AdminOrganisationForm(_ServiceErrors, FlaskForm):
    """Staff enter or correct an organisation: the register (name, KvK number, kind, region)
    and the details its applicants otherwise keep themselves."""

    name = StringField(lazy_gettext("Naam"), description=lazy_gettext(
        "De statutaire naam, zoals in het Handelsregister."),
        render_kw={"autocomplete": "off", "maxlength": 200})
    kvk = StringField(lazy_gettext("KvK-nummer"), description=lazy_gettext("8 cijfers."),
                      render_kw={"inputmode": "numeric", "autocomplete": "off",
                                 "spellcheck": "false", "maxlength": 12})
    kind = _ChoiceField(lazy_gettext("Soort organisatie"), choices=kind_choices)
    region = _ChoiceField(lazy_gettext("Landsdeel"), choices=region_choices)
    # Made anew here (not taken from OrganisationForm): a form lists its fields in the order
    # they were made, and the error summary follows that order.
    contact_name = StringField(lazy_gettext("Contactpersoon"), description=lazy_gettext(
        "Aan deze persoon richten wij besluiten en brieven (t.a.v.). Leeg: aan de directie."),
        render_kw={"autocomplete": "off", "maxlength": 200})
    address = StringField(lazy_gettext("Adres"), description=lazy_gettext(
        "Straat en huisnummer, of een postbus."),
        render_kw={"autocomplete": "off", "maxlength": 200})
    postcode = StringField(lazy_gettext("Postcode"), description=lazy_gettext(
        "Bijvoorbeeld 2500 BJ."),
        render_kw={"autocomplete": "off", "maxlength": 7, "spellcheck": "false"})
    city = StringField(lazy_gettext("Plaats"), render_kw={"autocomplete": "off",
                                                         "maxlength": 100})
    iban = StringField(lazy_gettext("IBAN"), description=lazy_gettext(
        "Het Nederlandse rekeningnummer waarop de subsidie wordt betaald, bijvoorbeeld "
        "NL91 ABNA 0417 1643 00."),
        render_kw={"autocomplete": "off", "spellcheck": "false", "maxlength": 42})


REASON_RENDER = {"rows": 3, "maxlength": 1000}


class OrganisationStatusForm(_ServiceErrors, FlaskForm):
    """Deactivating an organisation, or making it active again, with the reason."""

    reason = TextAreaField(lazy_gettext("Reden"), render_kw=REASON_RENDER)


class VerifyOrganisationForm(_ServiceErrors, FlaskForm):
    """Staff record that a pending organisation checks out: KvK registration and signatory."""

    signatory = StringField(lazy_gettext("Tekenbevoegde"), description=lazy_gettext(
        "Wie volgens het Handelsregister voor de organisatie mag tekenen."),
        render_kw={"autocomplete": "off", "maxlength": 200})
    kvk_checked = BooleanField(lazy_gettext(
        "Ik heb het KvK-nummer, de naam en het adres in het Handelsregister gecontroleerd."))
    signatory_checked = BooleanField(lazy_gettext(
        "Ik heb gecontroleerd dat deze persoon voor de organisatie mag tekenen."))
    reason = TextAreaField(lazy_gettext("Waarop de controle berust"), description=lazy_gettext(
        "Bijvoorbeeld: uittreksel Handelsregister van 3-6-2014."), render_kw=REASON_RENDER)
