import pytest

from tests.decisions.conftest import Steps


@pytest.fixture
def steps(world, clock):
    return Steps(world, clock)
