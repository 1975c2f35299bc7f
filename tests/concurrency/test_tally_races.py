"""The lists' totals while many write at once (issue 16): applications drafted and submitted
from separate OS processes while the tallies are folded again and again beside them. Every
key's tally still adds up to what a count of the applications finds, and folding left one row
per key. Runs on whatever database the suite uses."""

import threading

import pytest
import sqlalchemy as sa

from grants import create_app
from grants.database import writing
from grants.extensions import db
from grants.models import Application, ApplicationTally
from grants.services.tallies import fold, fold_apart
from tests.concurrency.conftest import sectorplan_payload
from tests.concurrency.workers import trigger_job

pytestmark = pytest.mark.no_db

WRITERS = 8
KEY = (ApplicationTally.scheme_id, ApplicationTally.window_id, ApplicationTally.state,
       ApplicationTally.region)


def tallied_per_key() -> dict:
    return {tuple(row[:4]): row[4] for row in db.session.execute(
        sa.select(*KEY, sa.func.sum(ApplicationTally.change)).group_by(*KEY)
        .having(sa.func.sum(ApplicationTally.change) != 0))}


def counted_per_key() -> dict:
    key = (Application.scheme_id, Application.window_id, Application.state, Application.region)
    return {(scheme, window, str(state), str(region)): count
            for scheme, window, state, region, count in db.session.execute(
                sa.select(*key, sa.func.count()).group_by(*key))}


def test_folding_beside_writers_keeps_every_total(race):
    drafts = [race.application("draft") for _ in range(WRITERS // 2)]
    body = {"scheme": "sectorplan", "window": "T2", "title": "Sectorplan Metaal",
            **sectorplan_payload(race.employers_id, race.employees_id)}
    tokens = race.new_tokens("applicant", WRITERS)
    jobs = [trigger_job(draft["id"], "submit", token)
            for draft, token in zip(drafts, tokens, strict=False)]
    jobs += [{"method": "POST", "path": "/api/v1/applications", "token": token, "body": body}
             for token in tokens[len(drafts):]]

    stop, folds, failures = threading.Event(), [], []

    def fold_meanwhile():
        # An app of its own: the race lets go of the race app's connections as it starts.
        app = create_app(race.config)
        try:
            with app.app_context():
                while not stop.is_set():
                    fold_apart()
                    folds.append(1)
                db.engine.dispose()
        except Exception as error:  # noqa: BLE001 (reported by the test below)
            failures.append(error)

    folding = threading.Thread(target=fold_meanwhile)
    folding.start()
    try:
        outcomes = race.run(jobs)
    finally:
        stop.set()
        folding.join()

    assert failures == []
    assert len(folds) > 0
    assert sorted(o.status for o in outcomes) == sorted(
        [200] * len(drafts) + [201] * (WRITERS - len(drafts))), [o.body for o in outcomes]
    with race.app.app_context():
        assert tallied_per_key() == counted_per_key()
        db.session.rollback()
        # The last fold waits for the database as any writer does: fold_apart gives way at once
        # on SQLite to a writer still finishing (a racer's last commit, a checkpoint), which
        # left this check flaky.
        with writing(), db.engine.begin() as connection:
            fold(connection)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApplicationTally)) \
            == len(counted_per_key())
        assert tallied_per_key() == counted_per_key()
        db.session.remove()
