import pytest

from tests.decisions.conftest import Steps


@pytest.fixture
def steps(world, clock):
    return Steps(world, clock)


def waive_hearing(world, number: int, ground: str = "objector_waived") -> None:
    """Record that the objector is not heard (Awb 7:3), so the objection can be decided."""
    response = world.assessor.fire(number, "waive_hearing", {
        "ground": ground, "reason": "Per brief laten weten niet gehoord te willen worden."
        if ground == "objector_waived" else "Het bezwaar kwam na de termijn binnen."})
    assert response.status_code == 200, response.get_json()
