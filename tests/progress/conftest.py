import pytest


@pytest.fixture(autouse=True)
def fresh_progress_cache(app):
    """The figures are kept in the app between requests; each test starts without them (the
    session's app outlives the test's rolled-back data)."""
    from grants.services.progress import clear_cache

    with app.app_context():
        clear_cache()
    yield
    with app.app_context():
        clear_cache()
