from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, validates
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError
from stdnum.nl import postcode as nl_postcode

from grants.database import UTCDateTime, utcnow
from grants.extensions import db
from grants.i18n import N_
from grants.identifiers import normalise_kvk
from grants.models.columns import enum_type


class Region(StrEnum):
    """The five landsdelen the Techniekpact is monitored by."""

    NOORD = "Noord"
    OOST_NEDERLAND = "Oost-Nederland"
    ZUIDOOST = "Zuidoost"
    ZUIDWESTVLEUGEL = "Zuidwestvleugel"
    NOORDVLEUGEL = "Noordvleugel"


class OrganisationKind(StrEnum):
    EMPLOYERS_ORGANISATION = "employers_organisation"
    EMPLOYEES_ORGANISATION = "employees_organisation"
    OM_FUND = "om_fund"
    KNOWLEDGE_CENTRE = "knowledge_centre"
    MBO_INSTITUTION = "mbo_institution"
    EMPLOYER = "employer"


ORGANISATION_KIND_LABELS = {
    OrganisationKind.EMPLOYERS_ORGANISATION: "Werkgeversorganisatie",
    OrganisationKind.EMPLOYEES_ORGANISATION: "Werknemersorganisatie",
    OrganisationKind.OM_FUND: "O&O-fonds",
    OrganisationKind.KNOWLEDGE_CENTRE: "Kenniscentrum beroepsonderwijs",
    OrganisationKind.MBO_INSTITUTION: "Mbo-instelling",
    OrganisationKind.EMPLOYER: "Werkgever",
}


class OrganisationStatus(StrEnum):
    """Where an organisation stands: its users may submit only once staff verified it."""

    # Registered by someone of the organisation itself, not yet checked by staff.
    PENDING = "pending"
    # Staff checked its KvK registration and who may sign for it.
    VERIFIED = "verified"
    # Staff stopped it (e.g. dissolved, merged, misused); its users can no longer submit.
    DEACTIVATED = "deactivated"


ORGANISATION_STATUS_LABELS = {
    OrganisationStatus.PENDING: N_("Wacht op controle"),
    OrganisationStatus.VERIFIED: N_("Gecontroleerd"),
    OrganisationStatus.DEACTIVATED: N_("Gedeactiveerd"),
}


def validate_dutch_iban(value: str) -> str:
    """A Dutch IBAN with a correct check, compact; ValueError with the reason otherwise."""
    try:
        compact = stdnum_iban.validate(value)
    except ValidationError as error:
        raise ValueError(f"Ongeldig IBAN: {value!r}.") from error
    if not compact.startswith("NL"):
        raise ValueError(f"Geen Nederlands IBAN: {value!r}.")
    return compact


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kvk: Mapped[str] = mapped_column(sa.String(8), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_type(OrganisationKind, "kind"))
    region: Mapped[Region] = mapped_column(enum_type(Region, "region"))
    # The postal address decision letters are sent to (street and number, or a Postbus).
    address: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    postcode: Mapped[str] = mapped_column(sa.String(7), default="", server_default="")
    city: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    # The person letters are addressed to ("t.a.v. …"); empty: to the board.
    contact_name: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    # The account grants are paid to (SEPA credit transfer), stored compact: NL91ABNA0417164300.
    iban: Mapped[str] = mapped_column(sa.String(34), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Organisations made by staff (and every one from before self-registration) are verified;
    # self-registration sets pending explicitly.
    status: Mapped[OrganisationStatus] = mapped_column(
        enum_type(OrganisationStatus, "status"), default=OrganisationStatus.VERIFIED,
        server_default=OrganisationStatus.VERIFIED.value)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The staff member's name as it was then; the admin log's event names the account itself.
    # (A foreign key to users would make User.organisation's join ambiguous.)
    verified_by_name: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    # Who may sign for the organisation, as staff found it in the KvK register.
    signatory: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    # Why the status last changed (verified, deactivated, active again); the log keeps them all.
    status_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    @validates("kvk")
    def _validate_kvk(self, _key, value):
        return normalise_kvk(value)

    @validates("postcode")
    def _validate_postcode(self, _key, value):
        """Dutch postcodes, written the way PostNL wants them ("2500 BJ")."""
        if not value:
            return ""
        try:
            return nl_postcode.validate(value)
        except ValidationError as error:
            raise ValueError(f"Ongeldige postcode: {value!r}.") from error

    @validates("iban")
    def _validate_iban(self, _key, value):
        if not value:
            return ""
        return validate_dutch_iban(value)

    @property
    def postal_lines(self) -> list[str]:
        """The address block's lines under the name; empty when no address is known."""
        place = f"{self.postcode or ''}  {(self.city or '').upper()}".strip()
        return [line for line in (self.address, place) if line]

    @property
    def kind_label(self) -> str:
        return ORGANISATION_KIND_LABELS[self.kind]

    @property
    def status_label(self) -> str:
        return ORGANISATION_STATUS_LABELS[self.status]

    @property
    def may_submit(self) -> bool:
        return self.status == OrganisationStatus.VERIFIED

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"
