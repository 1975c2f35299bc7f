from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, validates

from grants.database import UTCDateTime, utcnow
from grants.extensions import db
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


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kvk: Mapped[str] = mapped_column(sa.String(8), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_type(OrganisationKind, "kind"))
    region: Mapped[Region] = mapped_column(enum_type(Region, "region"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @validates("kvk")
    def _validate_kvk(self, _key, value):
        return normalise_kvk(value)

    @property
    def kind_label(self) -> str:
        return ORGANISATION_KIND_LABELS[self.kind]

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"
