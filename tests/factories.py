"""factory_boy factories; their commits are savepoints inside the test's transaction.

They commit rather than flush so that a request that is refused (and rolls back what it did)
cannot take the test's own data with it.
"""

from datetime import UTC, datetime

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
# Staff must use two-factor authentication: factory-made staff have it on with this secret, and
# tests.conftest.login answers the code step with the code of the injected clock's moment.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
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
    totp_secret = factory.LazyAttribute(
        lambda o: TOTP_SECRET if any(row.role != Role.APPLICANT for row in o.role_rows)
        else None)
    totp_enabled_at = factory.LazyAttribute(
        lambda o: datetime(2014, 1, 1, tzinfo=UTC) if o.totp_secret else None)


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


def consent_all(application: Application | None, at=None, *, commit: bool = True) -> None:
    """Every other organisation a sector plan names consents to it as it now reads, each
    through an applicant of its own (made here when it has none), as they would from their own
    accounts before the plan is submitted (issue 14). Nothing for other schemes, or for a plan
    that can no longer be consented to. ``commit=False`` leaves the consents in the caller's
    transaction (one that must stay whole, as a batch of letters)."""
    import sqlalchemy as sa

    from grants.clock import now
    from grants.services.consents import CONSENT_STATES, give_consent, missing_consents

    if application is None or application.state not in CONSENT_STATES:
        return
    for status in missing_consents(application):
        user = db.session.scalars(
            sa.select(User).join(UserRole).where(User.organisation_id == status.organisation_id,
                                                 User.active, UserRole.role == Role.APPLICANT)
            .order_by(User.id).limit(1)).first()
        if user is None:
            user = UserFactory(organisation=db.session.get(Organisation, status.organisation_id))
        give_consent(application.id, user, at or now())
    if commit:
        db.session.commit()
