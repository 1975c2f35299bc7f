"""Helpers for the organisation tests: an admin signed in on the pages, and an organisation
that registered itself and waits for staff to verify it."""

import pytest

from grants.models import OrganisationKind, OrganisationStatus, Region, Role
from tests.factories import OrganisationFactory, UserFactory


@pytest.fixture
def admin(login_as, schemes):
    # After the seed, so that the login's commit keeps the seed when a refused request rolls
    # back.
    user = UserFactory(role=Role.ADMIN, name="Beheerder Bart")
    login_as(user)
    return user


@pytest.fixture
def pending():
    """As self-registration will leave it: pending, never verified."""
    return OrganisationFactory(name="Stichting Techniek Oost", kvk="41000001",
                               kind=OrganisationKind.KNOWLEDGE_CENTRE,
                               region=Region.OOST_NEDERLAND,
                               status=OrganisationStatus.PENDING)
