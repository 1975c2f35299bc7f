"""Each scheme's multi-part application form, mapped onto the fields of
grants.workflows.fields (sectorplan, rif, praktijkleren)."""

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Form, SelectChoice, SelectField, StringField
from wtforms.validators import Length

from grants.extensions import db
from grants.forms.portal import EuroField, SchemeForm, euros_text, rows, text_or_none
from grants.i18n import translated
from grants.models import Organisation, Region
from grants.services.receipts import mask_iban

REGION_CHOICES = [SelectChoice("", _l("Kies een landsdeel"))] + [
    SelectChoice(r.value, r.value) for r in Region]

THEME_LABELS = {
    "youth": _l("Jongeren"),
    "older_workers": _l("Oudere werknemers"),
    "distance_to_labour_market": _l("Afstand tot de arbeidsmarkt"),
    "mobility": _l("Mobiliteit"),
    "training": _l("Scholing"),
    "work_to_work": _l("Van werk naar werk"),
    "good_employership": _l("Goed werkgeverschap"),
}
PARTNER_ROLE_LABELS = {
    "employers": _l("Werkgevers"),
    "employees": _l("Werknemers"),
    "other": _l("Anders"),
}
RIF_PARTNER_KIND_LABELS = {
    "employer": _l("Werkgever"),
    "regional_government": _l("Regionale overheid"),
    "om_fund": _l("O&O-fonds"),
    "other": _l("Anders"),
}
CONTRIBUTION_KIND_LABELS = {
    "cash": _l("In geld"),
    "in_kind": _l("In natura"),
}
DATE_INPUT = {"type": "date", "autocomplete": "off"}


def _choices(labels: dict, prompt) -> list[SelectChoice]:
    return [SelectChoice("", prompt)] + [SelectChoice(v, label) for v, label in labels.items()]


def _select(label, labels: dict, prompt, **kwargs) -> SelectField:
    return SelectField(label, choices=_choices(labels, prompt), validate_choice=False, **kwargs)


def _date(label) -> StringField:
    return StringField(label, render_kw=dict(DATE_INPUT))


def _text(label, max_length: int, **kwargs) -> StringField:
    return StringField(label, validators=[Length(
        max=max_length, message=_l("Gebruik hoogstens %(max)d tekens.", max=max_length))],
        **kwargs)


def organisation_choices() -> list[SelectChoice]:
    organisations = db.session.scalars(sa.select(Organisation).order_by(Organisation.name))
    return [SelectChoice("", _l("Kies een organisatie"))] + [
        SelectChoice(str(o.id), f"{o.name} ({_lower_first(translated(o.kind_label))}, "
                                f"KvK {o.kvk})")
        for o in organisations]


def _lower_first(label: str) -> str:
    """"werkgever", but "O&O-fonds" stays as it is written."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def _id_text(value) -> str:
    return "" if value is None else str(value)


# -- sector plans -------------------------------------------------------------------------------

class PartnerRow(Form):
    organisation = SelectField(_l("Organisatie"), validate_choice=False)
    role = _select(_l("Rol in het samenwerkingsverband"), PARTNER_ROLE_LABELS, _l("Kies een rol"))


class MeasureRow(Form):
    title = _text(_l("Naam van de maatregel"), 300)
    theme = _select(_l("Thema"), THEME_LABELS, _l("Kies een thema"))
    eligible_cost = EuroField(_l("Subsidiabele kosten in euro's"))
    requested_subsidy = EuroField(_l("Gevraagde subsidie in euro's"),
                                  description=_l("Hoogstens de helft van de kosten."))


class SectorplanForm(SchemeForm):
    ROWS = {"partners": _l("Partner"), "measures": _l("Maatregel")}

    sector = _text(_l("Sector, branche of arbeidsmarktregio"), 200)
    region = SelectField(_l("Landsdeel"), choices=REGION_CHOICES, validate_choice=False)
    starts_on = _date(_l("Begindatum"))
    ends_on = _date(_l("Einddatum"))
    lead_organisation = SelectField(
        _l("Hoofdaanvrager"), validate_choice=False,
        description=_l("Een werkgevers- of werknemersorganisatie, een O&O-fonds of een "
                       "kenniscentrum; zij staat ook bij de partners."))
    partners = rows(PartnerRow, _l("Partners in het samenwerkingsverband"))
    measures = rows(MeasureRow, _l("Maatregelen"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = organisation_choices()
        self.lead_organisation.choices = organisations
        for entry in self.partners.entries:
            entry.form.organisation.choices = organisations

    @classmethod
    def data_from(cls, application) -> dict:
        details = application.details or {}
        return {
            "version": str(application.version), "title": application.title,
            "sector": details.get("sector", ""), "region": details.get("region", ""),
            "lead_organisation": _id_text(details.get("lead_organisation")),
            "partners": [{"organisation": _id_text(p.get("organisation")),
                          "role": p.get("role", "")} for p in details.get("partners") or []],
            "measures": [{"title": m.get("title", ""), "theme": m.get("theme", ""),
                          "eligible_cost": euros_text(m.get("eligible_cost")),
                          "requested_subsidy": euros_text(m.get("requested_subsidy"))}
                         for m in details.get("measures") or []],
            "starts_on": details.get("starts_on", ""), "ends_on": details.get("ends_on", ""),
        }

    def scalar_payload(self) -> dict:
        return {
            "sector": text_or_none(self.sector.data),
            "region": text_or_none(self.region.data),
            "lead_organisation": text_or_none(self.lead_organisation.data),
            "starts_on": text_or_none(self.starts_on.data),
            "ends_on": text_or_none(self.ends_on.data),
        }

    @staticmethod
    def starting_details(organisation) -> dict:
        """A new plan: the applicant leads it, is its first partner, in its own region."""
        role = {"employers_organisation": "employers",
                "employees_organisation": "employees"}.get(organisation.kind.value, "other")
        return {"lead_organisation": organisation.id, "region": organisation.region.value,
                "partners": [{"organisation": organisation.id, "role": role}]}


# -- RIF ----------------------------------------------------------------------------------------

class RifPartnerRow(Form):
    name = _text(_l("Naam van de partner"), 200)
    kind = _select(_l("Soort partner"), RIF_PARTNER_KIND_LABELS, _l("Kies de soort"))


class ContributionRow(Form):
    partner = _text(_l("Partner die bijdraagt"), 200,
                    description=_l("Precies de naam zoals bij de partners."),
                    render_kw={"list": "rif-partner-names", "autocomplete": "off"})
    kind = _select(_l("Soort bijdrage"), CONTRIBUTION_KIND_LABELS, _l("Kies de soort"))
    amount = EuroField(_l("Bedrag in euro's"))


class RifForm(SchemeForm):
    ROWS = {"partners": _l("Partner"), "contributions": _l("Bijdrage")}

    region = SelectField(_l("Landsdeel"), choices=REGION_CHOICES, validate_choice=False)
    starts_on = _date(_l("Begindatum"))
    ends_on = _date(_l("Einddatum"))
    requested_subsidy = EuroField(_l("Gevraagde subsidie in euro's"),
                                  description=_l("Van € 200.000 tot en met € 2.000.000."))
    total_cost = EuroField(_l("Totale kosten van het project in euro's"),
                           description=_l("Ten minste drie keer de gevraagde subsidie."))
    partners = rows(RifPartnerRow, _l("Partners"))
    contributions = rows(ContributionRow, _l("Bijdragen van de partners"))

    @classmethod
    def data_from(cls, application) -> dict:
        details = application.details or {}
        return {
            "version": str(application.version), "title": application.title,
            "region": details.get("region", ""),
            "requested_subsidy": euros_text(details.get("requested_subsidy")),
            "total_cost": euros_text(details.get("total_cost")),
            "partners": [{"name": p.get("name", ""), "kind": p.get("kind", "")}
                         for p in details.get("partners") or []],
            "contributions": [{"partner": c.get("partner", ""), "kind": c.get("kind", ""),
                               "amount": euros_text(c.get("amount"))}
                              for c in details.get("contributions") or []],
            "starts_on": details.get("starts_on", ""), "ends_on": details.get("ends_on", ""),
        }

    def scalar_payload(self) -> dict:
        return {
            "region": text_or_none(self.region.data),
            "requested_subsidy": self.requested_subsidy.api_value(),
            "total_cost": self.total_cost.api_value(),
            "starts_on": text_or_none(self.starts_on.data),
            "ends_on": text_or_none(self.ends_on.data),
        }

    def partner_names(self) -> list[str]:
        return [name for entry in self.partners.entries
                if (name := text_or_none(entry.form["name"].data))]

    @staticmethod
    def starting_details(organisation) -> dict:
        """The applicant is the mbo institution that applies for the partnership."""
        return {"institution": organisation.id, "region": organisation.region.value}


# -- praktijkleren ------------------------------------------------------------------------------

class PraktijklerenForm(SchemeForm):
    employer_id = _text(
        _l("Nummer van het erkend leerbedrijf"), 20,
        description=_l("Het nummer waaronder SBB uw bedrijf als leerbedrijf heeft erkend; "
                       "alleen nodig voor mbo-plaatsen."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"})
    iban = _text(_l("IBAN"), 40,
                 description=_l("Het rekeningnummer waarop de subsidie wordt betaald."),
                 render_kw={"autocomplete": "off", "spellcheck": "false"})

    @staticmethod
    def iban_hint(organisation) -> str:
        """Beside the IBAN: the subsidy goes only to the organisation's confirmed account
        (grants.services.payee), so the applicant knows which one to give and where to change
        it."""
        confirmed = organisation.iban if organisation is not None else ""
        if not confirmed:
            return _("Uw organisatie heeft nog geen bevestigd IBAN. De subsidie wordt alleen "
                     "betaald op het bevestigde IBAN van de organisatie: vul het eerst in onder "
                     "Organisatie, waar een collega of het ministerie het bevestigt.")
        return _("De subsidie wordt betaald op het bevestigde IBAN van uw organisatie, "
                 "%(iban)s. Vul dat IBAN hier in; met een ander IBAN kunt u niet indienen.",
                 iban=mask_iban(confirmed))

    @classmethod
    def data_from(cls, application) -> dict:
        details = application.details or {}
        return {"version": str(application.version), "title": application.title,
                "employer_id": details.get("employer_id", ""), "iban": details.get("iban", "")}

    def scalar_payload(self) -> dict:
        return {"employer_id": text_or_none(self.employer_id.data),
                "iban": text_or_none(self.iban.data)}

    @staticmethod
    def starting_details(organisation) -> dict:
        """A new draft names the organisation's confirmed IBAN: the only one it may be paid to."""
        return {"iban": organisation.iban} if organisation.iban else {}


SCHEME_FORMS: dict[str, type[SchemeForm]] = {
    "sectorplan": SectorplanForm,
    "rif": RifForm,
    "praktijkleren": PraktijklerenForm,
}
