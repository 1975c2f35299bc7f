"""Two finance officers commit the same day's run at one moment: each instalment is paid once."""

import multiprocessing

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import Organisation, PaymentLine, PaymentRun, Role
from grants.services.accounts import create_user
from tests.concurrency.conftest import PASSWORD, RACE_TIMEOUT, race, transaction  # noqa: F401
from tests.payments.conftest import EMPLOYERS_IBAN
from tests.payments.race_worker import commit_job

pytestmark = pytest.mark.no_db


def test_two_runs_committed_at_once_pay_each_instalment_once(race):  # noqa: F811
    with race.app.app_context():
        db.session.get(Organisation, race.employers_id).iban = EMPLOYERS_IBAN
        for key in ("finance", "finance2"):
            create_user(email=f"{key}@example.nl", name=key, roles={Role.FINANCE},
                        password=PASSWORD)
        db.session.commit()
    application = race.application("assessed")
    race.trigger(application["id"], "approve", "approver",
                 {"amount": "400000.00", "reason": "Niet alle kosten komen in aanmerking."})

    with race.app.app_context():
        db.engine.dispose()
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2, timeout=RACE_TIMEOUT)
    results = context.Queue()
    processes = [context.Process(target=commit_job, args=(
        index, race.config, f"{key}@example.nl", PASSWORD, barrier, results), daemon=True)
        for index, key in enumerate(("finance", "finance2"))]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=RACE_TIMEOUT) for _ in processes]
    for process in processes:
        process.join(RACE_TIMEOUT)
    assert all(outcome[1] == "response" for outcome in outcomes), outcomes
    # Both were in flight at one moment: neither finished before the other started.
    assert max(outcome[4] for outcome in outcomes) < min(outcome[5] for outcome in outcomes)
    # One lands on its run's page; the other is told there is nothing left to pay.
    assert sorted((outcome[2], outcome[3]) for outcome in outcomes) == [
        (302, "/financien/betalingen/1"), (409, None)], outcomes

    with race.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentRun)) == 1
        lines = db.session.scalars(sa.select(PaymentLine)).all()
        assert [(line.instalment, line.amount_cents, line.paid_through_cents)
                for line in lines] == [(1, 80_000_00, 80_000_00)]
        db.session.remove()
    entries = race.entries(application_ids=[application["id"]])
    assert [(e["kind"].value, e["amount_cents"]) for e in entries
            if e["kind"].value == "disburse"] == [("disburse", 80_000_00)]
    assert race.get(application["id"])["state"] == "monitored"
