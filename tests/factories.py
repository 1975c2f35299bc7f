"""factory_boy factories; their commits are savepoints inside the test's transaction.

They commit rather than flush so that a request that is refused (and rolls back what it did)
cannot take the test's own data with it.
"""

import factory
from factory.alchemy import SQLAlchemyModelFactory

from grants.extensions import db
from grants.models import (
    Application,
    Organisation,
    OrganisationKind,
    Region,
    Role,
    User,
    UserRole,
)
from grants.services.accounts import hash_password

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = None


def password_hash() -> str:
    # Hashing is deliberately slow; one hash serves every factory-made user.
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = hash_password(PASSWORD)
    return _PASSWORD_HASH


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class OrganisationFactory(Base):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisatie {n}")
    kvk = factory.Sequence(lambda n: f"{90000000 + n:08d}")
    kind = OrganisationKind.EMPLOYERS_ORGANISATION
    region = Region.NOORD
    address = factory.Sequence(lambda n: f"Werkplaatsweg {n + 1}")
    postcode = "8011 AB"
    city = "Zwolle"


class UserFactory(Base):
    class Meta:
        model = User

    class Params:
        role = Role.APPLICANT

    email = factory.Sequence(lambda n: f"gebruiker{n}@example.nl")
    name = factory.Sequence(lambda n: f"Gebruiker {n}")
    password_hash = factory.LazyFunction(password_hash)
    active = True
    organisation = factory.Maybe(
        factory.LazyAttribute(lambda o: o.role == Role.APPLICANT),
        yes_declaration=factory.SubFactory(OrganisationFactory),
        no_declaration=None,
    )
    role_rows = factory.LazyAttribute(lambda o: [UserRole(role=o.role)])


class ApplicationFactory(Base):
    class Meta:
        model = Application

    organisation = factory.SubFactory(OrganisationFactory)
    window = None  # give one: applications belong to a seeded window
    scheme = factory.LazyAttribute(lambda o: o.window.scheme)
    reference = factory.Sequence(lambda n: f"TEST-{n:05d}")
    region = factory.LazyAttribute(lambda o: o.organisation.region)
    title = factory.Sequence(lambda n: f"Aanvraag {n}")
    requested_cents = 100_000_00
