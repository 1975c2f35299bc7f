"""Grants walked to the point where reports are due, through the API as their users would."""

import pytest

from tests.decisions.conftest import Steps


@pytest.fixture
def steps(world, clock):
    return Steps(world, clock)


@pytest.fixture
def web_as(app):
    """web_as(user): a separate browser session logged in as ``user``."""
    from tests.conftest import login

    def start(user):
        client = app.test_client()
        response = login(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return start
