"""`flask grants demo` only in a demo database (issue 14): a database holding other data is
refused unless --force, and forced it gives no account a known password."""

import sqlalchemy as sa
from werkzeug.security import check_password_hash

from grants.demo import DEMO_USERS
from grants.extensions import db
from grants.models import Setting, User
from grants.models.settings import DEMO_DATABASE
from tests.conftest import login
from tests.factories import OrganisationFactory, UserFactory


def demo(app, *args):
    return app.test_cli_runner().invoke(args=["grants", "demo", *args])


def count_users() -> int:
    return db.session.scalar(sa.select(sa.func.count(User.id)))


def test_an_empty_database_becomes_a_demo_database(app):
    result = demo(app)
    assert result.exit_code == 0, result.output
    assert db.session.get(Setting, DEMO_DATABASE) is not None
    # Marked, it keeps working after other data came in (people trying the demo out).
    UserFactory(email="proef@example.nl")
    again = demo(app)
    assert again.exit_code == 0, again.output
    assert DEMO_USERS[0].password in again.output


def test_a_database_with_other_users_is_refused_and_left_alone(app):
    UserFactory(email="echte.medewerker@ministerie.nl")
    before = count_users()
    result = demo(app)
    assert result.exit_code == 1
    assert "--force" in result.output
    assert count_users() == before
    assert db.session.get(Setting, DEMO_DATABASE) is None


def test_a_database_with_other_organisations_is_refused(app):
    OrganisationFactory(kvk="12345678")
    assert demo(app).exit_code == 1


def test_forced_it_loads_the_demo_without_known_passwords(app):
    real = UserFactory(email="echte.medewerker@ministerie.nl")
    result = demo(app, "--force")
    assert result.exit_code == 0, result.output
    assert "geen bekend wachtwoord" in result.output
    for user in DEMO_USERS:
        assert user.password not in result.output
        assert login(app.test_client(), user.email, user.password).status_code == 401
    assert db.session.get(Setting, DEMO_DATABASE) is None
    assert db.session.get(User, real.id) is real


def test_forced_it_does_not_reset_an_existing_staff_account(app):
    admin = DEMO_USERS[-1]
    UserFactory(email="echte.medewerker@ministerie.nl")
    existing = UserFactory(email=admin.email)
    hash_before = existing.password_hash
    assert demo(app, "--force").exit_code == 0
    db.session.refresh(existing)
    assert existing.password_hash == hash_before
    assert not check_password_hash(existing.password_hash, admin.password)


def test_a_demo_database_from_before_the_marker_is_recognised(app):
    # Only demo users and no organisations: what an older `flask grants demo` left.
    UserFactory(email="beheer@demo.techniekpact.nl", organisation=None)
    result = demo(app)
    assert result.exit_code == 0, result.output
    assert db.session.get(Setting, DEMO_DATABASE) is not None
